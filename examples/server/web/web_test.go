package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fakeAPI answers GETs of API paths with canned JSON; other paths are 404
// NOT_FOUND, and every request without the session cookie is 401.
type fakeAPI struct {
	t       *testing.T
	answers map[string]any // path → body, or *apiError
	seen    []*http.Request
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.seen = append(f.seen, r)
	w.Header().Set("Content-Type", "application/json")
	if c, err := r.Cookie("roster_session"); err != nil || c.Value != "s" {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"detail": "You are not signed in.", "code": "NOT_SIGNED_IN"})
		return
	}
	a, ok := f.answers[r.URL.Path]
	if !ok {
		a = &apiError{Status: http.StatusNotFound, Code: "NOT_FOUND", Detail: "There is no such path."}
	}
	if e, isErr := a.(*apiError); isErr {
		w.WriteHeader(e.Status)
		json.NewEncoder(w).Encode(map[string]string{"detail": e.Detail, "code": e.Code})
		return
	}
	json.NewEncoder(w).Encode(a)
}

func newFake(t *testing.T, role string) *fakeAPI {
	return &fakeAPI{t: t, answers: map[string]any{
		"/me":              meJSON{ID: "u1", Email: "ada@example.com", Role: role, IsActive: true, Groups: []meGroupJSON{}},
		"/me/token-budget": map[string]any{"user": map[string]any{"limited": false}},
	}}
}

// get serves GET path through the pages, signed in unless cookie is "".
func get(t *testing.T, api http.Handler, path, cookie string) *httptest.ResponseRecorder {
	t.Helper()
	h := New(Options{API: api, Now: func() time.Time { return time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC) }})
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != "" {
		r.Header.Set("Cookie", "roster_session="+cookie)
	}
	r.Header.Set("Origin", "http://evil.example") // never passed on to the API
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestSignedOutGoesToSignIn(t *testing.T) {
	rec := get(t, newFake(t, "admin"), "/ui/users?q=x", "")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ui/signin?next="+url.QueryEscape("/ui/users?q=x") {
		t.Fatalf("signed out /ui/users: %d %v", rec.Code, rec.Header())
	}
	if rec := get(t, newFake(t, "admin"), "/ui/signin", ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `data-api="POST /auth/login"`) {
		t.Fatalf("sign-in page: %d", rec.Code)
	}
}

// A refusal of the API is the page's status and shows the API's detail and
// code; a path under /ui/ that is no page is 404; neither is a 500.
func TestRefusalsShowTheAPIsMessage(t *testing.T) {
	api := newFake(t, "curator")
	api.answers["/manage/admin/user-group/g9/members"] = &apiError{Status: http.StatusForbidden, Code: "OUT_OF_SCOPE",
		Detail: "Curators may change only the groups they curate."}
	for _, c := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/ui/groups/g9", http.StatusForbidden, []string{"Curators may change only the groups they curate.", "OUT_OF_SCOPE"}},
		{"/ui/groups/nope", http.StatusNotFound, []string{"There is no such path.", "NOT_FOUND"}},
		{"/ui/users", http.StatusNotFound, []string{"There is no such path."}},
		{"/ui/nothing-here", http.StatusNotFound, []string{"There is no page at /ui/nothing-here."}},
	} {
		rec := get(t, api, c.path, "s")
		if rec.Code != c.status {
			t.Errorf("GET %s: status %d, want %d", c.path, rec.Code, c.status)
		}
		for _, w := range c.want {
			if !strings.Contains(rec.Body.String(), w) {
				t.Errorf("GET %s: page lacks %q", c.path, w)
			}
		}
	}
}

