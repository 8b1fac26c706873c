// Package resources registers the access facts of an application's
// connectors, document sets and agents: owner, public flag, attached groups
// and direct shares. Roster never stores resource content or names; the
// application keeps those and tells roster who may see and edit what. The
// facts become policy lines (package access) in the same audited transaction.
package resources
