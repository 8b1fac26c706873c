// Package store is roster's storage layer: opening the database (SQLite by
// default, PostgreSQL), the embedded migrations, the casbin_rule rows, and the
// write path through which every audited mutation runs.
//
// Every mutation goes through [Store.Mutate]. It begins a transaction whose
// first statement increments the single row of roster_version; that row lock
// serializes roster's writers across every process sharing the database, so
// checks made inside the transaction see a state no concurrent writer can
// change before commit (this is what keeps "at least one active admin" true
// on PostgreSQL at READ COMMITTED as well as on SQLite), and versions are
// handed out in commit order without gaps. The transaction then runs the
// caller's function (permission check, rows, casbin_rule lines, audit events),
// appends a changelog row with the version and the lines added and removed,
// and commits. After commit the change is handed to the in-memory index, in
// version order, and the transaction's after-commit functions (mail) run.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/rosterhq/roster/access"
)

// Dialect is the SQL dialect of the database roster runs on.
type Dialect string

// The supported dialects; they name the migration folders too.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// SQLitePragmas are the connection parameters roster adds to every SQLite DSN
// it opens, so that every pooled connection gets them: a busy timeout, WAL,
// foreign keys, and immediate transactions (without _txlock=immediate most
// contended read-then-write transactions failed with SQLITE_BUSY whatever the
// busy timeout, measured on these machines). The busy timeout comes first:
// switching to WAL takes a lock, and a connection opened while another
// process migrated failed at once with "database is locked" when WAL came
// first.
const SQLitePragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"

// Options configure Open.
type Options struct {
	DSN            string             // "sqlite:<path>", "<path>.db" or "postgres://..."; ignored when DB is set
	DB             *gorm.DB           // an existing connection, used as is and not closed by Close
	SkipMigrations bool               // verify the schema version instead of migrating
	Logger         *slog.Logger       // never nil
	Now            func() time.Time   // never nil
	Apply          func(Change)       // receives committed changes in version order
	Reload         func(Reload) error // receives a reloaded state when the changelog cannot be replayed; see Reload
	Steps          []Step             // data steps Open runs once per database, after the SQL migrations
	Behind         func()             // called when a committed change of Mutate could not be applied at once; may be nil
}

// Store is an open roster database. It is safe for concurrent use.
type Store struct {
	DB      *gorm.DB
	Dialect Dialect
	Now     func() time.Time
	Log     *slog.Logger

	ownsDB bool
	apply  func(Change)
	closed atomic.Bool

	dsn         string             // the PostgreSQL DSN the listener connects with; "" if unknown
	reload      func(Reload) error // Options.Reload
	reloadAfter int64              // a backlog longer than this is reloaded, not replayed
	behind      func()             // Options.Behind; nil if none

	applyMu  applyLock                     // serializes apply and reload; held while applied changes
	applied  atomic.Int64                  // the highest version handed to apply; written under applyMu
	advanced atomic.Pointer[chan struct{}] // closed, and replaced, each time applied moves

	healthMu sync.Mutex // guards the fields below
	caughtUp time.Time  // when a catch-up last read the whole changelog above applied
	lastErr  error      // the error of the last catch-up, nil if it succeeded
	reloads  int64      // reloads done
}

