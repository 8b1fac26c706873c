// Package resources registers the access facts of an application's
// connectors, document sets and agents: owner, public flag, attached groups
// and direct shares. Roster never stores resource content or names; the
// application keeps those and tells roster who may see and edit what. The
// facts become policy lines (package access) in the same audited transaction.
//
// # Creation scope
//
// The creation scope says who may register a resource with which facts.
// [Service.Register] checks it before anything else, so that a caller
// outside it learns nothing of which resources, groups or users exist;
// [Service.Update] checks it on the new facts, after edit access to the
// resource as it is.
//
//   - An admin may register anything, for any owner.
//   - Anyone else may name only themselves as the owner, and keeps the owner
//     on an update; an agent always needs its owner.
//   - A limited user registers nothing.
//   - Agents: any user from basic up registers their own agents, attached
//     only to groups they are a member of (others are refused as
//     groups.ErrGroupNotFound).
//   - Connectors and document sets (and agents a curator edits without
//     owning them): curators and global curators only; a basic user
//     registers none, public or not. They must name at least one group
//     ([ErrNoGroups]) unless the resource is public, and every group they
//     name must be one they may curate: a group whose curator flag they hold
//     (a curator), or any group they are a member of (a global curator). A
//     group outside that is groups.ErrOutOfScope for a member of it and
//     groups.ErrGroupNotFound for anyone else, so that a group's existence
//     does not leak. They make a resource public only when it is new, their
//     own, or public already.
//
// A document set's connectors are facts too (roster_document_set_connectors),
// kept for the document-set rule: a private connector in a private document
// set must be attached to every group of the set. Every write that changes
// one of the rule's inputs (Register, Update, Attach, Detach, SetAttached of
// a document set or a connector) checks it on the result for every document
// set it touches, and refuses with ErrDocumentSetRule, writing nothing.
//
// Errors start "resources: " and wrap roster's sentinels; each carries the
// sentence a person reads, which access.Sentence returns, naming resources
// through the caller's function where the caller may see them and by kind
// only otherwise ("The agent does not exist.").
package resources
