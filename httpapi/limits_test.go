package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/ratelimit"
)

type limitJSON struct {
	TokenID     string   `json:"token_id"`
	Enabled     bool     `json:"enabled"`
	TokenBudget float64  `json:"token_budget"`
	PeriodHours float64  `json:"period_hours"`
	Remaining   *float64 `json:"remaining"`
}

func limitArgs(enabled bool, budget, hours any) map[string]any {
	return map[string]any{"enabled": enabled, "token_budget": budget, "period_hours": hours}
}

// wantLimit checks a limit in the response and records its id in *id.
func wantLimit(id *string, enabled bool, budget, hours float64) func(*testing.T, *httptest.ResponseRecorder) {
	return func(t *testing.T, rec *httptest.ResponseRecorder) {
		t.Helper()
		var l limitJSON
		decodeBody(t, rec, &l)
		if l.TokenID == "" || l.Enabled != enabled || l.TokenBudget != budget || l.PeriodHours != hours {
			t.Errorf("limit %+v, want enabled=%v budget=%v hours=%v", l, enabled, budget, hours)
		}
		if id != nil {
			*id = l.TokenID
		}
	}
}

func wantLimits(n int) func(*testing.T, *httptest.ResponseRecorder) {
	return func(t *testing.T, rec *httptest.ResponseRecorder) {
		t.Helper()
		var ls []limitJSON
		decodeBody(t, rec, &ls)
		if len(ls) != n {
			t.Errorf("%d limits %+v, want %d", len(ls), ls, n)
		}
	}
}

// badLimits are bodies every limit endpoint refuses, each naming its field.
func badLimits() []scenario {
	bad := []struct {
		name, field string
		body        any
	}{
		{"budget 0", "token_budget", limitArgs(true, 0, 1)},
		{"negative budget", "token_budget", limitArgs(true, -5, 1)},
		{"budget overflowing the library's tokens", "token_budget", limitArgs(true, int64(1)<<60, 1)},
		{"budget a string", "token_budget", limitArgs(true, "5", 1)},
		{"fractional budget", "token_budget", limitArgs(true, 1.5, 1)},
		{"period 0", "period_hours", limitArgs(true, 5, 0)},
		{"period over a year", "period_hours", limitArgs(true, 5, 9000)},
		{"enabled missing", "enabled", map[string]any{"token_budget": 5, "period_hours": 1}},
		{"enabled a number", "enabled", map[string]any{"enabled": 1, "token_budget": 5, "period_hours": 1}},
	}
	var out []scenario
	for _, b := range bad {
		out = append(out, scenario{name: b.name, as: admin, body: b.body, status: 400, code: httpapi.CodeInvalidInput, detail: b.field})
	}
	return out
}

func TestGlobalAndUserLimits(t *testing.T) {
	for _, scope := range []string{"global", "users"} {
		t.Run(scope, func(t *testing.T) {
			w := newWorld(t)
			path := "/admin/token-rate-limits/" + scope
			var id string
			w.run(t, http.MethodPost, path, append(append(refusals(limitArgs(true, 5, 24)), badLimits()...),
				scenario{as: admin, body: limitArgs(true, 5, 24), status: http.StatusCreated, check: wantLimit(&id, true, 5, 24)}))
			ls, err := w.ws.Limits().ListLimits(w.ctx, roster.System)
			want := ratelimit.Limit{ID: id, Scope: ratelimit.ScopeGlobal, Budget: 5000, Period: 24 * time.Hour, Enabled: true}
			if scope == "users" {
				want.Scope = ratelimit.ScopeUser
			}
			if err != nil || len(ls) != 1 || !reflect.DeepEqual(ls[0], want) {
				t.Errorf("library limits %+v (%v), want %+v: token_budget is in thousands", ls, err, want)
			}
			w.run(t, http.MethodGet, path, append(refusals(nil), okRow(admin, nil, wantLimits(1))))
		})
	}
}

