package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/users"
)

// An anonymous request carrying Roster-Min-Version is 401 NOT_SIGNED_IN
// without waiting: the instance behind does not even catch up for it.
func TestAnonymousMinVersionIs401WithoutWaiting(t *testing.T) {
	a, b, ha, hb, adminID, _ := twoInstances(t)
	rec := sendAt(ha, adminID, http.MethodPatch, "/manage/admin/deactivate-user", `{"user_email": "bob@example.com"}`, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("deactivate: %d %s", rec.Code, rec.Body)
	}
	v := a.Version()
	rec = sendAt(hb, "", http.MethodGet, "/me", "", map[string]string{httpapi.MinVersionHeader: strconv.FormatInt(v, 10)})
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("anonymous request with Roster-Min-Version: %d, want 401", rec.Code)
	}
	if b.Version() >= v {
		t.Fatalf("b caught up to %d for an anonymous request", b.Version())
	}
}

// failingDirectory opens a Directory with following off on a SQLite file
// through a gorm connection whose reads of the changelog fail while
// failing is set; it returns the Directory, the gorm connection and the
// file's DSN, for a second instance.
func failingDirectory(t *testing.T, failing *atomic.Bool) (*roster.Directory, *gorm.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "roster.db")
	gdb, err := gorm.Open(sqlite.Open(path), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	err = gdb.Callback().Query().Before("gorm:query").Register("test:fail-changelog", func(db *gorm.DB) {
		if failing.Load() && db.Statement.Table == "roster_changes" {
			db.AddError(errors.New("injected: changelog read failed"))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := gdb.DB(); err == nil {
			s.Close()
		}
	})
	d, err := roster.Open(context.Background(), roster.Config{DB: gdb, PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, gdb, "sqlite:" + path
}

// A committed version the instance cannot reach (its changelog reads fail)
// is 503 UNAVAILABLE with Retry-After: 1.
func TestMinVersionNotReached(t *testing.T) {
	ctx := context.Background()
	var failing atomic.Bool
	a, _, dsn := failingDirectory(t, &failing)
	b, err := roster.Open(ctx, roster.Config{DSN: dsn, PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	admin, err := a.Default().Users().Register(ctx, users.Registration{Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Default().Users().Register(ctx, users.Registration{Email: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	failing.Store(true)
	h := httpapi.New(a, httpapi.Config{Authenticate: testAuth})
	rec := sendAt(h, admin.ID, http.MethodGet, "/me", "", map[string]string{httpapi.MinVersionHeader: strconv.FormatInt(b.Version(), 10)})
	var e apiError
	if err := json.NewDecoder(rec.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	want := apiError{Detail: "This server has not caught up with the version asked for yet; try again in a second.", Code: httpapi.CodeUnavailable}
	if rec.Code != http.StatusServiceUnavailable || e != want || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("version not reached: %d %+v Retry-After %q, want 503 %+v Retry-After 1", rec.Code, e, rec.Header().Get("Retry-After"), want)
	}
}

// When the database does not answer, a signed-in request is 503
// UNAVAILABLE with Retry-After: 1 and /readyz's sentence, not 401 (which
// would make a browser drop its session) nor 500; an authenticator whose
// own lookup fails on the database is answered the same way. An
// authenticator that finds no session is still 401.
func TestDatabaseDownIs503(t *testing.T) {
	ctx := context.Background()
	want := apiError{Detail: "The database does not answer.", Code: httpapi.CodeUnavailable}
	for _, lookup := range []bool{false, true} {
		var failing atomic.Bool
		d, gdb, _ := failingDirectory(t, &failing)
		admin, err := d.Default().Users().Register(ctx, users.Registration{Email: "ada@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		auth := testAuth
		if lookup { // the application keeps its sessions in the same database
			auth = func(r *http.Request) (string, string, error) {
				var n int64
				if err := gdb.WithContext(r.Context()).Raw(`SELECT count(*) FROM roster_users`).Scan(&n).Error; err != nil {
					return "", "", err
				}
				return testAuth(r)
			}
		}
		h := httpapi.New(d, httpapi.Config{Authenticate: auth})
		if rec := sendAt(h, admin.ID, http.MethodGet, "/me", "", nil); rec.Code != http.StatusOK {
			t.Fatalf("authenticator reads the database %v, database up: /me %d %s", lookup, rec.Code, rec.Body)
		}
		if rec := sendAt(h, "", http.MethodGet, "/me", "", nil); rec.Code != http.StatusUnauthorized {
			t.Fatalf("authenticator reads the database %v, no session: %d, want 401", lookup, rec.Code)
		}
		sqlDB, err := gdb.DB()
		if err != nil {
			t.Fatal(err)
		}
		sqlDB.Close()
		rec := sendAt(h, admin.ID, http.MethodGet, "/me", "", nil)
		var e apiError
		if err := json.NewDecoder(rec.Body).Decode(&e); err != nil {
			t.Fatal(err)
		}
		if rec.Code != http.StatusServiceUnavailable || e != want || rec.Header().Get("Retry-After") != "1" {
			t.Fatalf("authenticator reads the database %v, database closed: /me %d %+v Retry-After %q, want 503 %+v Retry-After 1",
				lookup, rec.Code, e, rec.Header().Get("Retry-After"), want)
		}
	}
}

// A bearer API key that cannot be read because the database does not answer
// is 503 UNAVAILABLE, not 401: the key is not refused.
func TestAPIKeyDatabaseDownIs503(t *testing.T) {
	ctx := context.Background()
	var failing atomic.Bool
	d, gdb, _ := failingDirectory(t, &failing)
	if _, err := d.Default().Users().Register(ctx, users.Registration{Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	_, raw, err := d.Default().CreateAPIKey(ctx, roster.System, "bot", users.RoleBasic)
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.New(d, httpapi.Config{Authenticate: httpapi.WithAPIKeys(d, testAuth)})
	if rec := sendAuth(h, http.MethodGet, "/me", "Bearer "+raw, ""); rec.Code != http.StatusOK {
		t.Fatalf("API key, database up: /me %d %s", rec.Code, rec.Body)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.Close()
	rec := sendAuth(h, http.MethodGet, "/me", "Bearer "+raw, "")
	var e apiError
	if err := json.NewDecoder(rec.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	want := apiError{Detail: "The database does not answer.", Code: httpapi.CodeUnavailable}
	if rec.Code != http.StatusServiceUnavailable || e != want {
		t.Fatalf("API key, database closed: /me %d %+v, want 503 %+v", rec.Code, e, want)
	}
}
