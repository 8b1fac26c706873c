package main

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
)

// maxThrottleKeys bounds the throttle's memory: about 200 bytes a key.
const maxThrottleKeys = 10000

// Each attempt is charged to three token buckets; the factors size the
// per-email and per-IP buckets against the (email, IP) pair's burst and
// rate.
const (
	// emailFactor: all clients together may try one email this many times
	// the pair's burst at once, so spreading guesses over many IPs does not
	// help; the per-email bucket then refills that many per emailWindow (20
	// failures per 15 minutes with the defaults, as the contract says).
	emailFactor = 2
	// emailWindow is the time the per-email bucket takes to refill fully.
	emailWindow = 15 * time.Minute
	// ipFactor: one client IP may try this many times the pair's budget
	// over all emails together (several people behind one NAT share it), so
	// spraying many emails from one IP is slowed too.
	ipFactor = 10
)

// throttle limits sign-in attempts with token buckets, burst attempts at
// once then one per interval, keyed three ways for each kind of attempt
// (what): per (email, client), per email whatever the client (emailFactor
// times the pair's burst, refilling fully in emailWindow) and per client
// whatever the email (ipFactor times the pair's burst and rate). An attempt without an email (an invite
// link) has only the per-IP bucket, at the pair's budget. An attempt is
// refused, and charged to none of them, if any bucket is empty. A sign-in
// with a valid device cookie meets only that cookie's bucket instead
// (allowDevice). It lives in
// this process only; a restart forgets it. The client is keyed by
// invites.ClientKey of its address (an IPv4 address by itself, an IPv6
// address by its /64, since one host usually holds a whole /64): the
// connection's peer, or behind a trusted proxy (-trusted-proxies) the
// client X-Forwarded-For names (see clientIP).
//
// The per-email bucket lets anyone slow sign-in for a victim's email; that
// is the price of slowing guesses spread over many IPs.
//
// Keys are bounded: at the cap, buckets that have refilled (they are
// indistinguishable from new ones) are dropped. A bucket that has not
// refilled is never dropped, since dropping it would forgive its attempts;
// when the table holds only such buckets, an attempt that needs a new key is
// refused until some refill. A throttle is safe for concurrent use.
type throttle struct {
	now   func() time.Time
	every time.Duration
	burst int

	mu   sync.Mutex // guards keys
	keys map[string]*rate.Limiter
}

func newThrottle(burst int, every time.Duration, now func() time.Time) *throttle {
	return &throttle{now: now, every: every, burst: burst, keys: map[string]*rate.Limiter{}}
}

// bucket is one key of an attempt and the size of its bucket.
type bucket struct {
	key   string
	limit rate.Limit
	burst int
}

// allow takes one attempt for (what, email, the request's client). It
// returns nil or a *throttledError saying when to retry.
func (t *throttle) allow(what, email string, r *http.Request) error {
	return t.allowFrom(what, email, clientKey(r))
}

// allowFrom is allow for a client key already known (see clientKey).
func (t *throttle) allowFrom(what, email, ip string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	buckets := t.buckets(what, emailKey(email), ip)
	if !t.makeRoom(now, buckets) {
		return &throttledError{retryAfter: t.every}
	}
	var taken []*rate.Reservation
	for _, b := range buckets {
		lim, ok := t.keys[b.key]
		if !ok {
			lim = rate.NewLimiter(b.limit, b.burst)
			t.keys[b.key] = lim
		}
		res := lim.ReserveN(now, 1)
		taken = append(taken, res)
		if d := res.DelayFrom(now); d > 0 {
			for _, r := range taken {
				r.CancelAt(now)
			}
			return &throttledError{retryAfter: d}
		}
	}
	return nil
}

// allowDevice checks the bucket of the device cookie whose nonce is given:
// deviceFailures failures at once, then one more per deviceWindow /
// deviceFailures. Only failures are charged: allowDevice returns nil and a
// function to call if the attempt fails, or a *throttledError saying when
// to retry once the cookie's failures have spent its bucket. Attempts in
// flight together are each allowed and each charged, so the bucket may go
// into debt by as many; it refuses until it has refilled.
func (t *throttle) allowDevice(nonce string) (failed func(), err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	b := bucket{"device\x00" + nonce, rate.Every(deviceWindow / deviceFailures), deviceFailures}
	if !t.makeRoom(now, []bucket{b}) {
		return nil, &throttledError{retryAfter: deviceWindow / deviceFailures}
	}
	if tokens := t.limiter(b).TokensAt(now); tokens < 1 {
		return nil, &throttledError{retryAfter: time.Duration((1 - tokens) * float64(deviceWindow/deviceFailures))}
	}
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		// Looked up again: a full bucket may have been dropped meanwhile.
		t.limiter(b).ReserveN(t.now(), 1)
	}, nil
}

// limiter is b's limiter, created full if missing. t.mu must be held.
func (t *throttle) limiter(b bucket) *rate.Limiter {
	lim, ok := t.keys[b.key]
	if !ok {
		lim = rate.NewLimiter(b.limit, b.burst)
		t.keys[b.key] = lim
	}
	return lim
}

// emailKey is the key of email in the buckets: its identity form
// (users.NormalizeEmail), so every spelling of one address (case, width,
// accents composed or decomposed, the domain's A-label or U-label) meets the
// same buckets, as it names the same user. What the normalizer refuses
// names no user, and keys as given, trimmed.
func emailKey(email string) string {
	if e, err := users.NormalizeEmail(email); err == nil {
		return e
	}
	return strings.TrimSpace(email)
}

// buckets are the keys an attempt is charged to.
func (t *throttle) buckets(what, email, ip string) []bucket {
	every := rate.Every(t.every)
	if email == "" {
		return []bucket{{what + "\x00ip\x00" + ip, every, t.burst}}
	}
	return []bucket{
		{what + "\x00pair\x00" + email + "\x00" + ip, every, t.burst},
		{what + "\x00email\x00" + email, rate.Every(emailWindow / time.Duration(t.burst*emailFactor)), t.burst * emailFactor},
		{what + "\x00ip\x00" + ip, every * ipFactor, t.burst * ipFactor},
	}
}

// makeRoom makes room for the buckets not yet in the map, dropping only
// buckets that have refilled, and reports whether there is room. t.mu must
// be held.
func (t *throttle) makeRoom(now time.Time, buckets []bucket) bool {
	fits := func() bool {
		n := len(t.keys)
		for _, b := range buckets {
			if _, ok := t.keys[b.key]; !ok {
				n++
			}
		}
		return n <= maxThrottleKeys
	}
	if fits() {
		return true
	}
	for k, lim := range t.keys {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(t.keys, k)
		}
	}
	return fits()
}

// clientKey is the throttle key of the request's client: invites.ClientKey
// of clientIP (IPv4 by address, IPv6 by /64), or clientIP as it is if it is
// not an address.
func clientKey(r *http.Request) string {
	ip := clientIP(r)
	if addr, err := netip.ParseAddr(ip); err == nil {
		return invites.ClientKey(addr)
	}
	return ip
}

// clientIP is the client's IP as observe resolved it (the connection's
// peer, or the X-Forwarded-For client behind a trusted proxy), or the host
// part of the connection's peer address outside observe.
func clientIP(r *http.Request) string {
	if info := infoOf(r); info != nil && info.clientIP != "" {
		return info.clientIP
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
