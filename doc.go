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
// Every mutating call names its [Actor]: a user (access.UserActor) or [System], the
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
// [ErrConflict] or [ErrClosed]; the packages add finer errors that wrap them
// (users.ErrLastAdmin matches ErrConflict) and typed errors where callers
// need fields (users.OwnsResourcesError names the resources blocking a
// delete). Everything unknown, closed or deactivated is denied.
package roster
