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
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// A write that commits but that the answering instance cannot apply (its
// changelog reads fail, and another instance's change is ahead of its own)
// is 503 UNAVAILABLE with Retry-After: 1 and Roster-Version naming the
// write's own version, never 200 with an older version; once the database
// answers again, Roster-Min-Version of that version reads the write.
func TestWriteNotAppliedIs503WithItsVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roster.db")
	gdb, err := gorm.Open(sqlite.Open(path), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var failing atomic.Bool
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
	a, err := roster.Open(ctx, roster.Config{DB: gdb, PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	b, err := roster.Open(ctx, roster.Config{DSN: "sqlite:" + path, PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	admin, err := b.Default().Users().Register(ctx, users.Registration{Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Default().Users().Register(ctx, users.Registration{Email: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := a.AwaitVersion(ctx, b.Version()); err != nil {
		t.Fatal(err)
	}
	// b commits one change more, which a has not applied.
	if _, err := b.Default().Resources().Register(ctx, access.System, access.Resource{Kind: access.Agent, ID: "x"}, resources.Facts{Public: true}); err != nil {
		t.Fatal(err)
	}
	h := httpapi.New(a, httpapi.Config{Authenticate: testAuth})
	failing.Store(true)
	rec := sendAt(h, admin.ID, http.MethodPatch, "/manage/admin/deactivate-user", `{"user_email": "bob@example.com"}`, nil)
	failing.Store(false)
	committed, err := b.CommittedVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var e apiError
	if err := json.NewDecoder(rec.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	want := apiError{Detail: "The change was saved, but this server cannot show it yet; try reading it again in a second.", Code: httpapi.CodeUnavailable}
	if rec.Code != http.StatusServiceUnavailable || e != want || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("write not applied here: %d %+v Retry-After %q, want 503 %+v Retry-After 1", rec.Code, e, rec.Header().Get("Retry-After"), want)
	}
	if got := rec.Header().Get(httpapi.VersionHeader); got != strconv.FormatInt(committed, 10) {
		t.Fatalf("Roster-Version = %q, want the write's own version %d (a's index holds %d)", got, committed, a.Version())
	}
	if a.Version() >= committed {
		t.Fatalf("a holds %d: the test proves nothing", a.Version())
	}
	u, err := b.Default().Users().ByEmail(ctx, "bob@example.com")
	if err != nil || u.Active {
		t.Fatalf("bob after the 503: %+v, %v; want deactivated (the write committed)", u, err)
	}
	rec = sendAt(h, admin.ID, http.MethodGet, "/me", "", map[string]string{httpapi.MinVersionHeader: strconv.FormatInt(committed, 10)})
	if rec.Code != http.StatusOK || a.Version() < committed {
		t.Fatalf("Roster-Min-Version %d on a after the database answers again: %d, a at %d", committed, rec.Code, a.Version())
	}
}
