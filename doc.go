// Package roster gives a Go application the Users and Groups administration
// of an AI knowledge product: users with roles, invitations and the invite
// gate, groups that grant their members access to private connectors,
// document sets and agents, token rate limits per group, user and workspace,
// and (later) SCIM provisioning. It is a library: it owns no main, prints
// nothing, and stores its state in the application's database.
//
// # Opening
//
// [Open] with a zero [Config] opens (or creates) the SQLite file roster.db in
// the working directory, migrates it, and creates the default workspace:
//
//	dir, err := roster.Open(ctx, roster.Config{})
//	defer dir.Close()
//	ws := dir.Default()
//	admin, err := ws.Users().Register(ctx, users.Registration{Email: "ada@example.com"})
//
// A "postgres://" DSN runs roster on PostgreSQL; Config.DB hands it an open
// gorm connection instead. The schema belongs to embedded golang-migrate
// migrations recorded in roster_schema_migrations, so an application that
// uses golang-migrate for its own tables does not collide with roster.
//
// # Model
//
// Every fact lives in a workspace (a tenant; casbin's domain). A
// [Workspace] hands out the nouns: Users, Groups, Resources, Access. Roles,
// deactivation, memberships, curator flags, attachments, public flags,
// ownership and direct shares are casbin RBAC-with-domains policy lines in
// casbin_rule (package access documents the spelling and the model); names,
// emails and timestamps live in roster's own tables. Each fact is stored once.
//
// # Writes
//
// Every mutating call names its [Actor]: a user ([AsUser]) or [System], the
// application's own jobs. Each runs as one transaction that checks the
// actor's permission against the state inside it, writes rows and policy
// lines, appends audit events and a changelog row with the next version, and
// commits; then the in-memory index takes the change. Writers are serialized
// by the version row, so invariants such as "a workspace keeps an active
// admin" hold under concurrency on SQLite and PostgreSQL alike.
//
// # Reads
//
// Access checks ([Access.Can], Visible, WhoCan, Explain, ACL tokens) never
// touch the database and never call casbin's Enforce, which scans every
// policy line: they are answered from an index compiled from the lines, in
// constant time at a million resources (BENCHMARKS.md). Casbin remains the
// model, the storage format (through gorm-adapter's table) and the oracle the
// tests compare the index against.
//
// # Errors
//
// Every error wraps one of [ErrInvalid], [ErrNotFound], [ErrForbidden],
// [ErrConflict], [ErrClosed] or [ErrLimited], through Unwrap, so callers
// branch with errors.Is on the broad kind. The packages add finer errors
// that wrap them (users.ErrLastAdmin matches ErrConflict;
// ratelimit.ErrRateLimited and invites.ErrThrottled both match ErrLimited,
// the refusals that waiting lifts) and typed errors where callers need
// fields (users.OwnsResourcesError names the user and the resources blocking
// a delete, ratelimit.LimitError and invites.ThrottledError say how long to
// wait). Everything unknown, closed or deactivated is denied.
//
// An error has two texts. Error() is Go's text for logs, prefixed once with
// the package that made it ("users: ...", "groups: ...", "roster: ...").
// What a person reads is a separate sentence the error carries
// (access.Sentencer): one plain sentence, names rather than ids where the
// caller may see them, durations in whole seconds, no error chain.
// access.Sentence(err, name) returns it for any error, with a generic
// sentence for errors that carry none; name names resources, which roster
// does not store (httpapi.Config.ResourceName is that function for the
// admin API). httpapi's "detail" is this sentence; its codes are the
// branches programs take.
package roster
