// Package rostertest runs roster's storage tests on every backend: always on
// a SQLite file under the test's temporary directory, and on PostgreSQL when
// ROSTER_TEST_POSTGRES holds a DSN (each test gets a database of its own, so
// tests may run in parallel). In CI (see InCI) a missing ROSTER_TEST_POSTGRES
// fails the test instead of skipping PostgreSQL; SkipOrFail is that one rule
// for every test that must not skip in CI.
package rostertest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for CREATE DATABASE
)

// PostgresEnv is the environment variable naming the PostgreSQL server for
// tests.
const PostgresEnv = "ROSTER_TEST_POSTGRES"

// ForEachStore runs fn as a subtest per backend ("sqlite", "postgres") with
// the DSN of an empty database.
func ForEachStore(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteDSN(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresDSN(t)) })
}

// SQLiteDSN returns the DSN of a new SQLite file under t.TempDir.
func SQLiteDSN(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "roster.db")
}

// PostgresDSN creates an empty database on the server of ROSTER_TEST_POSTGRES,
// drops it when the test ends, and returns its DSN. Without the variable it
// skips the test, saying why, or fails it in CI.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		SkipOrFail(t, "PostgreSQL tests need %s=postgres://... (.ci/run starts PostgreSQL and sets it)", PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", PostgresEnv, err)
	}
	defer admin.Close()
	name := "roster_test_" + randomHex(8)
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(t, base, name) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

func dropDatabase(t testing.TB, base, name string) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Errorf("drop database: %v", err)
		return
	}
	defer admin.Close()
	if _, err := admin.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
		t.Errorf("drop database %s: %v", name, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
