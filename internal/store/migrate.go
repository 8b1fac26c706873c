package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	"github.com/golang-migrate/migrate/v4/source/iofs"
)

//go:embed migrations
var migrationFiles embed.FS

// MigrationsTable is the table in which roster records its schema version. It
// is not golang-migrate's default schema_migrations, so that an application
// that uses golang-migrate for its own schema does not collide with roster.
const MigrationsTable = "roster_schema_migrations"

// postgresLockID is the advisory lock key that serializes roster migrations
// across processes sharing one PostgreSQL database.
const postgresLockID = 7_262_736_571

// DataStepsTable records the data steps (Step) that have run.
const DataStepsTable = "roster_data_steps"

// SchemaError reports a schema that roster cannot use: dirty after a failed
// migration, or older or newer than this build expects, or missing a data
// step, while migrations are skipped.
type SchemaError struct {
	Version int      // the version recorded in the migrations table
	Dirty   bool     // a migration to Version failed halfway
	Want    int      // the version this build expects
	Pending []string // data steps this build needs that have not run
}

// Error says what is wrong with the schema and names its version.
func (e *SchemaError) Error() string {
	switch {
	case e.Dirty:
		return fmt.Sprintf("roster: schema is dirty at version %d: migration %d failed halfway; undo what it did by hand (its .up.sql in roster's internal/store/migrations), then run %s and open again, which migrates from there",
			e.Version, e.Version, e.repair())
	case len(e.Pending) > 0:
		return fmt.Sprintf("roster: schema is at version %d but these data steps have not run: %s; open once without skipping migrations", e.Version, strings.Join(e.Pending, ", "))
	}
	return fmt.Sprintf("roster: schema is at version %d, this build expects %d", e.Version, e.Want)
}

// repair is the statement that marks a dirty schema clean at the version
// before the failed migration (the migrations table holds one row; no row
// is an empty schema).
func (e *SchemaError) repair() string {
	if e.Version <= 1 {
		return "DELETE FROM " + MigrationsTable
	}
	return fmt.Sprintf("UPDATE %s SET version = %d, dirty = false", MigrationsTable, e.Version-1)
}

// Step is a data migration written in Go, for work SQL cannot do (the email
// step maps every stored email through roster's Unicode normalizer). Migrate
// runs each step once per database: after every SQL migration (so a step
// sees the latest schema, and no SQL migration may depend on a step's
// result), under the migration lock, in one transaction that also records
// the step in DataStepsTable. A step that fails writes nothing, is not
// recorded, and stops Migrate; the next Migrate runs it again.
type Step struct {
	// Name identifies the step in DataStepsTable; never reuse or rename one.
	Name string
	// Run does the step's work in tx.
	Run func(ctx context.Context, tx StepTx) error
}

// StepTx is the transaction a Step runs in: a *sql.Tx on PostgreSQL, the
// connection holding the whole migration's transaction on SQLite.
type StepTx struct {
	Querier
	Dialect Dialect
	Logger  *slog.Logger // never nil
}

