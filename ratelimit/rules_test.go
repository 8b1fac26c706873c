package ratelimit_test

import (
	"testing"
	"time"

	"github.com/rosterhq/roster/ratelimit"
)

// rulesLimits: a user limit, group A (1/s), group B with two limits (2/s and 10/s),
// group C with a disabled limit, group D without limits, and a global limit (100/s).
func rulesLimits() []ratelimit.Limit {
	off := groupLimit("gc", "C", 1, 10*time.Second)
	off.Enabled = false
	return []ratelimit.Limit{
		userLimit("u", 10, 10*time.Second),
		groupLimit("ga", "A", 10, 10*time.Second),
		groupLimit("gb", "B", 20, 10*time.Second),
		groupLimit("gb2", "B", 100, 10*time.Second),
		off,
		globalLimit("w", 1000, 10*time.Second),
	}
}

type use struct {
	p ratelimit.Principal
	n int64
}

// TestCombinationRules runs one scenario per rule of docs/contract.md. Users x, y and z
// exhaust shared buckets without touching the checked user's own bucket.
func TestCombinationRules(t *testing.T) {
	service := ratelimit.Principal{UserID: "a", Groups: []string{"A"}, Service: true}
	anonymous := ratelimit.Principal{Anonymous: true}
	tests := []struct {
		name  string
		uses  []use
		p     ratelimit.Principal
		est   int64
		scope ratelimit.Scope // "" = admitted
		limit string
		wait  time.Duration // RetryAfter is in [wait, wait+1µs]
	}{
		{"fresh user is admitted", nil, user("a", "A", "B"), 0, "", "", 0},
		{"exhausted user limit refuses", []use{{user("a"), 15}}, user("a", "A", "B"), 0, ratelimit.ScopeUser, "u", 5 * time.Second},
		{"estimate above the level refuses", []use{{user("a"), 4}}, user("a"), 7, ratelimit.ScopeUser, "u", time.Second},
		{"estimate within the level is admitted", []use{{user("a"), 4}}, user("a"), 6, "", "", 0},
		{"one of two limited groups exhausted: admitted", []use{{user("x", "A"), 15}}, user("a", "A", "B"), 0, "", "", 0},
		{"all limited groups exhausted: shortest group wait",
			[]use{{user("x", "A"), 15}, {user("y", "B"), 25}}, user("a", "A", "B"), 0, ratelimit.ScopeGroup, "gb", 2500 * time.Millisecond},
		{"a group waits for its slowest exhausted limit",
			[]use{{user("y", "B"), 101}}, user("a", "B"), 0, ratelimit.ScopeGroup, "gb", 10 * time.Second}, // gb floored at -20: 10s; gb2 at -1: 0.1s
		{"the group with the shorter wait sets the group scope's wait",
			[]use{{user("x", "A"), 15}, {user("y", "B"), 101}}, user("a", "A", "B"), 0, ratelimit.ScopeGroup, "ga", 5 * time.Second},
		{"a group without limits does not shield", []use{{user("x", "A"), 15}}, user("a", "A", "D"), 0, ratelimit.ScopeGroup, "ga", 5 * time.Second},
		{"a group with only a disabled limit is not limited", []use{{user("x", "A"), 15}}, user("a", "A", "C"), 0, ratelimit.ScopeGroup, "ga", 5 * time.Second},
		{"disabled limit neither refuses nor is charged", []use{{user("x", "C"), 50}}, user("a", "C"), 0, "", "", 0},
		{"user in no limited group is never group-blocked",
			[]use{{user("x", "A"), 15}, {user("y", "B"), 25}}, user("a", "D", "C"), 0, "", "", 0},
		{"user in no group is never group-blocked", []use{{user("x", "A"), 15}}, user("a"), 0, "", "", 0},
		{"listing a group twice counts it once", []use{{user("x", "A", "A"), 5}, {user("y", "A"), 5}}, user("a", "A"), 1, ratelimit.ScopeGroup, "ga", time.Second},
		{"exhausted global limit refuses users", []use{{user("x"), 1010}}, user("a"), 0, ratelimit.ScopeGlobal, "w", 100 * time.Millisecond},
		{"exhausted global limit refuses service principals", []use{{user("x"), 1010}}, service, 0, ratelimit.ScopeGlobal, "w", 100 * time.Millisecond},
		{"exhausted global limit refuses anonymous callers", []use{{user("x"), 1010}}, anonymous, 0, ratelimit.ScopeGlobal, "w", 100 * time.Millisecond},
		{"service principal meets global limits only", []use{{user("a"), 15}, {user("x", "A"), 15}}, service, 0, "", "", 0},
		{"anonymous caller meets global limits only", []use{{user("x", "A"), 15}}, ratelimit.Principal{Anonymous: true, Groups: []string{"A"}}, 0, "", "", 0},
		{"service usage charges the global limit only", []use{{service, 15}}, user("a", "A"), 0, "", "", 0},
		{"longest wait wins: user over global", []use{{user("a"), 15}, {user("x"), 1000}}, user("a"), 0, ratelimit.ScopeUser, "u", 5 * time.Second},
		{"longest wait wins: global over user", []use{{user("a"), 15}, {user("x"), 2000}}, user("a"), 0, ratelimit.ScopeGlobal, "w", 10 * time.Second}, // floored at -1000
		{"longest wait wins: group over user",
			[]use{{user("a"), 11}, {user("x", "A"), 30}}, user("a", "A"), 0, ratelimit.ScopeGroup, "ga", 10 * time.Second}, // floored at -10
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newEngine(t, rulesLimits()...)
			for _, u := range tt.uses {
				record(t, e, u.p, u.n)
			}
			le := refusal(t, e.Check(tt.p, tt.est))
			if tt.scope == "" {
				if le != nil {
					t.Fatalf("Check = %v, want nil", le)
				}
				return
			}
			if le == nil {
				t.Fatalf("Check = nil, want a refusal by %s limit %q", tt.scope, tt.limit)
			}
			if le.Scope != tt.scope || le.LimitID != tt.limit {
				t.Errorf("refused by %s limit %q, want %s limit %q", le.Scope, le.LimitID, tt.scope, tt.limit)
			}
			if le.RetryAfter < tt.wait || le.RetryAfter > tt.wait+time.Microsecond {
				t.Errorf("RetryAfter = %v, want %v (+ at most 1µs)", le.RetryAfter, tt.wait)
			}
		})
	}
}

