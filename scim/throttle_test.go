package scim

import (
	"fmt"
	"testing"
)

func TestThrottleKeepsAtMostMaxBuckets(t *testing.T) {
	th := newThrottle(1, 2, 3)
	for i := range 10 {
		id := fmt.Sprintf("tok%d", i)
		th.allow(id)
		th.allow(id) // spent: never full again within the test
		if n := len(th.buckets); n > 3 || len(th.order) != n {
			t.Fatalf("after %d tokens: %d buckets, %d in order", i+1, n, len(th.order))
		}
	}
	// A spent token that was evicted gets a fresh bucket; one still held
	// stays spent.
	if ok, _ := th.allow("tok9"); ok {
		t.Fatal("tok9's spent bucket was forgotten while held")
	}
}

func TestThrottleEvictsFullBucketsFirst(t *testing.T) {
	th := newThrottle(1, 2, 2)
	th.allow("spent")
	th.allow("spent")
	th.bucket("full") // made, never used: full
	th.allow("new")   // the cap is reached: "full" goes, "spent" stays
	if _, ok := th.buckets["spent"]; !ok {
		t.Fatal("the spent bucket was evicted before a full one")
	}
	if _, ok := th.buckets["full"]; ok {
		t.Fatal("the full bucket was kept")
	}
	if ok, _ := th.allow("spent"); ok {
		t.Fatal("spent token allowed again at once")
	}
}
