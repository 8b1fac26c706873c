// Package scim is roster's SCIM 2.0 service (RFC 7643, RFC 7644): an
// http.Handler through which an identity provider such as Okta or Microsoft
// Entra ID provisions the users and groups of one workspace.
//
// The model: each request carries a SCIM token of a workspace (package
// tokens; Directory.Authenticate) and reads and writes only that workspace.
// A provisioned user is a roster user whose email is the SCIM userName
// (normalized by users.NormalizeEmail); a SCIM group is a roster group, its
// members roster users. Beside each provisioned user and group roster keeps
// a SCIM record (externalId, the userName as sent, name parts, and every
// attribute it does not map, as JSON), written in the same transaction as
// the roster change, so a GET returns what the provider sent and nothing is
// ever half-written. SCIM acts as its token (access.SCIMActor): it never
// sets roles or curator flags and never changes an admin's status (403).
// Deleting a user deactivates it and ends its SCIM record (a later GET is
// 404). Each token is throttled (Config.Rate, Config.Burst). docs/scim.md
// has the attribute mapping, the provider quirks handled and the limits.
//
// Every write goes through the transaction-level calls of packages users
// and groups (the same checks and audit events as their Service methods),
// composed with the record in one store transaction. Reads of a list are
// one SQL query over roster_users or roster_groups joined with the records,
// so that a filter, translated through the allow-list, is a WHERE clause:
// the one place this package reads those packages' tables, read-only.
//
// # Why roster writes the handler itself
//
// github.com/elimity-com/scim offers a whole server over a ResourceHandler
// interface. roster uses only its schema package (the RFC 7643 schema
// definitions the Schemas endpoint serves) and parses filters and PATCH
// paths with github.com/scim2/filter-parser/v2, writing the rest here,
// because the server cannot meet the contract:
//
//   - It accepts Entra's "True"/"False" strings only after the process-global
//     schema.SetAllowStringValues, which a library must not flip for its
//     host; roster normalizes each body instead (normalize.go).
//   - Its ResourceHandler sees a filter as an AST to apply to resources it
//     has loaded; roster translates the filter into one SQL query over an
//     allow-list of attributes (filter.go), so a membership probe
//     `filter=id eq "g" and members eq "u"` is one query and a list with
//     excludedAttributes=members never loads members.
//   - Its PATCH validation takes Entra's `Remove` of `members` with a value
//     array as written; roster means "remove these members" by it, and caps
//     a request at MaxMembers members before anything is written.
//   - Its server has no authentication or throttling hook of its own and
//     answers errors in its own shapes; every refusal here is the SCIM error
//     envelope with the status as a string, never a 500 for bad input.
package scim
