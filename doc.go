// Package roster gives a Go application the Users and Groups administration
// of an AI knowledge product: users with roles, invitations and the invite
// gate, groups that grant their members access to private connectors,
// document sets and agents, token rate limits per group, user and workspace,
// and bearer tokens for SCIM provisioning and API keys (service users). It
// is a library: it owns no main, prints nothing, and stores its state in the
// application's database.
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
// [Workspace] hands out the nouns: Users, Groups, Resources, Invites, Limits,
// Tokens, Access, each a handle built once per workspace. Roles, deactivation,
// memberships, curator flags, attachments, public flags, ownership and
// direct shares are casbin RBAC-with-domains policy lines in
// casbin_rule (package access documents the spelling and the model); names,
// emails and timestamps live in roster's own tables. Each fact is stored once.
//
// # Writes
//
// Every mutating call names its [Actor]: a user (access.UserActor), [System], the
// application's own jobs, or a live SCIM token (access.SCIMActor), which may
// do only what provisioning does. Each runs as one transaction that checks the
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
// # Package map
//
// Each package owns one noun; each rule of the behaviour contract lives in
// one place, named here.
//
//   - roster (this package): [Open], [Config] and its defaults (roster.go),
//     workspaces and their handles (workspace.go), access checks
//     ([Access], checker.go), a group created or replaced with its members
//     and connectors in one transaction (group_contents.go), the audit trail
//     admins list (audit.go), invite and rate-limit wiring (invites.go,
//     limits.go), reading other instances' changes (follow.go).
//   - access: the vocabulary (roles role.go, actors actor.go, kinds and
//     actions policy.go), the spelling of every policy line (policy.go,
//     pattern.go, query.go; ParseLine in fact.go and parse.go), the casbin
//     model (model.go) and the in-memory index: view and edit answers
//     (check.go), Visible (visible.go), WhoCan and Explain (explain.go), ACL
//     tokens (acl.go).
//   - users: identity is the normalized email, one normalizer for every
//     comparison: PRECIS for the local part, IDNA for the domain, net/mail
//     acceptance (email.go NormalizeEmail, NormalizeDomain); sign-up and its
//     order (validation, allowed domains, invite gate, creation) and the
//     first admin (register.go); roles, curator derived from group flags and
//     cleared on leaving curator (role.go, user.go); deactivation (status.go);
//     deletion and ownership transfer (delete.go); listing and CSV export
//     (list.go, csv.go). The last active admin cannot be demoted, deactivated
//     or deleted: package users (authz.go guardLastAdmin, role.go,
//     status.go).
//   - invites: gate modes and allowed domains (gate.go, settings.go); bulk
//     invites, existing users skipped, resend (invite.go); link tokens
//     (token.go) redeemed inside the sign-up transaction (redeem.go); mail,
//     its templates and delivery status (mailer.go, smtp.go, devmailer.go,
//     templates.go); throttles of sends and redemptions (throttle.go).
//   - groups: create, rename, delete (group.go); members and curator flags
//     (members.go); the scope rule every group change checks (scope.go);
//     listings (list.go).
//   - resources: registered facts (resource.go, facts.go); who may create and
//     change what, curators' group scope, public flags and shares for owners
//     and admins only (scope.go); attaching to groups (attach.go); a
//     document set needs a connector (docset.go).
//   - ratelimit: limits and their validation (limit.go); the combination
//     rules of Check and Record (check.go, engine.go); admin management
//     (manage.go) and usage reports (usage.go, usage_report.go); bucket
//     levels saved across restarts (state.go; Service.Flush writes them);
//     limits re-read after a change other instances made (service.go) and
//     buckets shared by every instance in PostgreSQL (shared.go,
//     LimitsConfig.Shared).
//   - tokens: bearer tokens of a workspace, SCIM tokens and API keys:
//     names, raw values shown once and stored as SHA-256 (token.go),
//     listing, creating and revoking SCIM tokens (service.go), the SCIM
//     actor's live-token check (tx.go requireSCIMToken); package roster
//     authenticates any token (tokens.go Directory.Authenticate) and
//     composes an API key with its service user in one transaction
//     (apikeys.go). Service users' rules (never the first or the protected
//     last admin, listed apart): package users (register.go, authz.go,
//     service_user.go, list.go); what SCIM may do: users (status.go,
//     change_email.go) and groups (group.go, scope.go, members.go).
//   - scim: the SCIM 2.0 http.Handler (handler.go; New, Config); bearer
//     SCIM tokens only and the per-token throttle (resource.go,
//     throttle.go); Users (users.go) and Groups (groups.go), each write and
//     its SCIM record (record.go, migration 0008) in one transaction;
//     filters through an allow-list (filter.go, attrs.go); PATCH with
//     Okta's and Entra's quirks (patch.go, members.go); discovery
//     (discovery.go). The reference is docs/scim.md.
//   - httpapi: the admin JSON API as an http.Handler (handler.go; limited
//     users refused by the handler's gate), errors as problem documents
//     (errors.go), the per-resource Guard middleware (guard.go).
//   - internal/store: opening SQLite or PostgreSQL, transactions and the
//     write path, audit rows and the changelog (tx.go, audit.go), embedded
//     migrations (migrate.go, migrations/) and the Go data steps run once per
//     database under the migration lock (migrate.go Step), among them
//     re-normalizing stored emails, stopping on collisions (emailstep.go);
//     several instances converge by reading the changelog: each commit
//     NOTIFYs its version on PostgreSQL (notify.go), a gap or a long
//     backlog reloads aside and swaps (reload.go); roster's follow.go
//     listens, polls every Config.PollInterval as the backstop, and
//     reports Directory.Status (docs/instances.md).
//   - internal/construct and internal/authz: how the packages above reach
//     one another's constructors and in-transaction checks without exporting
//     them.
//   - examples/quickstart, examples/plugin, examples/server: runnable
//     programs.
//
// # Errors
//
// Every refusal wraps one of [ErrInvalid], [ErrNotFound], [ErrForbidden],
// [ErrConflict], [ErrClosed] or [ErrLimited], through Unwrap, so callers
// branch with errors.Is on the broad kind. The packages add finer errors
// that wrap them (users.ErrLastAdmin matches ErrConflict;
// ratelimit.ErrRateLimited and invites.ErrThrottled both match ErrLimited,
// the refusals that waiting lifts) and typed errors where callers need
// fields (users.OwnsResourcesError names the user and the resources blocking
// a delete, ratelimit.LimitError and invites.ThrottledError say how long to
// wait). Everything unknown, closed or deactivated is denied.
//
// The errors that wrap none of these sentinels are not refusals:
//   - mail delivery statuses: invites.ErrMailNotConfigured and
//     invites.ErrMailDisabled (invites.StatusOf reads them);
//   - httpapi.ErrNotSignedIn, the admin API's own answer to a request
//     without a signed-in user, which no library call returns;
//   - [ErrNotApplied] (an access.NotAppliedError carrying the version): a
//     write committed, but this Directory's index could not apply it before
//     the call returned because the database stopped answering; the change
//     is saved, so do not repeat the call; AwaitVersion of the version
//     waits for it (httpapi answers 503 UNAVAILABLE with Retry-After);
//   - failures of what roster relies on: the database (reads, writes,
//     migrations), the SMTP server, mail templates, the casbin adapter, and
//     the context's own context.Canceled or context.DeadlineExceeded. They
//     carry their cause's text (wrapped with %w, mostly after a "package:
//     what failed: " text), and a person reads the generic sentence
//     access.Sentence gives.
//
// An error has two texts. Error() is Go's text for logs. It starts with one
// package prefix, that of the package whose error it is ("users: ...",
// "groups: ...", "roster: ..."; a resources call refusing an unknown group
// returns groups.ErrGroupNotFound, "groups: group not found: ..."); a
// refusal that goes on with the text of a roster cause drops the cause's
// prefix ("invites: invalid invitation request: address 2: bad email
// address: empty address"). A failure of the database or another dependency
// keeps its own text after roster's prefix.
// What a person reads is a separate sentence the error carries
// (access.Sentencer): one plain sentence, names rather than ids where the
// caller may see them, durations in whole seconds, no error chain.
// access.Sentence(err, name) returns it for any error, with a generic
// sentence for errors that carry none; name names resources, which roster
// does not store (httpapi.Config.ResourceName is that function for the
// admin API). httpapi's "detail" is this sentence; its codes are the
// branches programs take.
package roster
