// Package access answers who may see and edit what in a roster workspace: the
// casbin model, the policy-line encoding of every authorization fact, and the
// in-memory [Index] that answers checks in constant time.
//
// # Model
//
// Authorization facts are casbin policy lines, RBAC with domains, domain =
// workspace (model.conf, see [ModelConf]). Each fact is one line, spelled
// only by the constructors of policy.go ([RoleLine], [DeactivatedLine],
// [MemberLine], [CuratorLine], [AttachLine], [PublicLine], [OwnerLine],
// [ShareLine], [ExistsLine]); subjects are "u:<id>" and "g:<id>", objects
// "<kind>:<id>". Given those lines, a user may
//
//   - View a resource: as an admin (if it is registered), as its owner, if it
//     is public, as a member of any attached group, or (agents) when it is
//     shared with them directly;
//   - Edit a resource: as an admin (if registered), as its owner, or as a
//     curator or global curator when the resource is attached to at least
//     one group and they may curate every attached group. A global curator
//     curates the groups they are a member of; a curator is a basic user
//     holding a group's curator flag (and its membership). Basic and limited
//     users edit only what they own.
//
// A user is active when they hold a valid stored role (admin,
// global_curator, basic, limited) and no deactivated line. Everything else
// is denied: unknown workspaces, users, resources, kinds and actions, users
// without a role, deactivated users whatever their role, and lines that do
// not follow the encoding, such as a casbin_rule row another tool wrote with
// a fifth or sixth value, or a role given to a group: [ParseLine] refuses
// them, the index skips and counts them (see [Index.Ignored]), and the
// casbin view of the root package never loads them, so they never grant.
//
// # Index
//
// [Index] is the compiled form of every workspace's lines. The root package
// loads it at Open by streaming casbin_rule rows into [Index.Apply], and after
// every committed write transaction applies exactly the lines it inserted and
// deleted, in commit order. It answers [Index.Can], [Index.Visible] (ordered,
// with a cursor, never truncated), [Index.WhoCan], [Index.Explain] (the lines
// that granted, or why not), the ACL tokens [Index.ACLFor] and [Index.ACLOf]
// (which intersect exactly when Can allows View), and the facts the groups
// and resources code needs ([Index.Role], [Index.Curates],
// [Index.CuratedGroups], [Index.ResourceFacts], [Index.GroupFacts],
// [Index.Owned]).
//
// Inside, each workspace interns user, group and resource ids to small
// integers; relations are sorted sets of those integers held on both sides
// (inline for the usual handful), and everything listed in order is kept in
// block-sorted id sets, so Apply costs O(log n) per line and never copies
// the index. Each workspace has its own reader-biased read-write lock (a
// reader counts itself in a counter of its own, so cores do not share a
// cache line), which every query but most View checks takes.
//
// View checks, the hot path, usually take no lock at all: each workspace
// also keeps view tables, a hash table per kind and one for users whose
// 32-byte slot holds the id and what a View check reads of it (roles,
// deactivation and groups; registration, public flag and groups). A check
// reads both slots with atomic loads between two reads of the workspace's
// sequence counter, which Apply makes odd while it writes; if the counter
// moved, or an id is not in the tables (a user or resource in more than
// five groups, a resource with an owner or a share, an id that is neither
// at most 16 bytes nor a lowercase UUID; see viewTable for the rest), the
// check asks the locked index instead. So a check writes nothing shared,
// sees each workspace's share of one Apply whole or not at all, and sees
// every write that returned before it started; the tables grow by
// splitting one bucket at a time, so no write rehashes them. An immutable
// snapshot swapped on every write would need a copy of the workspace, or
// a persistent structure slower to read, on every write.
//
// # Why checks never call casbin
//
// casbin's Enforce evaluates the matcher against every p line of the model:
// measured on the development machine, 5.8 ms per call at 10k lines and 40
// ms at 100k, with megabytes of garbage per call, against about half a
// microsecond of CPU and no allocation for [Index.Can] at a million lines
// (see BENCHMARKS.md). casbin stays the model, the storage format and the
// oracle: the tests build a plain casbin enforcer (never the cached one: a
// cached decision survives its revocation) over the same lines and check
// that it and the index agree on random workspaces, View and Edit alike.
// Edit's "every attached group" is a universal quantifier casbin's matchers
// cannot express, so the model calls curatesAll, a function registered on
// every enforcer built over the model ([NewSyncedEnforcer] does it) that
// reads the enforcer's own policy. The matcher tests equalities first so
// that g() runs only for the requested resource's lines (casbin#1722: its
// memo grows with every distinct argument).
//
// # Errors
//
// The sentinels every roster error wraps live here ([ErrInvalid],
// [ErrNotFound], [ErrForbidden], [ErrConflict], [ErrClosed], [ErrLimited]);
// package roster re-exports them. An error's Error text is for logs; the
// sentence a person reads is carried by a [Sentencer] in its chain, and
// [Sentence] returns it, naming resources through the caller's function.
package access
