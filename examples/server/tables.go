package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// schema is the application's own migration: its tables live in roster's
// database beside roster's, prefixed app_, and roster never touches them.
// Times are Unix seconds. The statements run on SQLite and PostgreSQL alike
// and are idempotent, so migrate runs at every start. (An application with
// more tables would use a migration tool with its own history table;
// golang-migrate's default name differs from roster's
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

// migrate creates the application's tables if they are missing.
func migrate(ctx context.Context, db *gorm.DB) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, stmt := range schema {
			if err := tx.Exec(stmt).Error; err != nil {
				return fmt.Errorf("migrate the application's tables: %w", err)
			}
		}
		return nil
	})
}

// The application's rows.

type passwordRow struct {
	UserID      string `gorm:"primaryKey"`
	Hash        string
	ChangedUnix int64
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

// isUniqueViolation reports whether err is a unique-constraint violation on
// SQLite or PostgreSQL.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}