// Open connects, migrates (unless told not to) and returns the store.
func Open(ctx context.Context, o Options) (*Store, error) {
	db, owns, err := connect(o)
	if err != nil {
		return nil, err
	}
	s := &Store{DB: db, Dialect: dialectOf(db), Now: o.Now, Log: o.Logger, ownsDB: owns, apply: o.Apply,
		reload: o.Reload, reloadAfter: DefaultReloadAfter, applyMu: make(applyLock, 1), behind: o.Behind}
	s.advanced.Store(new(make(chan struct{})))
	if owns {
		s.dsn = dsnOf(db, o.DSN)
	} else {
		s.dsn = dsnOf(db, "")
	}
	sqlDB, err := db.DB()
	if err != nil {
		s.Close()
		return nil, err
	}
	mo := MigrateOptions{Dialect: s.Dialect, Skip: o.SkipMigrations, Steps: o.Steps, Logger: o.Logger}
	if err := Migrate(ctx, sqlDB, mo); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func connect(o Options) (*gorm.DB, bool, error) {
	if o.DB != nil {
		if d := dialectOf(o.DB); d != SQLite && d != Postgres {
			return nil, false, fmt.Errorf("roster: unsupported gorm dialect %q", o.DB.Dialector.Name())
		}
		return o.DB, false, nil
	}
	cfg := &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true}
	var dialector gorm.Dialector
	switch {
	case strings.HasPrefix(o.DSN, "postgres://"), strings.HasPrefix(o.DSN, "postgresql://"):
		dialector = postgres.Open(o.DSN)
	default:
		path := strings.TrimPrefix(o.DSN, "sqlite:")
		if path == "" {
			return nil, false, errors.New("roster: empty SQLite path")
		}
		dialector = sqlite.Open(SQLiteDSN(path))
	}
	db, err := openRetryingBusy(dialector, cfg)
	if err != nil {
		return nil, false, fmt.Errorf("roster: open database: %w", err)
	}
	return db, true, nil
}

// openBusyWait is how long Open keeps retrying a SQLite file that another
// process holds locked while it opens; the same as the busy timeout.
const openBusyWait = 5 * time.Second

// openRetryingBusy opens the database, retrying while SQLite answers
// SQLITE_BUSY. A new connection switches the file to WAL, which needs a lock
// that SQLite does not wait for through the busy timeout: processes opening
// a fresh file together failed at once with "database is locked" (about 1
// in 100 runs of TestOpenTogetherMigratesOnce). No driver option waits for
// it, hence the loop.
func openRetryingBusy(dialector gorm.Dialector, cfg *gorm.Config) (*gorm.DB, error) {
	deadline := time.Now().Add(openBusyWait)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		db, err := gorm.Open(dialector, cfg)
		if err == nil || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return db, err
		}
		time.Sleep(delay)
	}
}

// SQLiteDSN returns path with SQLitePragmas added to its parameters.
func SQLiteDSN(path string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + SQLitePragmas
}

// DialectOf returns the dialect Open would use for o, without connecting.
func DialectOf(o Options) Dialect {
	switch {
	case o.DB != nil:
		return dialectOf(o.DB)
	case strings.HasPrefix(o.DSN, "postgres://"), strings.HasPrefix(o.DSN, "postgresql://"):
		return Postgres
	}
	return SQLite
}

func dialectOf(db *gorm.DB) Dialect {
	switch db.Dialector.Name() {
	case "postgres":
		return Postgres
	case "sqlite":
		return SQLite
	}
	return Dialect(db.Dialector.Name())
}

// applyLock is a mutex whose Lock can give up when a context ends, so that
// a caller waiting for a long reload to finish (AwaitVersion bounded by a
// second, say) returns on time; sync.Mutex cannot.
type applyLock chan struct{}

func (l applyLock) Lock()   { l <- struct{}{} }
func (l applyLock) Unlock() { <-l }

// LockContext locks, or returns ctx's error if ctx ends first.
func (l applyLock) LockContext(ctx context.Context) error {
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ErrClosed is returned by every call on a closed store.
var ErrClosed = access.ErrClosed

// Read returns the database handle for a read, or ErrClosed.
func (s *Store) Read(ctx context.Context) (*gorm.DB, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return s.DB.WithContext(ctx), nil
}

// Close marks the store closed and closes the database if Open opened it.
func (s *Store) Close() error {
	if s.closed.Swap(true) || !s.ownsDB {
		return nil
	}
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// IsUniqueViolation reports whether err is a unique-constraint violation on
// either dialect.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

// Closed reports whether Close was called.
func (s *Store) Closed() bool { return s.closed.Load() }
