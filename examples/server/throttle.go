package main

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxThrottleKeys bounds the throttle's memory: about 200 bytes a key.
const maxThrottleKeys = 10000

// throttle limits sign-in attempts per (what, email, client IP) with one
// token bucket each: burst attempts at once, then one per interval. It lives
// in this process only; a restart forgets it. The client IP is the
// connection's peer: behind a reverse proxy every client shares the proxy's
// address, and an application there reads the proxy's header instead.
//
// Keys are bounded: at the cap, buckets that have refilled (they are
// indistinguishable from new ones) are dropped, and if none has, one
// arbitrary key. A throttle is safe for concurrent use.
type throttle struct {
	now   func() time.Time
	limit rate.Limit
	burst int

	mu   sync.Mutex // guards keys
	keys map[string]*rate.Limiter
}

func newThrottle(burst int, every time.Duration, now func() time.Time) *throttle {
	return &throttle{now: now, limit: rate.Every(every), burst: burst, keys: map[string]*rate.Limiter{}}
}

// allow takes one attempt for (what, email, the request's client IP). It
// returns nil or a *throttledError saying when to retry.
func (t *throttle) allow(what, email string, r *http.Request) error {
	key := what + "\x00" + strings.ToLower(strings.TrimSpace(email)) + "\x00" + clientIP(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	lim, ok := t.keys[key]
	if !ok {
		t.makeRoom(now)
		lim = rate.NewLimiter(t.limit, t.burst)
		t.keys[key] = lim
	}
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return &throttledError{retryAfter: d}
	}
	return nil
}

// makeRoom drops keys when the map is full. t.mu must be held.
func (t *throttle) makeRoom(now time.Time) {
	if len(t.keys) < maxThrottleKeys {
		return
	}
	for k, lim := range t.keys {
		if lim.TokensAt(now) >= float64(t.burst) {
			delete(t.keys, k)
		}
	}
	for k := range t.keys {
		if len(t.keys) < maxThrottleKeys {
			break
		}
		delete(t.keys, k)
	}
}

// clientIP is the host part of the connection's peer address.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
