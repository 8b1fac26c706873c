package ratelimit_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/rosterhq/roster/ratelimit"
)

func TestLimitValidate(t *testing.T) {
	ok := userLimit("u", 10, time.Hour)
	tests := []struct {
		name  string
		edit  func(*ratelimit.Limit)
		field string // "" = valid
	}{
		{"valid", func(*ratelimit.Limit) {}, ""},
		{"period of exactly a year", func(l *ratelimit.Limit) { l.Period = 365 * 24 * time.Hour }, ""},
		{"budget of MaxTokens", func(l *ratelimit.Limit) { l.Budget = ratelimit.MaxTokens }, ""},
		{"empty id", func(l *ratelimit.Limit) { l.ID = "" }, "ID"},
		{"zero budget", func(l *ratelimit.Limit) { l.Budget = 0 }, "Budget"},
		{"negative budget", func(l *ratelimit.Limit) { l.Budget = -5 }, "Budget"},
		{"budget above MaxTokens", func(l *ratelimit.Limit) { l.Budget = ratelimit.MaxTokens + 1 }, "Budget"},
		{"zero period", func(l *ratelimit.Limit) { l.Period = 0 }, "Period"},
		{"negative period", func(l *ratelimit.Limit) { l.Period = -time.Second }, "Period"},
		{"period over a year", func(l *ratelimit.Limit) { l.Period = 365*24*time.Hour + time.Nanosecond }, "Period"},
		{"unknown scope", func(l *ratelimit.Limit) { l.Scope = "team" }, "Scope"},
		{"empty scope", func(l *ratelimit.Limit) { l.Scope = "" }, "Scope"},
		{"group scope without group", func(l *ratelimit.Limit) { l.Scope = ratelimit.ScopeGroup }, "GroupID"},
		{"user scope with group", func(l *ratelimit.Limit) { l.GroupID = "g" }, "GroupID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := ok
			tt.edit(&l)
			err := l.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ie *ratelimit.InvalidError
			if !errors.Is(err, ratelimit.ErrInvalid) || !errors.As(err, &ie) {
				t.Fatalf("Validate() = %v, want an *InvalidError matching ErrInvalid", err)
			}
			if ie.Field != tt.field {
				t.Errorf("Field = %q, want %q (error %v)", ie.Field, tt.field, err)
			}
		})
	}
}

func TestInvalidEditsChangeNothing(t *testing.T) {
	e, _ := newEngine(t, userLimit("u", 10, time.Hour))
	want := e.Limits()
	bad := userLimit("v", 0, time.Hour)
	dup := []ratelimit.Limit{userLimit("a", 1, time.Hour), userLimit("a", 2, time.Hour)}
	for name, err := range map[string]error{
		"SetLimits with an invalid limit": e.SetLimits([]ratelimit.Limit{userLimit("w", 5, time.Hour), bad}),
		"SetLimits with a duplicate id":   e.SetLimits(dup),
		"Upsert of an invalid limit":      e.Upsert(bad),
	} {
		if !errors.Is(err, ratelimit.ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
	if got := e.Limits(); len(got) != 1 || got[0] != want[0] {
		t.Errorf("Limits() = %+v, want %+v", got, want)
	}
	if err := e.Remove("nope"); !errors.Is(err, ratelimit.ErrNotFound) {
		t.Errorf("Remove(unknown) = %v, want ErrNotFound", err)
	}
}

func TestInvalidCalls(t *testing.T) {
	e, _ := newEngine(t, userLimit("u", 10, time.Hour), groupLimit("g", "g1", 10, time.Hour))
	tests := []struct {
		name string
		err  error
	}{
		{"Record negative tokens", e.Record(user("a"), -1)},
		{"Record above MaxTokens", e.Record(user("a"), ratelimit.MaxTokens+1)},
		{"Check negative estimate", e.Check(user("a"), -1)},
		{"Check without user id", e.Check(ratelimit.Principal{}, 0)},
		{"Record without user id", e.Record(ratelimit.Principal{Groups: []string{"g1"}}, 1)},
		{"Check with an empty group id", e.Check(user("a", "g1", ""), 0)},
		{"Record with an empty group id", e.Record(user("a", ""), 1)},
		{"Restore without limit id", e.Restore([]ratelimit.BucketState{{Key: "a", At: epoch}})},
		{"Restore without time", e.Restore([]ratelimit.BucketState{{LimitID: "u", Key: "a"}})},
		{"Restore NaN tokens", e.Restore([]ratelimit.BucketState{{LimitID: "u", Key: "a", Tokens: math.NaN(), At: epoch}})},
		{"Restore infinite tokens", e.Restore([]ratelimit.BucketState{{LimitID: "u", Key: "a", Tokens: math.Inf(-1), At: epoch}})},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, ratelimit.ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", tt.name, tt.err)
		}
	}
	_, err := e.Status(ratelimit.Principal{})
	if !errors.Is(err, ratelimit.ErrInvalid) {
		t.Errorf("Status without user id: error %v, want ErrInvalid", err)
	}
	// Nothing was charged, created or restored by the refused calls.
	if st := e.Stats(); st.Users != 0 {
		t.Errorf("Stats().Users = %d after invalid calls, want 0", st.Users)
	}
	if got := remaining(t, e, user("a", "g1"), "u"); got != 10 {
		t.Errorf("user bucket after invalid calls = %v, want 10", got)
	}
	if got := remaining(t, e, user("a", "g1"), "g"); got != 10 {
		t.Errorf("group bucket after invalid calls = %v, want 10", got)
	}
	if rows := e.DrainUsage(); len(rows) != 0 {
		t.Errorf("usage after invalid calls: %+v", rows)
	}
}
