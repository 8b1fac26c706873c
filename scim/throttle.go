package scim

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// throttle holds one token bucket (golang.org/x/time/rate) per SCIM token
// id. Buckets are made on first use; when max are held, those that have
// refilled completely (and so are indistinguishable from new ones) are
// dropped, and if none has, the oldest-made one is, which only gives its
// token a fresh burst.
type throttle struct {
	limit rate.Limit
	burst int
	max   int

	mu      sync.Mutex               // guards buckets and order
	buckets map[string]*rate.Limiter // by token id
	order   []string                 // token ids in the order their buckets were made
}

func newThrottle(limit rate.Limit, burst, max int) *throttle {
	return &throttle{limit: limit, burst: burst, max: max, buckets: map[string]*rate.Limiter{}}
}

// allow takes one request from tokenID's bucket. When the bucket is empty it
// returns false and how long until a request would be allowed.
func (t *throttle) allow(tokenID string) (bool, time.Duration) {
	lim := t.bucket(tokenID)
	r := lim.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel() // a refused request must not spend a future token
		return false, d
	}
	return true, 0
}

func (t *throttle) bucket(tokenID string) *rate.Limiter {
	t.mu.Lock()
	defer t.mu.Unlock()
	if lim, ok := t.buckets[tokenID]; ok {
		return lim
	}
	if len(t.buckets) >= t.max {
		t.evictLocked()
	}
	lim := rate.NewLimiter(t.limit, t.burst)
	t.buckets[tokenID] = lim
	t.order = append(t.order, tokenID)
	return lim
}

// evictLocked drops the buckets that are full again, or else the oldest.
// t.mu must be held.
func (t *throttle) evictLocked() {
	kept := t.order[:0]
	for _, id := range t.order {
		if t.buckets[id].Tokens() >= float64(t.burst) {
			delete(t.buckets, id)
			continue
		}
		kept = append(kept, id)
	}
	t.order = kept
	if len(t.buckets) >= t.max && len(t.order) > 0 {
		delete(t.buckets, t.order[0])
		t.order = t.order[1:]
	}
}
