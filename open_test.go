package roster_test

import (
	"context"
	"database/sql"
	"errors"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/users"
)

// open opens a Directory on dsn with a fake clock and closes it at cleanup.
func open(t *testing.T, dsn string) *roster.Directory {
	t.Helper()
	d, err := roster.Open(context.Background(), roster.Config{DSN: dsn, Now: rostertest.NewClock().Now})
	if err != nil {
		t.Fatalf("Open(%s): %v", dsn, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestOpenZeroConfig(t *testing.T) {
	t.Chdir(t.TempDir())
	ctx := context.Background()
	d, err := roster.Open(ctx, roster.Config{})
	if err != nil {
		t.Fatalf("Open(Config{}): %v", err)
	}
	defer d.Close()
	if _, err := d.Workspace(ctx, roster.DefaultWorkspace); err != nil {
		t.Fatalf("default workspace: %v", err)
	}
	if _, err := exec.Command("test", "-f", "roster.db").Output(); err != nil {
		t.Fatalf("Open(Config{}) did not create roster.db in the working directory")
	}
}

func TestOpenDefaultWorkspaceOnEveryStore(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := open(t, dsn)
		ws, err := d.Workspaces(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) != 1 || ws[0].ID != roster.DefaultWorkspace {
			t.Fatalf("workspaces after Open = %+v, want only %q", ws, roster.DefaultWorkspace)
		}
		// A second Open of the same database keeps the one default workspace.
		d.Close()
		d2 := open(t, dsn)
		if ws, _ := d2.Workspaces(ctx); len(ws) != 1 {
			t.Fatalf("workspaces after reopen = %+v", ws)
		}
	})
}

func TestOpenWithCallersGormDB(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := gorm.Open(sqlite.Open(roster.SQLiteDSN(path)), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := roster.Open(ctx, roster.Config{DB: db})
	if err != nil {
		t.Fatalf("Open with DB: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close() // the caller's to close, not roster's
	if err := sqlDB.Ping(); err != nil {
		t.Fatalf("Close closed the caller's database: %v", err)
	}
	var n int64
	if err := db.Raw("SELECT count(*) FROM roster_workspaces").Scan(&n).Error; err != nil || n != 1 {
		t.Fatalf("roster tables in caller's db: n=%d err=%v", n, err)
	}
}

func TestMigrationVersionsMatchAcrossDialects(t *testing.T) {
	sq, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	a, err := store.MigrationVersions(sq)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.MigrationVersions(pg)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || !reflect.DeepEqual(a, b) {
		t.Fatalf("sqlite versions %v, postgres versions %v: want the same, non-empty", a, b)
	}
}

func TestDirtySchemaFailsOpen(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := open(t, dsn)
		d.Close()
		setSchema(t, dsn, "UPDATE roster_schema_migrations SET dirty = true")
		_, err := roster.Open(ctx, roster.Config{DSN: dsn})
		var se *roster.SchemaError
		if !errors.As(err, &se) || !se.Dirty || se.Version < 1 {
			t.Fatalf("Open on dirty schema: err = %v, want *SchemaError dirty with version", err)
		}
		if !strings.Contains(err.Error(), "version") {
			t.Fatalf("error %q does not name the version", err)
		}
	})
}

func TestSkipMigrations(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		_, err := roster.Open(ctx, roster.Config{DSN: dsn, SkipMigrations: true})
		var se *roster.SchemaError
		if !errors.As(err, &se) || se.Dirty || se.Version != -1 {
			t.Fatalf("SkipMigrations on empty db: err = %v, want *SchemaError at version -1", err)
		}
		open(t, dsn).Close()
		d, err := roster.Open(ctx, roster.Config{DSN: dsn, SkipMigrations: true})
		if err != nil {
			t.Fatalf("SkipMigrations on migrated db: %v", err)
		}
		d.Close()
	})
}

// setSchema runs a statement directly on the database behind dsn.
func setSchema(t *testing.T, dsn, stmt string) {
	t.Helper()
	var db *sql.DB
	var err error
	if p, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		g, gerr := gorm.Open(sqlite.Open(p), &gorm.Config{})
		if gerr != nil {
			t.Fatal(gerr)
		}
		db, err = g.DB()
	} else {
		db, err = sql.Open("pgx", dsn)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func TestPinnedCasbinVersions(t *testing.T) {
	want := map[string]string{
		"github.com/casbin/casbin/v2":       "v2.135.0",
		"github.com/casbin/gorm-adapter/v3": "v3.39.0",
	}
	for mod, v := range want {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", mod).Output()
		if err != nil {
			t.Fatalf("go list -m %s: %v", mod, err)
		}
		if got := strings.TrimSpace(string(out)); got != v {
			t.Errorf("%s is %s, want %s (casbin/v2 is frozen at v2.135.0; gorm-adapter v3.40+ moved to casbin/v3)", mod, got, v)
		}
	}
}

func TestWorkspaces(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := open(t, dsn)
		if _, err := d.Workspace(ctx, "acme"); !errors.Is(err, roster.ErrNotFound) {
			t.Fatalf("unknown workspace: err = %v, want ErrNotFound", err)
		}
		cases := []struct {
			actor    roster.Actor
			id, name string
			want     error
		}{
			{roster.System, "acme", "Acme", nil},
			{roster.System, "acme", "Acme again", roster.ErrConflict},
			{roster.System, "Bad Id", "x", roster.ErrInvalid},
			{roster.System, "", "x", roster.ErrInvalid},
			{roster.System, "ok", "", roster.ErrInvalid},
			{access.UserActor("someone"), "other", "Other", roster.ErrForbidden},
		}
		for _, c := range cases {
			_, err := d.CreateWorkspace(ctx, c.actor, c.id, c.name)
			if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Errorf("CreateWorkspace(%q, %q, %q) = %v, want %v", c.actor, c.id, c.name, err, c.want)
			}
		}
		ws, err := d.Workspaces(ctx)
		if err != nil || len(ws) != 2 {
			t.Fatalf("workspaces = %+v, %v; want acme and default only", ws, err)
		}
	})
}

func TestClosedDirectory(t *testing.T) {
	ctx := context.Background()
	d := open(t, rostertest.SQLiteDSN(t))
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := d.Workspace(ctx, roster.DefaultWorkspace); !errors.Is(err, roster.ErrClosed) {
		t.Errorf("Workspace after Close: %v, want ErrClosed", err)
	}
	if _, err := d.Default().Users().Register(ctx, usersReg("a@example.com")); !errors.Is(err, roster.ErrClosed) {
		t.Errorf("Register after Close: %v, want ErrClosed", err)
	}
	if _, err := d.Default().Users().List(ctx, usersFilter()); !errors.Is(err, roster.ErrClosed) {
		t.Errorf("List after Close: %v, want ErrClosed", err)
	}
}

func usersReg(email string) users.Registration { return users.Registration{Email: email} }

func usersFilter() users.Filter { return users.Filter{} }
