package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// schema is the application's first schema: its tables live in roster's
// database beside roster's, prefixed app_, and roster never touches them.
// Times are Unix seconds. The statements run on SQLite and PostgreSQL alike
// and are idempotent, so migrate runs them at every start; the changes made
// since are steps, each run once (see migrate). (An application with more
// tables would use a migration tool; its history table must not be roster's
// roster_schema_migrations.)
var schema = []string{
	`CREATE TABLE IF NOT EXISTS app_passwords (
		user_id TEXT PRIMARY KEY,
		hash TEXT NOT NULL,
		changed_unix BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS app_sessions (
		token_hash TEXT PRIMARY KEY,
		user_id TEXT NOT NULL,
		started_unix BIGINT NOT NULL,
		expires_unix BIGINT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS app_sessions_user ON app_sessions (user_id)`,
	`CREATE TABLE IF NOT EXISTS app_password_resets (
		token_hash TEXT PRIMARY KEY,
		user_id TEXT NOT NULL,
		expires_unix BIGINT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS app_password_resets_user ON app_password_resets (user_id)`,
	`CREATE TABLE IF NOT EXISTS app_connectors (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL UNIQUE,
		created_unix BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS app_document_sets (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL UNIQUE,
		description TEXT NOT NULL,
		created_unix BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS app_document_set_connectors (
		document_set_id TEXT NOT NULL REFERENCES app_document_sets (id) ON DELETE CASCADE,
		connector_id TEXT NOT NULL REFERENCES app_connectors (id) ON DELETE CASCADE,
		PRIMARY KEY (document_set_id, connector_id))`,
	`CREATE INDEX IF NOT EXISTS app_document_set_connectors_connector ON app_document_set_connectors (connector_id)`,
	`CREATE TABLE IF NOT EXISTS app_personas (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		description TEXT NOT NULL,
		created_unix BIGINT NOT NULL)`,
}

// step is one change of the application's tables after schema, run once;
// app_schema_migrations records the versions applied.
type step struct {
	version int64
	what    string
	// sqlite and postgres are the step's statements in each dialect.
	sqlite, postgres []string
}

// steps are the changes since schema, in order.
func steps() []step {
	return []step{{
		version: 2,
		what:    "connector and document-set names are labels, not keys: drop their UNIQUE constraints",
		// SQLite cannot drop a constraint: each table is rebuilt (SQLite's
		// documented procedure, run with foreign keys off so that dropping
		// the old table does not cascade to app_document_set_connectors,
		// whose references then name the new table).
		sqlite: []string{
			`CREATE TABLE app_connectors_v2 (
				id TEXT PRIMARY KEY,
				name TEXT NOT NULL,
				created_unix BIGINT NOT NULL)`,
			`INSERT INTO app_connectors_v2 (id, name, created_unix) SELECT id, name, created_unix FROM app_connectors`,
			`DROP TABLE app_connectors`,
			`ALTER TABLE app_connectors_v2 RENAME TO app_connectors`,
			`CREATE TABLE app_document_sets_v2 (
				id TEXT PRIMARY KEY,
				name TEXT NOT NULL,
				description TEXT NOT NULL,
				created_unix BIGINT NOT NULL)`,
			`INSERT INTO app_document_sets_v2 (id, name, description, created_unix)
				SELECT id, name, description, created_unix FROM app_document_sets`,
			`DROP TABLE app_document_sets`,
			`ALTER TABLE app_document_sets_v2 RENAME TO app_document_sets`,
		},
		postgres: []string{
			`ALTER TABLE app_connectors DROP CONSTRAINT IF EXISTS app_connectors_name_key`,
			`ALTER TABLE app_document_sets DROP CONSTRAINT IF EXISTS app_document_sets_name_key`,
		},
	}, {
		version: 3,
		what:    "device cookies: a table of the server's keys, and a credential generation per password",
		// The server's keys are shared by every replica on the database
		// (see deviceKey); every change or reset of a password bumps its
		// generation (see setPassword), which ends its device cookies.
		sqlite:   deviceCookieStep(),
		postgres: deviceCookieStep(),
	}}
}

// deviceCookieStep is step 3's statements, alike in both dialects.
func deviceCookieStep() []string {
	return []string{
		`CREATE TABLE app_server_keys (
			name TEXT PRIMARY KEY,
			key_hex TEXT NOT NULL,
			created_unix BIGINT NOT NULL)`,
		`ALTER TABLE app_passwords ADD COLUMN generation BIGINT NOT NULL DEFAULT 0`,
	}
}

// appMigrationLock is the PostgreSQL advisory lock key that serializes the
// application's migrations across servers sharing the database (roster's
// own migrations take another).
const appMigrationLock = 7_262_736_572

