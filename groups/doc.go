// Package groups manages the groups of a workspace: their members, the
// curator flags on memberships, and the resources attached to them.
//
// A group grants its members view access to every attached connector,
// document set and agent. Memberships, curator flags and attachments are
// policy lines (package access); the group's name lives in roster_groups.
//
// Scope: create, rename and delete are for admins. Every call that changes
// a group's members, curator flags or attachments checks the actor's scope
// for that very group: an admin; a curator holding that group's curator
// flag; a global curator who is a member of it. A curator who is a member
// without scope gets ErrOutOfScope, a basic or limited member
// access.ErrForbidden, anyone else ErrGroupNotFound, so a group's existence
// does not leak to non-members (Onyx bug #12525 let curators edit other groups;
// roster checks every call). The actor of a live SCIM token of the
// workspace (provisioning; SCIM groups are roster groups) may create,
// rename and delete groups and change their members, never curator flags
// or attachments.
//
// The curator role is derived: a basic user holding at least one curator
// flag is a curator. Losing the last flag (unset, removal from the group,
// the group's deletion) makes them basic again without any write to their
// role, and a role change clears every flag they hold (package users).
//
// Errors start "groups: " and wrap roster's sentinels (ErrOutOfScope matches
// access.ErrForbidden); each carries the sentence a person reads, which
// access.Sentence returns, naming a duplicate group by its name.
package groups