// TestGroupsApplyAtNextCheck changes a user's groups and the group limits between
// checks; the cached resolution must follow both.
func TestGroupsApplyAtNextCheck(t *testing.T) {
	e, _ := newEngine(t, rulesLimits()...)
	record(t, e, user("x", "A"), 15)
	steps := []struct {
		edit    func() error
		p       ratelimit.Principal
		refused bool
	}{
		{nil, user("a", "A"), true},
		{nil, user("a", "B"), false},      // moved to B
		{nil, user("a", "A"), true},       // back in A
		{nil, user("a", "A", "B"), false}, // joined B too
		{nil, user("a", "B", "A"), false}, // same groups, other order
		{nil, user("a", "D"), false},
		{func() error { return e.Upsert(groupLimit("gd", "D", 5, time.Minute)) }, user("a", "D"), false},
		{func() error { return e.Record(user("z", "D"), 5) }, user("a", "D"), true}, // D's new pool is shared
		{func() error { return e.Remove("gd") }, user("a", "D"), false},
		{func() error { return e.Remove("ga") }, user("a", "A"), false},
	}
	for i, s := range steps {
		if s.edit != nil {
			if err := s.edit(); err != nil {
				t.Fatalf("step %d: edit: %v", i, err)
			}
		}
		if got := refusal(t, e.Check(s.p, 0)) != nil; got != s.refused {
			t.Errorf("step %d: Check(%v) refused = %v, want %v", i, s.p.Groups, got, s.refused)
		}
	}
}

// TestStatus reports per scope and per limit.
func TestStatus(t *testing.T) {
	e, _ := newEngine(t, rulesLimits()...)
	record(t, e, user("x", "A"), 4)  // A: 6 left
	record(t, e, user("y", "B"), 15) // B: gb 5, gb2 85 left
	record(t, e, user("a"), 3)       // user a: 7 left
	st, err := e.Status(user("a", "A", "B", "C", "D"))
	if err != nil {
		t.Fatal(err)
	}
	scopes := []struct {
		name    string
		got     ratelimit.ScopeStatus
		limited bool
		rem     float64
		limits  map[string]float64
	}{
		{"user", st.User, true, 7, map[string]float64{"u": 7}},
		{"group", st.Group, true, 6, map[string]float64{"ga": 6, "gb": 5, "gb2": 85}},
		{"global", st.Global, true, 1000 - 22, map[string]float64{"w": 978}},
	}
	for _, s := range scopes {
		if s.got.Limited != s.limited || s.got.Remaining != s.rem || len(s.got.Limits) != len(s.limits) {
			t.Errorf("%s: %+v, want limited %v, remaining %v, %d limits", s.name, s.got, s.limited, s.rem, len(s.limits))
		}
		for _, l := range s.got.Limits {
			if want, ok := s.limits[l.Limit.ID]; !ok || l.Remaining != want {
				t.Errorf("%s: limit %q remaining %v, want %v (listed: %v)", s.name, l.Limit.ID, l.Remaining, want, ok)
			}
		}
	}
	svc, err := e.Status(ratelimit.Principal{Service: true, Groups: []string{"A"}})
	if err != nil {
		t.Fatal(err)
	}
	if svc.User.Limited || svc.Group.Limited || !svc.Global.Limited {
		t.Errorf("service Status = %+v, want only the global scope limited", svc)
	}
}
