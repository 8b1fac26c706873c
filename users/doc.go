// Package users manages the users of a workspace: sign-up (Register), roles,
// deactivation, deletion, ownership transfer, listing and CSV export.
//
// Identity inside a workspace is the normalized email (NormalizeEmail). A
// user's role and deactivation are policy lines (package access): the
// stored roles are admin, global_curator, basic and limited; curator is
// derived from group curator flags and never set directly. The first person
// of a workspace, and every configured admin email, become admin.
//
// Every mutating method names its actor and runs as one audited transaction
// in which the actor's permission is checked against the state inside it.
// The rules: only admins change roles, never their own; the last active
// admin of a workspace can be neither demoted, deactivated nor deleted (this
// holds under concurrency, because roster serializes its writers); a user is
// deleted only once deactivated and while they own no document set or agent
// (OwnsResourcesError names them; TransferOwnership moves them).
//
// Users are of two kinds: people, and the service users of API keys
// (KindService, created, changed and deleted with their key by package
// roster's Workspace). Service users never become the first admin, never
// count as (nor are protected as) the last active admin, pass no invite
// gate or domain check, and are listed apart (Filter.Kinds).
//
// The actor of a live SCIM token of the workspace (access.SCIMActor) does
// what provisioning does: Register with SourceSCIM, and ChangeEmail,
// Deactivate or Activate of users who are not admins (ErrSCIMAdminEmail and
// ErrSCIMAdminStatus for an admin); every other call refuses it with ErrSCIMNotAllowed, and a
// revoked token's actor is refused everywhere.
//
// Operations that span packages (the invite gate at sign-up, clean-up at
// delete) are composed by package roster through hooks, inside the same
// transaction, so users imports none of them.
//
// Errors start "users: " and wrap roster's sentinels (ErrLastAdmin matches
// access.ErrConflict); each carries the sentence a person reads, which
// access.Sentence returns (OwnsResourcesError names the user by email).
package users