// migrate creates the application's tables if they are missing, then runs
// each step not yet recorded in app_schema_migrations, and records it, all
// in one transaction that holds the migration lock: on PostgreSQL an
// advisory lock taken first (pg_advisory_xact_lock, released at commit or
// rollback), on SQLite the write lock of BEGIN IMMEDIATE (the connection's
// _txlock=immediate, see sqlitePragmas), which other processes wait for
// through their busy timeout. Servers started together on an empty database
// therefore migrate it once: without the lock, even CREATE TABLE IF NOT
// EXISTS fails on PostgreSQL when two sessions run it at once (the loser's
// insert into pg_type violates pg_type_typname_nsp_index). A failure rolls
// everything back, so the next start begins again.
func migrate(ctx context.Context, db *gorm.DB) error {
	db = db.WithContext(ctx)
	sqlite := db.Dialector.Name() == "sqlite"
	run := func(tx *gorm.DB) error {
		if !sqlite {
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, appMigrationLock).Error; err != nil {
				return fmt.Errorf("migrate the application's tables: take the migration lock: %w", err)
			}
		}
		for _, stmt := range append(slices.Clone(schema), `CREATE TABLE IF NOT EXISTS app_schema_migrations (
			version BIGINT PRIMARY KEY,
			applied_unix BIGINT NOT NULL)`) {
			if err := tx.Exec(stmt).Error; err != nil {
				return fmt.Errorf("migrate the application's tables: %w", err)
			}
		}
		for _, st := range steps() {
			if err := runStep(tx, st, sqlite); err != nil {
				return fmt.Errorf("migrate the application's tables to version %d (%s): %w", st.version, st.what, err)
			}
		}
		return nil
	}
	if !sqlite {
		return db.Transaction(run)
	}
	// Foreign keys are off on the migration's one connection while it runs
	// (SQLite's table rebuilds need it, and it cannot change inside a
	// transaction), and checked before the commit.
	return db.Connection(func(conn *gorm.DB) (err error) {
		if err := conn.Exec(`PRAGMA foreign_keys = OFF`).Error; err != nil {
			return err
		}
		defer func() {
			err = errors.Join(err, conn.Exec(`PRAGMA foreign_keys = ON`).Error)
		}()
		return conn.Transaction(func(tx *gorm.DB) error {
			if err := run(tx); err != nil {
				return err
			}
			var broken []map[string]any
			if err := tx.Raw(`PRAGMA foreign_key_check`).Scan(&broken).Error; err != nil {
				return err
			}
			if len(broken) > 0 {
				return fmt.Errorf("migrate the application's tables: %d rows break a foreign key", len(broken))
			}
			return nil
		})
	})
}

// runStep runs st in tx, which holds the migration lock, unless it is
// recorded, and records it.
func runStep(tx *gorm.DB, st step, sqlite bool) error {
	var done int64
	if err := tx.Table("app_schema_migrations").Where("version = ?", st.version).Count(&done).Error; err != nil {
		return err
	}
	if done > 0 {
		return nil
	}
	stmts := st.postgres
	if sqlite {
		stmts = st.sqlite
	}
	for _, stmt := range stmts {
		if err := tx.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return tx.Exec(`INSERT INTO app_schema_migrations (version, applied_unix) VALUES (?, ?)`, st.version, time.Now().Unix()).Error
}

// The application's rows.

type passwordRow struct {
	UserID      string `gorm:"primaryKey"`
	Hash        string
	ChangedUnix int64
	// Generation counts the password's changes and resets; a device
	// cookie is bound to the generation it was issued for.
	Generation int64
}

func (passwordRow) TableName() string { return "app_passwords" }

type sessionRow struct {
	TokenHash   string `gorm:"primaryKey"`
	UserID      string
	StartedUnix int64
	ExpiresUnix int64
}

func (sessionRow) TableName() string { return "app_sessions" }

type resetRow struct {
	TokenHash   string `gorm:"primaryKey"`
	UserID      string
	ExpiresUnix int64
}

func (resetRow) TableName() string { return "app_password_resets" }

type connectorRow struct {
	ID          string `gorm:"primaryKey"`
	Name        string
	CreatedUnix int64
}

func (connectorRow) TableName() string { return "app_connectors" }

func (r connectorRow) rowName() string { return r.Name }

type documentSetRow struct {
	ID          string `gorm:"primaryKey"`
	Name        string
	Description string
	CreatedUnix int64
}

func (documentSetRow) TableName() string { return "app_document_sets" }

func (r documentSetRow) rowName() string { return r.Name }

type documentSetConnectorRow struct {
	DocumentSetID string `gorm:"primaryKey"`
	ConnectorID   string `gorm:"primaryKey"`
}

func (documentSetConnectorRow) TableName() string { return "app_document_set_connectors" }

type personaRow struct {
	ID          string `gorm:"primaryKey"`
	Name        string
	Description string
	CreatedUnix int64
}

func (personaRow) TableName() string { return "app_personas" }

func (r personaRow) rowName() string { return r.Name }

type serverKeyRow struct {
	Name        string `gorm:"primaryKey"`
	KeyHex      string
	CreatedUnix int64
}

func (serverKeyRow) TableName() string { return "app_server_keys" }
