package ratelimit_test

import (
	"errors"
	"testing"
	"time"

	"github.com/rosterhq/roster/ratelimit"
)

func TestForgetDropsTheUsersBucketsAndKeepsUsage(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	e := ratelimit.New(ratelimit.Config{Now: func() time.Time { return at }})
	limits := []ratelimit.Limit{
		{ID: "u", Scope: ratelimit.ScopeUser, Budget: 10, Period: time.Hour, Enabled: true},
		{ID: "g", Scope: ratelimit.ScopeGroup, GroupID: "g1", Budget: 100, Period: time.Hour, Enabled: true},
	}
	if err := e.SetLimits(limits); err != nil {
		t.Fatal(err)
	}
	alice := ratelimit.Principal{UserID: "alice", Groups: []string{"g1"}}
	bob := ratelimit.Principal{UserID: "bob"}
	for _, p := range []ratelimit.Principal{alice, bob} {
		if err := e.Record(p, 15); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Check(alice, 0); !errors.Is(err, ratelimit.ErrRateLimited) {
		t.Fatalf("Check in debt = %v, want ErrRateLimited", err)
	}
	if got := e.Forget("alice"); got != 1 {
		t.Fatalf("Forget(alice) = %d buckets, want 1", got)
	}
	if got := e.Forget("alice"); got != 0 {
		t.Fatalf("second Forget(alice) = %d, want 0", got)
	}
	if got := e.Forget("nobody"); got != 0 {
		t.Fatalf("Forget(nobody) = %d, want 0", got)
	}
	if got := e.Stats(); got.Users != 1 {
		t.Fatalf("users held after Forget = %d, want 1 (bob)", got.Users)
	}
	// alice starts over with a full user bucket; the group's shared pool and bob
	// are untouched.
	st, err := e.Status(alice)
	if err != nil {
		t.Fatal(err)
	}
	if st.User.Remaining != 10 || st.Group.Remaining != 85 {
		t.Fatalf("alice after Forget: user %v group %v, want 10 and 85", st.User.Remaining, st.Group.Remaining)
	}
	if err := e.Check(bob, 0); !errors.Is(err, ratelimit.ErrRateLimited) {
		t.Fatalf("bob's Check = %v, want ErrRateLimited: Forget(alice) must not touch bob", err)
	}
	var alicesUsage int64
	for _, r := range e.DrainUsage() {
		if r.UserID == "alice" && r.GroupID == "" {
			alicesUsage += r.Tokens
		}
	}
	if alicesUsage != 15 {
		t.Fatalf("alice's usage after Forget = %d, want 15 (usage outlives the user)", alicesUsage)
	}
}