func TestGroupLimits(t *testing.T) {
	w := newWorld(t)
	path := func(id string) string { return "/admin/token-rate-limits/user-group/" + id }
	var id string
	w.run(t, http.MethodPost, path(w.team.ID), append(append(refusals(limitArgs(true, 2, 1)), badLimits()...),
		scenario{name: "unknown group", as: admin, path: path("nope"), body: limitArgs(true, 2, 1), status: 404, code: httpapi.CodeNotFound},
		scenario{name: "group of another workspace", as: admin, path: path(w.acmeTeam.ID), body: limitArgs(true, 2, 1), status: 404, code: httpapi.CodeNotFound},
		scenario{as: admin, body: limitArgs(false, 2, 1), status: http.StatusCreated, check: wantLimit(&id, false, 2, 1)},
	))
	w.run(t, http.MethodGet, path(w.team.ID), append(w.scopeRows(path, nil),
		okRow(admin, nil, wantLimits(1)),
		okRow(gcurator, nil, wantLimits(1)),
		okRow(curator, nil, wantLimits(1)),
	))
	w.run(t, http.MethodGet, "/admin/token-rate-limits/user-groups", append(refusals(nil),
		okRow(admin, nil, func(t *testing.T, rec *httptest.ResponseRecorder) {
			var got map[string][]limitJSON
			decodeBody(t, rec, &got)
			if len(got) != 1 || len(got["team"]) != 1 || got["team"][0].TokenID != id {
				t.Errorf("by group name: %+v", got)
			}
		})))
}