// Querier runs statements: a *sql.DB, *sql.Tx or *sql.Conn.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Rebind rewrites the ? placeholders of q for the transaction's dialect.
func (tx StepTx) Rebind(q string) string {
	if tx.Dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MigrateOptions configure Migrate.
type MigrateOptions struct {
	Dialect Dialect
	// Skip verifies that the schema is at the latest version and every step
	// has run, instead of migrating.
	Skip   bool
	Steps  []Step
	Logger *slog.Logger // never nil
}

// Migrations returns the embedded migration files of a dialect.
func Migrations(d Dialect) (fs.FS, error) {
	return fs.Sub(migrationFiles, "migrations/"+string(d))
}

// LatestVersion returns the highest migration version of a dialect.
func LatestVersion(d Dialect) (int, error) {
	files, err := Migrations(d)
	if err != nil {
		return 0, err
	}
	versions, err := MigrationVersions(files)
	if err != nil || len(versions) == 0 {
		return 0, fmt.Errorf("roster: no migrations for %s: %v", d, err)
	}
	return versions[len(versions)-1], nil
}

// MigrationVersions lists the distinct versions of the migration files in
// files, ascending.
func MigrationVersions(files fs.FS) ([]int, error) {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	for _, e := range entries {
		head, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(head)
		if !ok || err != nil {
			return nil, fmt.Errorf("roster: migration file %q has no version prefix", e.Name())
		}
		seen[v] = true
	}
	versions := make([]int, 0, len(seen))
	for v := range seen {
		versions = append(versions, v)
	}
	sort.Ints(versions)
	return versions, nil
}

// Migrate brings the schema up to the latest version and runs the data
// steps that have not run yet, or, when o.Skip is set, only verifies that
// both are done. A dirty or mismatched schema, or a step not yet run while
// skipping, is a *SchemaError; a failing step's error is returned as is.
func Migrate(ctx context.Context, db *sql.DB, o MigrateOptions) error {
	want, err := LatestVersion(o.Dialect)
	if err != nil {
		return err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	drv := &migrationDriver{ctx: ctx, db: db, dialect: o.Dialect}
	// The whole of it holds the migration lock: on PostgreSQL even CREATE
	// TABLE IF NOT EXISTS fails when two sessions run it at once (the
	// loser's insert into pg_type violates pg_type_typname_nsp_index), so
	// instances starting together on an empty database must take turns
	// from the first statement on.
	if err := drv.lockAll(); err != nil {
		return err
	}
	err = migrateLocked(drv, o, want)
	return errors.Join(err, drv.unlockAll(err == nil))
}

// migrateLocked is Migrate's work; it requires the migration lock held
// (lockAll).
func migrateLocked(drv *migrationDriver, o MigrateOptions, want int) error {
	if err := drv.ensureTable(); err != nil {
		return err
	}
	if o.Skip {
		return drv.verify(want, o.Steps)
	}
	if err := runUp(drv, o.Dialect, want); err != nil {
		return err
	}
	for _, st := range o.Steps {
		if err := drv.runStep(st, o.Logger); err != nil {
			return err
		}
	}
	return nil
}

// verify checks that the schema is at version want and every step has run.
func (d *migrationDriver) verify(want int, steps []Step) error {
	v, dirty, err := d.Version()
	if err != nil {
		return err
	}
	if dirty || v != want {
		return &SchemaError{Version: v, Dirty: dirty, Want: want}
	}
	var pending []string
	for _, st := range steps {
		var n int
		q := `SELECT count(*) FROM ` + DataStepsTable + ` WHERE name = ` + d.placeholders(1)
		if err := d.q().QueryRowContext(d.ctx, q, st.Name).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			pending = append(pending, st.Name)
		}
	}
	if len(pending) > 0 {
		return &SchemaError{Version: v, Want: want, Pending: pending}
	}
	return nil
}

// runStep runs st unless it ran before, holding the migration lock. The
// step's row goes in first, in the step's transaction: a second process
// that gets there at the same time waits for this transaction (PostgreSQL:
// for the advisory lock; SQLite: for the write lock) and then finds the row.
func (d *migrationDriver) runStep(st Step, log *slog.Logger) error {
	if err := d.Lock(); err != nil {
		return err
	}
	err := d.runStepLocked(st, log)
	return errors.Join(err, d.Unlock())
}

func (d *migrationDriver) runStepLocked(st Step, log *slog.Logger) error {
	if d.lite != nil { // already in the migration's transaction
		return d.runStepIn(d.lite, st, log)
	}
	tx, err := d.db.BeginTx(d.ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := d.runStepIn(tx, st, log); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("roster: data step %s: %w", st.Name, err)
	}
	return nil
}

// runStepIn records st and runs it in tx, unless it ran before.
func (d *migrationDriver) runStepIn(tx Querier, st Step, log *slog.Logger) error {
	q := `INSERT INTO ` + DataStepsTable + ` (name, applied_at) VALUES (` + d.placeholders(1) +
		`, CURRENT_TIMESTAMP) ON CONFLICT (name) DO NOTHING`
	res, err := tx.ExecContext(d.ctx, q, st.Name)
	if err != nil {
		return fmt.Errorf("roster: data step %s: %w", st.Name, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // ran before
	}
	if err := st.Run(d.ctx, StepTx{Querier: tx, Dialect: d.dialect, Logger: log}); err != nil {
		return err
	}
	log.Info("roster: data step done", "step", st.Name)
	return nil
}

func runUp(drv *migrationDriver, d Dialect, want int) error {
	files, err := Migrations(d)
	if err != nil {
		return err
	}
	src, err := iofs.New(files, ".")
	if err != nil {
		return err
	}
	m, err := migrate.NewWithInstance("iofs", src, "roster", drv)
	if err != nil {
		return err
	}
	defer m.Close() // closes the source and drv, never the caller's *sql.DB
	err = m.Up()
	var dirty migrate.ErrDirty
	switch {
	case errors.As(err, &dirty):
		return &SchemaError{Version: dirty.Version, Dirty: true, Want: want}
	case err != nil && !errors.Is(err, migrate.ErrNoChange):
		v, isDirty, verr := drv.Version()
		if verr == nil && isDirty {
			return fmt.Errorf("%w (%v)", &SchemaError{Version: v, Dirty: true, Want: want}, err)
		}
		return fmt.Errorf("roster: migrate: %w", err)
	}
	return nil
}

// migrationDriver is golang-migrate's database.Driver over the *sql.DB that
// gorm opened. Roster writes its own instead of using golang-migrate's stock
// drivers because each of those breaks an embedding application: the SQLite
// drivers link a second SQLite engine (modernc's registers the database/sql
// name "sqlite", which gorm's glebarez driver registers too, and linking both
// panics at start-up; mattn's needs cgo), and the PostgreSQL drivers' Close
// closes the caller's *sql.DB. This one runs each migration in a transaction,
// takes a PostgreSQL advisory lock on a dedicated connection, and closes only
// that connection; on SQLite it runs the whole migration in one transaction
// on a connection of its own (see lockAll).
type migrationDriver struct {
	ctx     context.Context
	db      *sql.DB
	dialect Dialect

	mu    sync.Mutex // guards conn and outer
	conn  *sql.Conn  // holds the advisory lock on PostgreSQL
	outer bool       // Migrate holds the lock: Lock and Unlock leave it alone

	// lite is, on SQLite while Migrate runs, the connection in whose
	// BEGIN IMMEDIATE transaction every statement of the migration runs.
	lite *sql.Conn
}

var _ database.Driver = (*migrationDriver)(nil)

func (d *migrationDriver) Open(string) (database.Driver, error) {
	return nil, errors.New("roster: the migration driver is built with an instance, not a URL")
}

func (d *migrationDriver) Close() error { return d.Unlock() }

func (d *migrationDriver) ensureTable() error {
	_, err := d.q().ExecContext(d.ctx, `CREATE TABLE IF NOT EXISTS `+MigrationsTable+
		` (version BIGINT NOT NULL PRIMARY KEY, dirty BOOLEAN NOT NULL)`)
	return err
}

// lockAll takes the migration lock for the whole of Migrate: golang-migrate's
// Lock and Unlock, and runStep's, leave it alone until unlockAll. On
// PostgreSQL it is the advisory lock, and each migration and step commits on
// its own. On SQLite it is a transaction begun with BEGIN IMMEDIATE (SQLite's
// write lock, which other processes on the file wait for through their busy
// timeout) on a connection of its own, in which every statement of the
// migration runs: the whole migration commits or rolls back as one, so a
// failed one leaves nothing behind, not even a dirty version. Without it, two
// processes both read version 0 and the second re-ran the first's tables.
func (d *migrationDriver) lockAll() error {
	if d.dialect == SQLite {
		conn, err := d.db.Conn(d.ctx)
		if err != nil {
			return err
		}
		if _, err := conn.ExecContext(d.ctx, `BEGIN IMMEDIATE`); err != nil {
			conn.Close()
			return fmt.Errorf("roster: take SQLite's write lock to migrate: %w", err)
		}
		d.lite = conn
		return nil
	}
	if err := d.Lock(); err != nil {
		return err
	}
	d.mu.Lock()
	d.outer = true
	d.mu.Unlock()
	return nil
}

// unlockAll releases the lock lockAll took; on SQLite it commits the
// migration's transaction if ok, else rolls it back.
func (d *migrationDriver) unlockAll(ok bool) error {
	if d.lite != nil {
		end := `ROLLBACK`
		if ok {
			end = `COMMIT`
		}
		_, err := d.lite.ExecContext(context.WithoutCancel(d.ctx), end)
		err = errors.Join(err, d.lite.Close())
		d.lite = nil
		return err
	}
	d.mu.Lock()
	d.outer = false
	d.mu.Unlock()
	return d.Unlock()
}

// q is what the migration's statements run on: the SQLite connection holding
// the migration's transaction, else the database.
func (d *migrationDriver) q() Querier {
	if d.lite != nil {
		return d.lite
	}
	return d.db
}

// Lock takes the PostgreSQL advisory lock. On SQLite Migrate's transaction
// (lockAll) is the lock.
func (d *migrationDriver) Lock() error {
	if d.dialect != Postgres {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.outer {
		return nil
	}
	conn, err := d.db.Conn(d.ctx)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(d.ctx, `SELECT pg_advisory_lock($1)`, postgresLockID); err != nil {
		conn.Close()
		return err
	}
	d.conn = conn
	return nil
}

func (d *migrationDriver) Unlock() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn == nil || d.outer {
		return nil
	}
	_, err := d.conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, postgresLockID)
	cerr := d.conn.Close()
	d.conn = nil
	return errors.Join(err, cerr)
}

func (d *migrationDriver) Run(migration io.Reader) error {
	body, err := io.ReadAll(migration)
	if err != nil {
		return err
	}
	if d.lite != nil { // already in the migration's transaction
		_, err := d.lite.ExecContext(d.ctx, string(body))
		return err
	}
	tx, err := d.db.BeginTx(d.ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(d.ctx, string(body)); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (d *migrationDriver) SetVersion(version int, dirty bool) error {
	if d.lite != nil { // already in the migration's transaction
		return d.setVersionIn(d.lite, version, dirty)
	}
	tx, err := d.db.BeginTx(d.ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := d.setVersionIn(tx, version, dirty); err != nil {
		return err
	}
	return tx.Commit()
}

func (d *migrationDriver) setVersionIn(tx Querier, version int, dirty bool) error {
	if _, err := tx.ExecContext(d.ctx, `DELETE FROM `+MigrationsTable); err != nil {
		return err
	}
	if version >= 0 || (version == database.NilVersion && dirty) {
		q := `INSERT INTO ` + MigrationsTable + ` (version, dirty) VALUES (` + d.placeholders(2) + `)`
		if _, err := tx.ExecContext(d.ctx, q, version, dirty); err != nil {
			return err
		}
	}
	return nil
}

func (d *migrationDriver) Version() (int, bool, error) {
	var v int
	var dirty bool
	err := d.q().QueryRowContext(d.ctx, `SELECT version, dirty FROM `+MigrationsTable+` LIMIT 1`).Scan(&v, &dirty)
	if errors.Is(err, sql.ErrNoRows) {
		return database.NilVersion, false, nil
	}
	return v, dirty, err
}

// Drop is refused: roster never drops an embedding application's tables.
func (d *migrationDriver) Drop() error {
	return errors.New("roster: the migration driver does not drop databases")
}

func (d *migrationDriver) placeholders(n int) string {
	ps := make([]string, n)
	for i := range ps {
		if d.dialect == Postgres {
			ps[i] = "$" + strconv.Itoa(i+1)
		} else {
			ps[i] = "?"
		}
	}
	return strings.Join(ps, ", ")
}
