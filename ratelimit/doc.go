// Package ratelimit limits the model tokens that users, groups and the whole workspace
// may spend, with token buckets on golang.org/x/time/rate.
//
// # Model
//
// A [Limit] gives a scope (global, user or group) a budget of tokens per period. Each
// limit has one token bucket per key: the user id for a user limit (each user has their
// own bucket), the limit's group id for a group limit (the members share one pool), and
// "" for a global limit (one bucket for the workspace). A bucket holds at most the
// budget, starts full, and refills continuously at budget per period.
//
// [Engine.Check] runs before a model call, with an estimate of its tokens or 0;
// [Engine.Record] charges the actual usage after it to every bucket that applies.
// With an estimate, a bucket refuses when it holds fewer tokens than the estimate;
// without, when it is at or below zero. Usage is known only after the call, so Record
// never refuses and may drive a bucket into debt, but never below minus one budget (the
// charge is cut in whole tokens, so the level lands within one token above that); the
// bucket then refuses until it has refilled past zero, so one call, however large,
// blocks a scope (a whole group's pool, say) for at most one period.
//
// # Combination rules
//
//   - A request is refused when any enabled scope that applies is exhausted.
//   - A group is exhausted when any of its enabled limits is; the user is blocked by
//     groups only when every one of their groups that has an enabled limit is
//     exhausted. A user in no limited group is never blocked by groups.
//   - Service (API key) and anonymous principals meet global limits only.
//   - Disabled limits never refuse and are not charged; their buckets keep their level.
//   - The refusal, a [*LimitError] matching [ErrRateLimited], names the scope and limit
//     with the longest wait and a retry-after: the longest wait among the refusing
//     scopes, where the group scope waits for the first of the user's groups to recover.
//
// Edits of the limits ([Engine.SetLimits], [Engine.Upsert], [Engine.Remove]) and of a
// user's groups (passed in every [Principal]) apply to the next Check. An edited limit's
// buckets keep their level, capped at the new budget, and refill at the new rate from
// the edit on.
//
// # Clock
//
// Time comes only from [Config.Now], never from a caller: rate limiters fed with
// caller-supplied, non-monotonic times admit far more than their rate
// (golang/go#56287). Tests pass a fake clock. Under concurrency, calls reach a bucket
// with times out of order by their scheduling delay; x/time/rate then credits that
// delay's refill twice, a few nanoseconds' worth.
//
// # Memory
//
// Global and group limits have one bucket each. A user's bucket is created when the
// user is first charged, and a bucket that has refilled completely is indistinguishable
// from a new one, so [Engine.Sweep] drops it without changing any decision. A hard cap,
// [Config.MaxBuckets], backs this up: when reached, full buckets are swept and, if
// needed, the fullest users are evicted; [Stats.ForcedEvictions] counts those.
//
// # Persistence
//
// Limiter state lives in this process only. The engine offers the seams for storage:
// [Engine.Snapshot] and [Engine.Restore] save and bring back the bucket levels (as
// tokens at a wall-clock time, refilled by the elapsed time on restore), and
// [Engine.DrainUsage] hands over the hourly usage aggregates for a batch write.
//
// # Several instances
//
// A [Service] (a workspace's limits as roster.Workspace.Limits returns them) keeps
// its limit definitions in step with the database: every change of the workspace
// that the Directory applies (its own, or another instance's read from the
// changelog) marks them stale, and the next Check, Record or Status reads them
// again, once for however many changes came in between. So a limit created,
// edited, disabled or deleted on one instance binds another as soon as that one
// has applied the change's version (roster.Directory.AwaitVersion, or its follower
// within the poll interval). Any change of the workspace triggers the read, not only
// limit edits: it is one indexed query of the workspace's few limits, paid once
// after a burst of changes, and it needs nothing from the changelog.
//
// # Shared buckets
//
// In-process buckets (the default) are per process: N instances of an application
// each admit the whole budget. With roster.LimitsConfig.Shared the Service keeps
// every bucket in PostgreSQL instead, one row per (limit, key) holding its level
// at a time of the database clock, and N instances together admit what one would.
//
//   - Check and Status read every bucket that applies in one query: the stored
//     level refilled by the time elapsed on the database clock (now()), capped at
//     the budget. There is no cache, so nothing can be admitted on a stale level
//     beyond what in-flight calls already passed: a Check that admits and the
//     Record that follows it are two statements, so each instance may overdraw a
//     budget by the requests it had admitted when the bucket ran out (with one
//     request at a time per instance, one request each), as one process's
//     concurrent requests may with in-process buckets.
//   - Record spends on every bucket that applies in one atomic statement
//     (INSERT … ON CONFLICT DO UPDATE … RETURNING): each row is locked, refilled,
//     capped at the budget, debited, and floored at exactly minus one budget.
//     Elapsed time never counts negative, and a row's time never moves back.
//   - An edit of a limit's budget or period settles its rows at the old rate in the
//     edit's transaction and caps them at the new budget; a change of scope or
//     group, and deleting the limit or a user, delete its rows. Rows that have
//     refilled completely are deleted at every flush (a missing row is a full
//     bucket).
//   - The budget and period a statement applies are this instance's definitions,
//     so an instance that has not yet applied an edit spends at the old ones.
//   - Time comes from the database, not [Config.Now]: a fake clock does not move
//     shared buckets. Usage is still aggregated per hour in memory and flushed.
//
// Each call therefore costs one round trip to PostgreSQL (BENCHMARKS.md records it)
// instead of a few hundred nanoseconds; one process alone needs no sharing.
//
// Errors start "ratelimit: " and wrap roster's sentinels: [ErrInvalid] matches
// access.ErrInvalid, [ErrNotFound] access.ErrNotFound, and [ErrRateLimited]
// access.ErrLimited, as the invite throttles' refusals do. Each carries the
// sentence a person reads, which access.Sentence returns; a [*LimitError]'s
// gives the wait in whole seconds, rounded up.
package ratelimit
