package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/ratelimit"
)

// writes lists every path that takes a body, with the first field of its
// body.
func (w *world) writes(limitID string) []struct{ method, path, field string } {
	team := "/manage/admin/user-group/" + w.team.ID
	return []struct{ method, path, field string }{
		{http.MethodPatch, "/manage/set-user-role", "user_email"},
		{http.MethodPatch, "/manage/admin/deactivate-user", "user_email"},
		{http.MethodPatch, "/manage/admin/activate-user", "user_email"},
		{http.MethodDelete, "/manage/admin/delete-user", "user_email"},
		{http.MethodPost, "/manage/admin/transfer-ownership", "from_user_email"},
		{http.MethodPut, "/manage/admin/users", "emails"},
		{http.MethodPost, "/manage/admin/resend-invite", "user_email"},
		{http.MethodPatch, "/manage/admin/remove-invited-user", "user_email"},
		{http.MethodPut, "/manage/admin/settings", "invite_mode"},
		{http.MethodPost, "/manage/admin/user-group", "name"},
		{http.MethodPatch, team, "user_ids"},
		{http.MethodPost, team + "/add-users", "user_ids"},
		{http.MethodPost, team + "/set-curator", "user_id"},
		{http.MethodPatch, "/manage/admin/user-group/rename", "id"},
		{http.MethodPost, "/admin/token-rate-limits/global", "enabled"},
		{http.MethodPost, "/admin/token-rate-limits/users", "token_budget"},
		{http.MethodPost, "/admin/token-rate-limits/user-group/" + w.team.ID, "period_hours"},
		{http.MethodPut, "/admin/token-rate-limits/rate-limit/" + limitID, "enabled"},
	}
}

// Every body-taking path answers malformed JSON, wrong types, unknown
// fields and extra values with 400 INVALID_INPUT, a huge body with 413
// PAYLOAD_TOO_LARGE, changes nothing, and names the field of a wrong type.
func TestBadBodies(t *testing.T) {
	w := newWorld(t)
	l, err := w.ws.Limits().CreateLimit(w.ctx, roster.System, ratelimit.Limit{Scope: ratelimit.ScopeGlobal, Budget: 1000, Period: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	huge := `{"emails": ["` + strings.Repeat("a", 70<<10) + `@example.com"]}`
	bodies := []struct{ name, body, detail string }{
		{"truncated", `{"user_email": "a@example.com"`, "malformed"},
		{"syntax error", `{"user_email" "a@example.com"}`, "malformed"},
		{"not JSON", `user_email=a@example.com`, "malformed"},
		{"empty", ``, "empty"},
		{"array", `[]`, "object"},
		{"string", `"x"`, "object"},
		{"unknown field", `{"is_admin": true}`, "is_admin"},
		{"two values", `{} {}`, "more than one"},
	}
	for _, p := range w.writes(l.ID) {
		rows := []scenario{{name: "wrong type of " + p.field, as: admin, body: `{"` + p.field + `": {"x": 1}}`,
			status: 400, code: httpapi.CodeInvalidInput, detail: p.field}}
		for _, b := range bodies {
			rows = append(rows, scenario{name: b.name, as: admin, body: b.body, status: 400, code: httpapi.CodeInvalidInput, detail: b.detail})
		}
		rows = append(rows, scenario{name: "huge", as: admin, body: huge, status: 413, code: httpapi.CodePayloadTooLarge, detail: "larger than the limit of 65536 bytes"})
		w.run(t, p.method, p.path, rows)
	}
}

// Path ids that do not exist, are malformed or belong to another workspace
// are 404, never a 500.
func TestBadPathIDs(t *testing.T) {
	w := newWorld(t)
	ids := []string{"nope", "a%2Cb", "%00", strings.Repeat("x", 2000), w.acmeTeam.ID}
	for _, id := range ids {
		w.run(t, http.MethodGet, "/manage/admin/user-group/"+id+"/members", []scenario{{as: admin, status: 404, code: httpapi.CodeNotFound}})
		w.run(t, http.MethodPost, "/manage/admin/user-group/"+id+"/add-users", []scenario{
			{as: admin, body: map[string]any{"user_ids": []string{}}, status: 404, code: httpapi.CodeNotFound}})
		w.run(t, http.MethodGet, "/admin/token-rate-limits/user-group/"+id, []scenario{{as: admin, status: 404, code: httpapi.CodeNotFound}})
		w.run(t, http.MethodDelete, "/admin/token-rate-limits/rate-limit/"+id, []scenario{{as: admin, status: 404, code: httpapi.CodeNotFound}})
	}
}

func TestUnroutedRequests(t *testing.T) {
	w := newWorld(t)
	cases := []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{http.MethodGet, "/nope", 404, httpapi.CodeNotFound, ""},
		{http.MethodPost, "/me", 405, httpapi.CodeMethodNotAllowed, "GET"},
		{http.MethodDelete, "/manage/admin/user-group", 405, httpapi.CodeMethodNotAllowed, "GET, POST"},
	}
	for _, c := range cases {
		rec := w.do(admin, c.method, c.path, nil)
		var e apiError
		decodeBody(t, rec, &e)
		if rec.Code != c.status || e.Code != c.code || strings.Join(rec.Header().Values("Allow"), ", ") != c.allow {
			t.Errorf("%s %s: %d %+v Allow %q, want %d %s Allow %q", c.method, c.path, rec.Code, e, rec.Header().Values("Allow"), c.status, c.code, c.allow)
		}
	}
}

// After Close every request is 503 UNAVAILABLE, not a 500 or a 401.
func TestClosedDirectory(t *testing.T) {
	w := newWorld(t)
	if err := w.dir.Close(); err != nil {
		t.Fatal(err)
	}
	rec := w.do(admin, http.MethodGet, "/me", nil)
	var e apiError
	decodeBody(t, rec, &e)
	if rec.Code != http.StatusServiceUnavailable || e.Code != httpapi.CodeUnavailable {
		t.Errorf("closed: %d %+v, want 503 UNAVAILABLE", rec.Code, e)
	}
}

// The default body limit is 1 MiB: a bulk invite of 1,000 long addresses
// fits.
func TestDefaultBodyLimit(t *testing.T) {
	w := newWorld(t)
	h := httpapi.New(w.dir, httpapi.Config{Authenticate: testAuth})
	var b strings.Builder
	b.WriteString(`{"emails": [`)
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"%s-%03d@example.com"`, strings.Repeat("a", 200), i)
	}
	b.WriteString("]}")
	for _, tc := range []struct {
		body   string
		status int
	}{{b.String(), 200}, {`{"emails": ["` + strings.Repeat("a", 1<<20) + `"]}`, 413}} {
		req := httptest.NewRequest(http.MethodPut, "/manage/admin/users", strings.NewReader(tc.body))
		req.Header.Set(authHeader, w.users[admin].ID)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("body of %d bytes: %d, want %d; %.200s", len(tc.body), rec.Code, tc.status, rec.Body)
		}
	}
}
