package ratelimit_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/ratelimit"
)

// The main path: Check before a model call, Record after it, and a refusal with its
// retry-after. The clock is fixed so that the output is stable; production code
// leaves Config.Now unset.
func Example() {
	now := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	e := ratelimit.New(ratelimit.Config{Now: func() time.Time { return now }})
	err := e.SetLimits([]ratelimit.Limit{
		{ID: "per-user", Scope: ratelimit.ScopeUser, Budget: 3600, Period: time.Hour, Enabled: true},
		{ID: "workspace", Scope: ratelimit.ScopeGlobal, Budget: 100_000, Period: time.Hour, Enabled: true},
	})
	if err != nil {
		panic(err)
	}
	alice := ratelimit.Principal{UserID: "alice", Groups: []string{"research"}}

	fmt.Println(e.Check(alice, 500)) // estimated 500 tokens: admitted
	if err := e.Record(alice, 4000); err != nil {
		panic(err) // the call used 4000: the bucket is 400 in debt
	}
	err = e.Check(alice, 100)
	var refused *ratelimit.LimitError
	if errors.As(err, &refused) {
		fmt.Printf("refused by %s limit %q, retry after %v\n", refused.Scope, refused.LimitID, refused.RetryAfter)
	}
	fmt.Println(errors.Is(err, ratelimit.ErrRateLimited))

	now = now.Add(refused.RetryAfter) // 500 tokens at 1 per second
	fmt.Println(e.Check(alice, 100))
	// Output:
	// <nil>
	// refused by user limit "per-user", retry after 8m20s
	// true
	// <nil>
}

func ExampleEngine_Status() {
	now := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	e := ratelimit.New(ratelimit.Config{Now: func() time.Time { return now }})
	err := e.SetLimits([]ratelimit.Limit{
		{ID: "per-user", Scope: ratelimit.ScopeUser, Budget: 1000, Period: time.Hour, Enabled: true},
		{ID: "research", Scope: ratelimit.ScopeGroup, GroupID: "research", Budget: 5000, Period: time.Hour, Enabled: true},
	})
	if err != nil {
		panic(err)
	}
	bob := ratelimit.Principal{UserID: "bob", Groups: []string{"research"}}
	if err := e.Record(bob, 300); err != nil {
		panic(err)
	}
	st, err := e.Status(bob)
	if err != nil {
		panic(err)
	}
	fmt.Println("user:", st.User.Remaining, "group:", st.Group.Remaining, "global limited:", st.Global.Limited)
	// Output:
	// user: 700 group: 4700 global limited: false
}

// Bucket levels are saved as tokens at a time, and come back refilled by the time
// that passed.
func ExampleEngine_Restore() {
	now := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	limits := []ratelimit.Limit{{ID: "per-user", Scope: ratelimit.ScopeUser, Budget: 3600, Period: time.Hour, Enabled: true}}
	before := ratelimit.New(ratelimit.Config{Now: clock})
	if err := before.SetLimits(limits); err != nil {
		panic(err)
	}
	if err := before.Record(ratelimit.Principal{UserID: "carol"}, 5000); err != nil {
		panic(err)
	}
	saved := before.Snapshot()
	fmt.Printf("%s/%s: %v tokens\n", saved[0].LimitID, saved[0].Key, saved[0].Tokens)

	now = now.Add(10 * time.Minute) // the process restarts
	after := ratelimit.New(ratelimit.Config{Now: clock})
	if err := after.SetLimits(limits); err != nil {
		panic(err)
	}
	if err := after.Restore(saved); err != nil {
		panic(err)
	}
	st, err := after.Status(ratelimit.Principal{UserID: "carol"})
	if err != nil {
		panic(err)
	}
	fmt.Println("after 10 minutes:", st.User.Remaining)
	// Output:
	// per-user/carol: -1400 tokens
	// after 10 minutes: -800
}
