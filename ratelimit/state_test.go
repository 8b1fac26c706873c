package ratelimit_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/rosterhq/roster/ratelimit"
)

func stateLimits() []ratelimit.Limit {
	return []ratelimit.Limit{
		userLimit("u", 10, 10*time.Second),
		groupLimit("g", "g1", 10, 10*time.Second),
		globalLimit("w", 100, 100*time.Second),
	}
}

// TestSnapshotRestore saves the buckets, "restarts" 3 seconds later and checks every
// level came back refilled by the elapsed time.
func TestSnapshotRestore(t *testing.T) {
	e, c := newEngine(t, stateLimits()...)
	record(t, e, user("a", "g1"), 4)
	record(t, e, user("b"), 15)
	record(t, e, user("full"), 1)
	c.Advance(time.Second) // "full" is back to 10: left out of the snapshot
	got := e.Snapshot()
	at := epoch.Add(time.Second)
	want := []ratelimit.BucketState{
		{LimitID: "g", Key: "g1", Tokens: 7, At: at},
		{LimitID: "u", Key: "a", Tokens: 7, At: at},
		{LimitID: "u", Key: "b", Tokens: -4, At: at},
		{LimitID: "w", Key: "", Tokens: 81, At: at},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Snapshot() =\n%+v\nwant\n%+v", got, want)
	}

	e2, c2 := newEngine(t, stateLimits()...)
	c2.Advance(4 * time.Second) // 3s after the snapshot
	if err := e2.Restore(got); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		p     ratelimit.Principal
		limit string
		want  float64
	}{
		{user("a", "g1"), "u", 10}, // 7 + 3, capped
		{user("a", "g1"), "g", 10},
		{user("b"), "u", -1},
		{user("b"), "w", 84},
		{user("full"), "u", 10},
	} {
		if got := remaining(t, e2, tt.p, tt.limit); got != tt.want {
			t.Errorf("after Restore, %s of %s = %v, want %v", tt.limit, tt.p.UserID, got, tt.want)
		}
	}
	if err := e2.Check(user("b"), 0); refusal(t, err) == nil {
		t.Errorf("user b restored in debt: Check succeeded")
	}
}

// TestRestoreEdgeCases: levels only go down, stale states are skipped, a future At
// gives no refill, a smaller budget caps the level.
func TestRestoreEdgeCases(t *testing.T) {
	limits := stateLimits()
	limits[0].Budget, limits[0].Period = 5, 5*time.Second // u: 5 per 5s, still 1/s
	e, c := newEngine(t, limits...)
	c.Advance(time.Hour)
	now := c.Now()
	record(t, e, user("low"), 4) // 1 left
	states := []ratelimit.BucketState{
		{LimitID: "u", Key: "low", Tokens: 3, At: now},                         // already lower: stays 1
		{LimitID: "u", Key: "capped", Tokens: 9, At: now},                      // capped at 5
		{LimitID: "u", Key: "future", Tokens: -2, At: now.Add(time.Minute)},    // no refill
		{LimitID: "u", Key: "past", Tokens: -8, At: now.Add(-5 * time.Second)}, // -3
		{LimitID: "u", Key: "deep", Tokens: -20, At: now},                      // floored at -5
		{LimitID: "u", Key: "frac", Tokens: 2.5, At: now},                      // whole tokens: 2
		{LimitID: "u", Key: "refilled", Tokens: -5, At: now.Add(-time.Hour)},   // full: nothing made
		{LimitID: "gone", Key: "x", Tokens: -5, At: now},
		{LimitID: "g", Key: "g2", Tokens: -5, At: now}, // not g's group
		{LimitID: "w", Key: "x", Tokens: -5, At: now},  // global has no key
		{LimitID: "u", Key: "", Tokens: -5, At: now},   // user limit needs a key
	}
	if err := e.Restore(states); err != nil {
		t.Fatal(err)
	}
	// low, future, past, deep and frac hold a bucket; capped and refilled are full and
	// the other states stale, so they made none (besides the global and group limits' own).
	if got := e.Stats().Buckets; got != 5+2 {
		t.Errorf("Stats().Buckets = %d after Restore, want 7", got)
	}
	for _, tt := range []struct {
		p     ratelimit.Principal
		limit string
		want  float64
	}{
		{user("low"), "u", 1},
		{user("capped"), "u", 5},
		{user("future"), "u", -2},
		{user("past"), "u", -3},
		{user("deep"), "u", -5},
		{user("frac"), "u", 2},
		{user("x", "g1", "g2"), "g", 10},
		{user("x"), "w", 96},
	} {
		if got := remaining(t, e, tt.p, tt.limit); got != tt.want {
			t.Errorf("%s of %s = %v, want %v", tt.limit, tt.p.UserID, got, tt.want)
		}
	}
}

// TestRestoreWithoutElapsedTime restores at the snapshot's instant, so every
// scope's level must come back exactly (a refill could hide a skipped state).
func TestRestoreWithoutElapsedTime(t *testing.T) {
	e, _ := newEngine(t, stateLimits()...)
	record(t, e, user("a", "g1"), 4)
	e2, _ := newEngine(t, stateLimits()...)
	if err := e2.Restore(e.Snapshot()); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		limit string
		want  float64
	}{
		{"u", 6},
		{"g", 6},
		{"w", 96},
	} {
		if got := remaining(t, e2, user("a", "g1"), tt.limit); got != tt.want {
			t.Errorf("after Restore at the snapshot's time, %s = %v, want %v", tt.limit, got, tt.want)
		}
	}
}