// In-process reads carry the session cookie and nothing else of the
// browser's request.
func TestReadsCarryOnlyTheCookie(t *testing.T) {
	api := newFake(t, "basic")
	if rec := get(t, api, "/ui/", "s"); rec.Code != http.StatusOK {
		t.Fatalf("home: %d %s", rec.Code, rec.Body)
	}
	if len(api.seen) == 0 {
		t.Fatal("the home page read nothing from the API")
	}
	for _, r := range api.seen {
		if r.Method != http.MethodGet || r.Header.Get("Origin") != "" || r.Header.Get("Cookie") != "roster_session=s" {
			t.Errorf("read %s %s with headers %v", r.Method, r.URL, r.Header)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	rec := get(t, newFake(t, "admin"), "/ui/signup?token=secret", "")
	csp := rec.Header().Get("Content-Security-Policy")
	for _, w := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, w) {
			t.Errorf("CSP %q lacks %q", csp, w)
		}
	}
	if rec.Header().Get("Referrer-Policy") != "no-referrer" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", rec.Header())
	}
	for _, asset := range []string{"/ui/static/app.js", "/ui/static/app.css"} {
		if rec := get(t, newFake(t, "admin"), asset, ""); rec.Code != http.StatusOK || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d %v", asset, rec.Code, rec.Header())
		}
	}
}

// The chart sums hours into UTC days from the first, scales to a round
// number above the largest bar or line, and draws enabled limits of a day
// or longer at their daily pace.
func TestChart(t *testing.T) {
	first := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	usage := []usageJSON{
		{Hour: first.Add(-time.Hour), Tokens: 999},                  // before the window
		{Hour: first.Add(2 * time.Hour), Tokens: 300},               // day 0
		{Hour: first.Add(5 * time.Hour), Tokens: 200},               // day 0
		{Hour: first.Add(6*24*time.Hour + time.Hour), Tokens: 4000}, // day 6
		{Hour: first.Add(7 * 24 * time.Hour), Tokens: 999},          // after it
	}
	limits := []limitJSON{
		{TokenID: "a", Enabled: true, TokenBudget: 8, PeriodHours: 48},   // 4,000 a day
		{TokenID: "b", Enabled: false, TokenBudget: 50, PeriodHours: 24}, // not drawn
	}
	ch := newChart("c", "Workspace", first, first.Add(6*24*time.Hour+15*time.Hour), usage, limits)
	if ch.Total != 4500 || len(ch.Bars) != chartDays || ch.Bars[0].Tokens != 500 || ch.Bars[6].Tokens != 4000 || !ch.Bars[6].Today {
		t.Fatalf("total %d bars %+v", ch.Total, ch.Bars)
	}
	if len(ch.Lines) != 1 || ch.Lines[0].Label != "limit 8k / 48 h" || ch.Lines[0].Y != ch.Bars[6].Y {
		t.Errorf("lines %+v, want one at the height of the 4,000-token bar %v", ch.Lines, ch.Bars[6].Y)
	}
	if len(ch.Disabled) != 1 || ch.Disabled[0] != "50k / 24 h" {
		t.Errorf("disabled %v", ch.Disabled)
	}
	if top := ch.Ticks[2]; top.Label != "5k" || top.Y != ch.Top {
		t.Errorf("top tick %+v, want 5k at %v", top, ch.Top)
	}
	if ch.Bars[1].H != 0 || ch.Bars[1].Y != ch.Base {
		t.Errorf("an empty day has bar %+v", ch.Bars[1])
	}
}

func TestNiceCeil(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{
		{0, 10}, {7, 10}, {11, 20}, {201, 250}, {4400, 5000}, {5001, 10000}, {1e6, 1e6},
	} {
		if got := niceCeil(c.in); got != c.want {
			t.Errorf("niceCeil(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestPageLinks(t *testing.T) {
	u, _ := url.Parse("/ui/users?q=bo&page_num=1")
	prev, next := pageLinks(u, 1, 25, 60)
	if prev != "/ui/users?page_num=0&q=bo" || next != "/ui/users?page_num=2&q=bo" {
		t.Errorf("page 1 of 60 by 25: %q %q", prev, next)
	}
	if prev, next := pageLinks(u, 2, 25, 60); prev == "" || next != "" {
		t.Errorf("last page: %q %q", prev, next)
	}
}

func TestNumbers(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {1234567, "1,234,567"}, {-4500, "-4,500"}} {
		if got := number(c.n); got != c.want {
			t.Errorf("number(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	for _, c := range []struct {
		n    float64
		want string
	}{{950, "950"}, {1000, "1k"}, {1250, "1.2k"}, {3.4e6, "3.4M"}} {
		if got := tokens(c.n); got != c.want {
			t.Errorf("tokens(%v) = %q, want %q", c.n, got, c.want)
		}
	}
}