func TestUpdateAndDeleteLimit(t *testing.T) {
	w := newWorld(t)
	l, err := w.ws.Limits().CreateLimit(w.ctx, roster.System, ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: w.team.ID,
		Budget: 1500, Period: 90 * time.Minute, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	acme, err := w.dir.Workspace(w.ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := acme.Limits().CreateLimit(w.ctx, roster.System, ratelimit.Limit{Scope: ratelimit.ScopeGlobal, Budget: 1, Period: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	w.run(t, http.MethodGet, "/admin/token-rate-limits/user-group/"+w.team.ID, []scenario{
		okRow(admin, nil, func(t *testing.T, rec *httptest.ResponseRecorder) {
			var ls []limitJSON
			decodeBody(t, rec, &ls)
			if len(ls) != 1 || ls[0].TokenBudget != 1.5 || ls[0].PeriodHours != 1.5 {
				t.Errorf("a library limit of 1500 tokens per 90 minutes shows as %+v", ls)
			}
		})})

	path := "/admin/token-rate-limits/rate-limit/" + l.ID
	w.run(t, http.MethodPut, path, append(append(refusals(limitArgs(false, 7, 2)), badLimits()...),
		scenario{name: "unknown", as: admin, path: "/admin/token-rate-limits/rate-limit/nope", body: limitArgs(false, 7, 2), status: 404, code: httpapi.CodeNotFound},
		scenario{name: "another workspace's", as: admin, path: "/admin/token-rate-limits/rate-limit/" + foreign.ID, body: limitArgs(false, 7, 2),
			status: 404, code: httpapi.CodeNotFound},
		okRow(admin, limitArgs(false, 7, 2), wantLimit(nil, false, 7, 2)),
	))
	got, err := w.ws.Limits().GroupLimits(w.ctx, roster.System, w.team.ID)
	if err != nil || len(got) != 1 || got[0].Scope != ratelimit.ScopeGroup || got[0].Budget != 7000 {
		t.Errorf("after PUT: %+v (%v), want the team's limit of 7000 tokens", got, err)
	}
	w.run(t, http.MethodDelete, path, append(refusals(nil),
		scenario{name: "another workspace's", as: admin, path: "/admin/token-rate-limits/rate-limit/" + foreign.ID, status: 404, code: httpapi.CodeNotFound},
		scenario{as: admin, status: http.StatusNoContent},
		scenario{name: "deleted already", as: admin, status: 404, code: httpapi.CodeNotFound},
	))
}

func TestTokenUsageAndBudget(t *testing.T) {
	w := newWorld(t)
	if _, err := w.ws.Limits().CreateLimit(w.ctx, roster.System, ratelimit.Limit{Scope: ratelimit.ScopeUser,
		Budget: 5000, Period: time.Hour, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := w.ws.Limits().Record(w.ctx, w.users[basic].ID, 1500); err != nil {
		t.Fatal(err)
	}
	now := w.clock.Now()
	span := "since=" + now.Add(-time.Hour).Format(time.RFC3339) + "&until=" + now.Add(time.Hour).Format(time.RFC3339)
	wantUsage := func(tokens int64) func(*testing.T, *httptest.ResponseRecorder) {
		return func(t *testing.T, rec *httptest.ResponseRecorder) {
			var got []struct {
				Hour   time.Time `json:"hour"`
				Tokens int64     `json:"tokens"`
			}
			decodeBody(t, rec, &got)
			if len(got) != 1 || got[0].Tokens != tokens || !got[0].Hour.Equal(now.Truncate(time.Hour)) {
				t.Errorf("usage %+v, want %d tokens in the hour of %v", got, tokens, now)
			}
		}
	}
	wantNoUsage := func(t *testing.T, rec *httptest.ResponseRecorder) {
		var got []struct {
			Tokens int64 `json:"tokens"`
		}
		decodeBody(t, rec, &got)
		if got == nil || len(got) != 0 {
			t.Errorf("usage %+v, want []", got)
		}
	}
	path := "/admin/token-usage?" + span
	w.run(t, http.MethodGet, path, append(refusals(nil),
		okRow(admin, nil, wantUsage(1500)),
		scenario{name: "group", as: admin, path: path + "&group_id=" + w.team.ID, status: 200, check: wantUsage(1500)},
		scenario{name: "user", as: admin, path: path + "&user_id=" + w.users[basic].ID, status: 200, check: wantUsage(1500)},
		scenario{name: "both", as: admin, path: path + "&user_id=x&group_id=y", status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "bad since", as: admin, path: "/admin/token-usage?since=yesterday", status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "unknown group", as: admin, path: path + "&group_id=nope", status: 404, code: httpapi.CodeNotFound},
		scenario{name: "unknown user", as: admin, path: path + "&user_id=nope", status: 404, code: httpapi.CodeNotFound},
		scenario{name: "user without usage", as: admin, path: path + "&user_id=" + w.users[gcurator].ID, status: 200, check: wantNoUsage},
		// The default range is read on the Directory's clock, which stands
		// months before the wall clock: on time.Now the usage would fall
		// outside the last 30 days.
		scenario{name: "default range", as: admin, path: "/admin/token-usage", status: 200, check: wantUsage(1500)},
	))

	budget := func(user float64) func(*testing.T, *httptest.ResponseRecorder) {
		return func(t *testing.T, rec *httptest.ResponseRecorder) {
			var got map[string]struct {
				Limited   bool        `json:"limited"`
				Remaining float64     `json:"remaining"`
				Limits    []limitJSON `json:"limits"`
			}
			decodeBody(t, rec, &got)
			u := got["user"]
			if !u.Limited || u.Remaining != user || len(u.Limits) != 1 || u.Limits[0].Remaining == nil ||
				*u.Limits[0].Remaining != user || got["global"].Limited || got["group"].Limited {
				t.Errorf("budget %+v, want user scope %v (thousands) left", got, user)
			}
		}
	}
	w.run(t, http.MethodGet, "/me/token-budget", []scenario{
		okRow(admin, nil, budget(5)),
		okRow(gcurator, nil, budget(5)),
		okRow(curator, nil, budget(5)),
		okRow(basic, nil, budget(3.5)),
		okRow(limited, nil, budget(5)),
		refuse(deactivated, nil, 401, httpapi.CodeNotSignedIn),
		refuse(signedOut, nil, 401, httpapi.CodeNotSignedIn),
	})
}

// A rate-limit refusal from the library is written as 429 RATE_LIMITED with
// Retry-After in whole seconds.
func TestRateLimitedError(t *testing.T) {
	w := newWorld(t)
	if _, err := w.ws.Limits().CreateLimit(w.ctx, roster.System, ratelimit.Limit{Scope: ratelimit.ScopeUser,
		Budget: 100, Period: time.Hour, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	id := w.users[basic].ID
	if err := w.ws.Limits().Record(w.ctx, id, 150); err != nil {
		t.Fatal(err)
	}
	err := w.ws.Limits().Check(w.ctx, id, 0)
	rec := httptest.NewRecorder()
	httpapi.WriteError(rec, httptest.NewRequest(http.MethodPost, "/chat", nil), nil, err)
	var e apiError
	decodeBody(t, rec, &e)
	secs, perr := strconv.Atoi(rec.Header().Get("Retry-After"))
	// 50 tokens of debt at 100 per hour: 30 minutes, which x/time/rate's
	// float arithmetic may put a nanosecond later; rounding up, never down,
	// makes that 1801.
	if rec.Code != 429 || e.Code != httpapi.CodeRateLimited || perr != nil || secs < 1800 || secs > 1801 {
		t.Errorf("got %d %+v Retry-After %q, want 429 RATE_LIMITED and Retry-After 1800",
			rec.Code, e, rec.Header().Get("Retry-After"))
	}
	// The detail names the user scope ("Your") and the same whole seconds.
	if want := "Your token budget is spent; try again in " + strconv.Itoa(secs) + " seconds."; e.Detail != want {
		t.Errorf("detail %q, want %q", e.Detail, want)
	}
}
