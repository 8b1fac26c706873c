package roster_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/internal/store"
)

// A dirty schema's error names the migrations table and the statement that
// marks it clean at the version before the failed migration; running that
// statement once the failed migration is undone lets Open migrate again.
func TestDirtySchemaErrorSaysHowToRepair(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		open(t, dsn).Close()
		dialect := "postgres"
		if strings.HasPrefix(dsn, "sqlite:") {
			dialect = "sqlite"
		}
		downs, err := filepath.Glob(filepath.Join("internal", "store", "migrations", dialect, "*.down.sql"))
		if err != nil || len(downs) == 0 {
			t.Fatalf("no down migrations found: %v", err)
		}
		last := downs[len(downs)-1] // the names sort by their zero-padded number
		var n int
		if _, err := fmt.Sscanf(filepath.Base(last), "%d_", &n); err != nil {
			t.Fatal(err)
		}
		body, err := os.ReadFile(last)
		if err != nil {
			t.Fatal(err)
		}
		// The last migration failed halfway and someone undid it by hand:
		// its tables are gone and the version is dirty.
		setSchema(t, dsn, string(body))
		setSchema(t, dsn, "UPDATE roster_schema_migrations SET dirty = true")

		_, err = roster.Open(ctx, roster.Config{DSN: dsn})
		var se *roster.SchemaError
		if !errors.As(err, &se) || !se.Dirty || se.Version != n {
			t.Fatalf("Open on a dirty schema = %v, want *SchemaError dirty at %d", err, n)
		}
		stmt := fmt.Sprintf("UPDATE roster_schema_migrations SET version = %d, dirty = false", n-1)
		want := fmt.Sprintf("roster: schema is dirty at version %d: migration %d failed halfway; undo what it did by hand (its .up.sql in roster's internal/store/migrations), then run %s and open again, which migrates from there", n, n, stmt)
		if !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("error\n%q\nwant it to begin\n%q", err, want)
		}
		setSchema(t, dsn, stmt)
		d, err := roster.Open(ctx, roster.Config{DSN: dsn})
		if err != nil {
			t.Fatalf("Open after running the statement the error named: %v", err)
		}
		d.Close()
	})
}

// A schema dirty at its first migration has no version before it: the
// statement the error names empties the migrations table.
func TestDirtyFirstMigrationSaysDelete(t *testing.T) {
	se := &store.SchemaError{Version: 1, Dirty: true, Want: 9}
	want := "roster: schema is dirty at version 1: migration 1 failed halfway; undo what it did by hand (its .up.sql in roster's internal/store/migrations), then run DELETE FROM roster_schema_migrations and open again, which migrates from there"
	if se.Error() != want {
		t.Fatalf("error\n%q\nwant\n%q", se.Error(), want)
	}
}
