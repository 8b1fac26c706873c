package roster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/enforcer"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/users"
)

// Defaults of Config, InvitesConfig and LimitsConfig: every default a zero
// field of them takes is here.
const (
	// DefaultDSN is the database Open uses when Config names none: a SQLite
	// file in the working directory.
	DefaultDSN = "sqlite:roster.db"
	// DefaultWorkspace is the id of the workspace that exists after Open, for
	// applications with one tenant.
	DefaultWorkspace = "default"
	// DefaultPollInterval is how often a Directory reads changes other
	// processes committed to the shared database, unless Config.PollInterval
	// says otherwise (on PostgreSQL a backstop to notifications).
	DefaultPollInterval = time.Second
	// DefaultInviteTokenTTL is how long an invite link stays valid unless
	// InvitesConfig.TokenTTL says otherwise.
	DefaultInviteTokenTTL = invites.DefaultTokenTTL
	// DefaultInviteSendEvents and DefaultInviteSendPer are the send budget
	// of the invite throttle Open creates when InvitesConfig.Throttle is nil:
	// 1,000 invitation emails per workspace at once (a full bulk invite
	// passes), refilled at 1,000 an hour.
	DefaultInviteSendEvents = invites.DefaultSendEvents
	DefaultInviteSendPer    = invites.DefaultSendPer
	// DefaultInviteRedeemEvents and DefaultInviteRedeemPer are that
	// throttle's budget of failed invite link lookups: 100 per workspace at
	// once, refilled at 100 a minute (a valid link is never refused by it;
	// attempts per client meet invites.DefaultClientRedeemEvents per
	// invites.DefaultClientRedeemPer).
	DefaultInviteRedeemEvents = invites.DefaultRedeemEvents
	DefaultInviteRedeemPer    = invites.DefaultRedeemPer
	// DefaultInviteThrottleWorkspaces is how many workspaces that throttle
	// tracks at once.
	DefaultInviteThrottleWorkspaces = invites.DefaultThrottleWorkspaces
	// DefaultLimitsFlushInterval is how often bucket levels and usage are
	// written unless LimitsConfig.FlushInterval says otherwise.
	DefaultLimitsFlushInterval = 10 * time.Second
	// DefaultUsageRetention is how long hourly usage is kept unless
	// LimitsConfig.Retention says otherwise.
	DefaultUsageRetention = 90 * 24 * time.Hour
	// DefaultMaxBuckets caps the per-user rate-limit buckets each workspace
	// holds in memory unless LimitsConfig.MaxBuckets says otherwise.
	DefaultMaxBuckets = ratelimit.DefaultMaxBuckets
)

// Config configures Open. The zero value opens DefaultDSN and migrates it.
type Config struct {
	// DSN names the database: "sqlite:<path>" or a bare path for an embedded
	// SQLite file (created if missing), "postgres://..." for PostgreSQL.
	// DefaultDSN if empty; ignored when DB is set.
	DSN string
	// DB is an existing gorm connection to SQLite or PostgreSQL to use instead
	// of DSN. Roster never closes it. A SQLite connection should be opened
	// with the DSN SQLiteDSN returns, which carries the settings roster needs
	// on every pooled connection (WAL, busy timeout, foreign keys, immediate
	// transactions).
	DB *gorm.DB
	// SkipMigrations makes Open verify that the schema is at this build's
	// version instead of migrating it. False by default: Open migrates.
	SkipMigrations bool
	// AdminEmails become admin when they sign up, in every workspace.
	// None by default: only the first person of a workspace becomes admin.
	AdminEmails []string
	// Logger receives roster's logs, with ids and never emails or secrets.
	// Discarded if nil.
	Logger *slog.Logger
	// Now is the clock. time.Now if nil. Tests pass a fake one.
	Now func() time.Time
	// PollInterval is how often the Directory reads, from the changelog, the
	// changes that other processes sharing the database committed, so that
	// their grants and revocations (a deactivation, say) reach this
	// process's access checks. On PostgreSQL the poll is the backstop: every
	// commit sends a notification (NOTIFY) that wakes the Directory at once,
	// so changes arrive within milliseconds, and the poll catches what was
	// sent while the listening connection was down. On SQLite the poll is
	// how changes of other processes arrive, within about one interval.
	// DefaultPollInterval if zero; negative turns following off: no poll
	// and no listening (then only writes through this Directory and
	// AwaitVersion update its index).
	PollInterval time.Duration
	// Invites configures invitations, their mail and the invite gate.
	Invites InvitesConfig
	// Limits configures token rate limits.
	Limits LimitsConfig
	// OnCheck, if set, is called once for every answer of Access.Can, in
	// every workspace, with the action, the resource's kind and whether the
	// answer was yes; a check that failed with an error is a "no". It runs
	// on the checking goroutine, so it must be quick and safe for concurrent
	// use (a metrics counter, say). Nil by default.
	OnCheck func(act access.Action, kind access.Kind, allowed bool)
}

