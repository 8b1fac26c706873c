// Package resources registers the access facts of an application's
// connectors, document sets and agents: owner, public flag, attached groups
// and direct shares. Roster never stores resource content or names; the
// application keeps those and tells roster who may see and edit what. The
// facts become policy lines (package access) in the same audited transaction.
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
