package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/users"
)

// twoInstances opens two Directories on one SQLite file, standing for two
// instances of an application; b follows nothing, so only a request's
// Roster-Min-Version brings it forward. It returns their handlers and the
// admin's and bob's ids.
func twoInstances(t *testing.T) (a, b *roster.Directory, ha, hb http.Handler, adminID, bobID string) {
	t.Helper()
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "roster.db")
	open := func() *roster.Directory {
		d, err := roster.Open(ctx, roster.Config{DSN: dsn, PollInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	a, b = open(), open()
	reg := func(email string) string {
		u, err := a.Default().Users().Register(ctx, users.Registration{Email: email})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	adminID, bobID = reg("ada@example.com"), reg("bob@example.com")
	cfg := httpapi.Config{Authenticate: testAuth}
	return a, b, httpapi.New(a, cfg), httpapi.New(b, cfg), adminID, bobID
}

func sendAt(h http.Handler, userID, method, path, body string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set(authHeader, userID)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// A write's response carries Roster-Version, the version holding its
// change; sent back as Roster-Min-Version to another instance, the request
// is answered only once that instance holds the change.
func TestVersionHeadersReadYourWritesAcrossInstances(t *testing.T) {
	a, b, ha, hb, adminID, bobID := twoInstances(t)
	before := a.Version()
	rec := sendAt(ha, adminID, http.MethodPatch, "/manage/admin/deactivate-user", `{"user_email": "bob@example.com"}`, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("deactivate: %d %s", rec.Code, rec.Body)
	}
	v, err := strconv.ParseInt(rec.Header().Get(httpapi.VersionHeader), 10, 64)
	if err != nil || v <= before || v != a.Version() {
		t.Fatalf("Roster-Version = %q, want %d (a's version after the write, above %d)", rec.Header().Get(httpapi.VersionHeader), a.Version(), before)
	}
	if got := sendAt(ha, adminID, http.MethodGet, "/me", "", nil); got.Header().Get(httpapi.VersionHeader) != "" {
		t.Fatalf("a read carries Roster-Version %q; only writes do", got.Header().Get(httpapi.VersionHeader))
	}
	if b.Version() >= v {
		t.Fatalf("b is at version %d before the request: the test proves nothing", b.Version())
	}
	rec = sendAt(hb, adminID, http.MethodGet, "/me", "", map[string]string{httpapi.MinVersionHeader: strconv.FormatInt(v, 10)})
	if rec.Code != http.StatusOK || b.Version() < v {
		t.Fatalf("b with Roster-Min-Version %d: %d, b at version %d", v, rec.Code, b.Version())
	}
	// bob, deactivated on a, is signed out on b once b holds the version.
	rec = sendAt(hb, bobID, http.MethodGet, "/me", "", map[string]string{httpapi.MinVersionHeader: strconv.FormatInt(v, 10)})
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("deactivated bob on b: %d, want 401", rec.Code)
	}
}

// A version above the committed one, which no write returned, is 400
// INVALID_INPUT at once (503 for a version not reached in time is
// TestMinVersionNotReached); a malformed header is 400 INVALID_INPUT and the
// request does nothing.
func TestMinVersionRefusals(t *testing.T) {
	a, _, ha, _, adminID, _ := twoInstances(t)
	start := time.Now()
	rec := sendAt(ha, adminID, http.MethodGet, "/me", "", map[string]string{httpapi.MinVersionHeader: strconv.FormatInt(a.Version()+1000, 10)})
	took := time.Since(start)
	var e apiError
	if err := json.NewDecoder(rec.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	want := apiError{Detail: "The version asked for has not been committed; send back a version a write returned.", Code: httpapi.CodeInvalidInput}
	if rec.Code != http.StatusBadRequest || e != want {
		t.Fatalf("uncommitted version: %d %+v, want 400 %+v", rec.Code, e, want)
	}
	if took >= httpapi.MinVersionWait {
		t.Fatalf("uncommitted version answered after %v: it waited", took)
	}
	for _, bad := range []string{"abc", "-1", "1.5", "0x10", "99999999999999999999"} {
		before := a.Version()
		rec := sendAt(ha, adminID, http.MethodPatch, "/manage/admin/deactivate-user", `{"user_email": "bob@example.com"}`,
			map[string]string{httpapi.MinVersionHeader: bad})
		var e apiError
		if err := json.NewDecoder(rec.Body).Decode(&e); err != nil {
			t.Fatal(err)
		}
		want := apiError{Detail: "The header Roster-Min-Version must be a version: a whole number, 0 or more.", Code: httpapi.CodeInvalidInput}
		if rec.Code != http.StatusBadRequest || e != want {
			t.Errorf("Roster-Min-Version %q: %d %+v, want 400 %+v", bad, rec.Code, e, want)
		}
		if a.Version() != before {
			t.Errorf("Roster-Min-Version %q: the refused request wrote version %d", bad, a.Version())
		}
	}
	u, err := a.Default().Users().ByEmail(context.Background(), "bob@example.com")
	if err != nil || !u.Active {
		t.Fatalf("bob after refused requests: %+v, %v; want active", u, err)
	}
}