// withDefaults returns c with every default of Config, InvitesConfig and
// LimitsConfig applied: the constants above, and an invite throttle built
// from them on the clock. Open calls it once; nothing else applies them.
func (c Config) withDefaults() (Config, error) {
	if c.DSN == "" {
		c.DSN = DefaultDSN
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.Invites.TokenTTL <= 0 {
		c.Invites.TokenTTL = DefaultInviteTokenTTL
	}
	if c.Invites.Throttle == nil {
		t, err := invites.NewThrottle(invites.ThrottleConfig{
			Sends:         invites.Budget{Events: DefaultInviteSendEvents, Per: DefaultInviteSendPer},
			Redemptions:   invites.Budget{Events: DefaultInviteRedeemEvents, Per: DefaultInviteRedeemPer},
			MaxWorkspaces: DefaultInviteThrottleWorkspaces,
			Now:           c.Now,
		})
		if err != nil {
			return c, fmt.Errorf("roster: default invite throttle: %w", err)
		}
		c.Invites.Throttle = t
	}
	if c.Limits.FlushInterval <= 0 {
		c.Limits.FlushInterval = DefaultLimitsFlushInterval
	}
	if c.Limits.Retention <= 0 {
		c.Limits.Retention = DefaultUsageRetention
	}
	if c.Limits.MaxBuckets < 1 {
		c.Limits.MaxBuckets = DefaultMaxBuckets
	}
	return c, nil
}

// Directory is an open roster: the database, the compiled access index, and
// the workspaces. Most applications open one at start-up, use
// Directory.Default (or Directory.Workspace for several tenants), and Close it
// at shutdown. A Directory is safe for concurrent use by multiple goroutines.
// After Close every call fails with ErrClosed and every access check answers
// false.
type Directory struct {
	cfg   Config
	st    *store.Store
	index *access.Index

	mu         sync.Mutex            // guards workspaces
	workspaces map[string]*Workspace // handles of known workspaces

	limits limitsState // token rate limits: each workspace's service and the flusher
	follow *follower   // reads other processes' changes; nil when polling is off

	casbin enforcer.Set // the enforcers of Workspace.Casbin, each built on first use
}

// Open opens (creating and migrating if needed) the database of cfg, loads
// every policy line into the access index, and makes sure the default
// workspace exists. A schema left dirty by a failed migration, or at another
// version (or missing a data step) while SkipMigrations is set, is a
// *SchemaError.
//
// Migrating includes, once per database, re-normalizing the emails of users
// and invites stored under older rules (users.NormalizeEmail). If two of one
// workspace's users, or invites, now normalize to one address, or a stored
// email is now refused, Open fails with an error matching ErrConflict that
// names those rows by id (never by email) and changes nothing; resolve the
// rows and open again.
func Open(ctx context.Context, cfg Config) (*Directory, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &Directory{cfg: cfg, index: access.NewIndex(), workspaces: map[string]*Workspace{}}
	so := store.Options{DSN: cfg.DSN, DB: cfg.DB, SkipMigrations: cfg.SkipMigrations,
		Logger: cfg.Logger, Now: cfg.Now, Apply: d.apply, Reload: d.reload, Steps: dataSteps(),
		Behind: func() { d.follow.poke() }}
	if err := cfg.Limits.check(store.DialectOf(so)); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, so)
	if err != nil {
		return nil, schemaError(err)
	}
	d.st = st
	if err := d.load(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if err := d.ensureDefault(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if err := d.startLimits(ctx); err != nil {
		st.Close()
		return nil, err
	}
	d.startFollowing()
	return d, nil
}

// dataSteps are the Go migration steps Open runs once per database, after
// the SQL migrations. The email step lives in store, which owns the tables;
// the normalizer comes from users, which store cannot import.
func dataSteps() []store.Step {
	return []store.Step{store.EmailStep(users.NormalizeEmail)}
}

// load streams every policy line into the index and records the version the
// lines reflect.
func (d *Directory) load(ctx context.Context) error {
	v, err := d.st.LoadLines(ctx, func(lines []access.Line) { d.index.Apply(lines, nil) })
	if ignored := d.index.Ignored(); ignored > 0 {
		d.cfg.Logger.Warn("roster: policy lines the index does not understand were ignored", "count", ignored)
	}
	if err != nil {
		return fmt.Errorf("roster: load policy: %w", err)
	}
	d.st.SetApplied(v)
	return nil
}

func (d *Directory) apply(ch store.Change) {
	before := d.index.Ignored()
	d.index.Apply(ch.Added, ch.Removed)
	if n := d.index.Ignored() - before; n > 0 {
		d.cfg.Logger.Warn("roster: policy lines the index does not understand were ignored", "version", ch.Version, "count", n)
	}
	if err := d.casbin.Apply(ch); err != nil {
		d.cfg.Logger.Warn("roster: a casbin enforcer could not take a change", "version", ch.Version, "error", err)
	}
	d.limits.changed(ch.Workspace)
}

// Close stops every goroutine the Directory started (the follower, the
// PostgreSQL listener and its connection, the limits flusher) and waits for
// them, then closes the database if Open opened it. Before closing it
// writes the rate limits' usage and bucket levels still in memory (see
// LimitsConfig.FlushInterval), waiting for the database CloseFlushTimeout at
// most: what could not be written then is lost and the error says why.
// Calls after Close fail with ErrClosed. Close is idempotent.
func (d *Directory) Close() error {
	if d.st.Closed() {
		return nil
	}
	d.stopFollowing()
	d.casbin.Close()
	return errors.Join(d.stopLimits(), d.st.Close())
}

// Version returns the version of the last change the in-memory index holds.
// A mutating call's change is in this Directory's index when the call
// returns; Version read after it is at least that change's version (the
// resources and groups calls also return it). Another process sharing the
// database applies the change within milliseconds on PostgreSQL (woken by
// its notification), within Config.PollInterval on SQLite, and at once with
// AwaitVersion of that version. Status says how current the index is.
func (d *Directory) Version() int64 { return d.st.Applied() }

// CommittedVersion reads from the database the version of the last change
// committed there, by this process or any other sharing the database.
// CommittedVersion minus Version is how many changes the index has yet to
// apply from the changelog (the follower and AwaitVersion apply them). It
// is one small query, bounded by ctx, so a readiness probe can call it to
// learn that the database answers; it fails with ErrClosed on a closed
// Directory and with the database's error when the database does not
// answer.
func (d *Directory) CommittedVersion(ctx context.Context) (int64, error) {
	if d.st.Closed() {
		return 0, ErrClosed
	}
	v, err := d.st.CurrentVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("roster: read the committed version: %w", err)
	}
	return v, nil
}

// Now returns the current time on the Directory's clock: Config.Now, or
// time.Now if Config left it nil. Everything roster dates (audit events,
// invite expiries, rate-limit buckets and usage hours) reads this clock;
// code built on a Directory, such as package httpapi's default time ranges,
// reads it too, so that a fake clock in tests governs them all.
func (d *Directory) Now() time.Time { return d.cfg.Now() }

// Sentinel errors. Every refusal roster returns wraps one of these, so
// callers branch with errors.Is (the package documentation's Errors section
// lists the errors that are not refusals and wrap none); packages users,
// groups, resources, invites and ratelimit add finer errors that wrap them
// (users.ErrLastAdmin matches ErrConflict, ratelimit.ErrRateLimited and
// invites.ErrThrottled match ErrLimited). access.Sentence gives the sentence
// a person reads about any of them.
var (
	ErrInvalid   = access.ErrInvalid
	ErrNotFound  = access.ErrNotFound
	ErrForbidden = access.ErrForbidden
	ErrConflict  = access.ErrConflict
	ErrClosed    = access.ErrClosed
	ErrLimited   = access.ErrLimited
	// ErrNotApplied: a write committed but this Directory's index could not
	// apply it before the call returned (see access.NotAppliedError, which
	// carries the version).
	ErrNotApplied = access.ErrNotApplied
)

// SchemaError is returned by Open for a database schema roster cannot use:
// dirty after a failed migration (Dirty), or, while Config.SkipMigrations is
// set, at another version than this build's or missing a data step this
// build runs once per database (Pending; open once without SkipMigrations).
// Repair a dirty schema by undoing what the failed migration Version did,
// then mark the version before it clean (UPDATE roster_schema_migrations SET
// version = Version-1, dirty = false; for version 1, DELETE FROM
// roster_schema_migrations) and open again: the error names the statement.
// docs/instances.md, Troubleshooting, says more.
type SchemaError struct {
	Version int      // the version recorded in the migrations table; -1 if none
	Dirty   bool     // a migration to Version failed halfway
	Want    int      // the version this build expects
	Pending []string // data steps that have not run on this database
	err     error
}

// Error says what is wrong with the schema and names its version.
func (e *SchemaError) Error() string { return e.err.Error() }

// schemaError turns the store's schema error into a *SchemaError, keeping its
// text; other errors pass unchanged.
func schemaError(err error) error {
	var se *store.SchemaError
	if !errors.As(err, &se) {
		return err
	}
	return &SchemaError{Version: se.Version, Dirty: se.Dirty, Want: se.Want, Pending: se.Pending, err: err}
}

// SQLiteDSN returns the DSN that opens the SQLite file at path with the
// connection parameters roster needs on every pooled connection: WAL, a busy
// timeout, foreign keys, and immediate transactions (without them, contended
// read-then-write transactions fail with SQLITE_BUSY). Open adds them to a
// "sqlite:" Config.DSN itself; an application that opens its own connection
// for Config.DB passes SQLiteDSN(path) to github.com/glebarez/sqlite's Open.
// Parameters already in path are kept.
func SQLiteDSN(path string) string { return store.SQLiteDSN(path) }

// ErrWorkspaceNotFound is returned for an unknown workspace id. It matches
// ErrNotFound.
var ErrWorkspaceNotFound = newError("roster: workspace not found", "The workspace does not exist.", access.ErrNotFound)
