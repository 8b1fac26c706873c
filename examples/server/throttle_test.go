package main

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// fakeNow is a clock the test moves by hand.
type fakeNow struct{ t time.Time }

func (f *fakeNow) now() time.Time { return f.t }

func throttled(err error) bool {
	var te *throttledError
	return errors.As(err, &te)
}

// One IP spraying many emails is slowed by the per-IP bucket; one email
// tried from many IPs by the per-email bucket; a refused attempt charges no
// bucket.
func TestThrottleKeys(t *testing.T) {
	clock := &fakeNow{t: time.Unix(1_700_000_000, 0)}
	th := newThrottle(2, time.Minute, clock.now)

	// Spray: every email is new, one IP. The per-IP bucket holds 2*ipFactor.
	allowed := 0
	for i := range 100 {
		if th.allowFrom("login", fmt.Sprintf("u%d@example.com", i), "10.0.0.1") == nil {
			allowed++
		}
	}
	if want := 2 * ipFactor; allowed != want {
		t.Errorf("one IP, many emails: %d attempts allowed, want %d", allowed, want)
	}

	// Many IPs, one email. The per-email bucket holds 2*emailFactor.
	allowed = 0
	for i := range 100 {
		if th.allowFrom("login", "victim@example.com", fmt.Sprintf("10.1.0.%d", i)) == nil {
			allowed++
		}
	}
	if want := 2 * emailFactor; allowed != want {
		t.Errorf("one email, many IPs: %d attempts allowed, want %d", allowed, want)
	}

	// The pair: its own budget, and the refusals above charged nothing to
	// another IP's bucket.
	for i := range 2 {
		if err := th.allowFrom("login", "ada@example.com", "10.2.0.1"); err != nil {
			t.Fatalf("pair attempt %d: %v", i, err)
		}
	}
	if err := th.allowFrom("login", "ada@example.com", "10.2.0.1"); !throttled(err) {
		t.Errorf("third pair attempt: %v, want throttled", err)
	}
	if err := th.allowFrom("login", "bob@example.com", "10.2.0.1"); err != nil {
		t.Errorf("the same IP, another email: %v, want allowed", err)
	}
	if err := th.allowFrom("forgot", "ada@example.com", "10.2.0.1"); err != nil {
		t.Errorf("another kind of attempt: %v, want allowed", err)
	}

	clock.t = clock.t.Add(10 * time.Minute)
	if err := th.allowFrom("login", "victim@example.com", "10.1.0.1"); err != nil {
		t.Errorf("after refilling: %v, want allowed", err)
	}
}

// Every spelling of one address meets the same buckets: a sign-in that
// changes the case, width, accent composition or domain spelling of the
// email gets no new budget.
func TestThrottleKeysByIdentity(t *testing.T) {
	clock := &fakeNow{t: time.Unix(1_700_000_000, 0)}
	th := newThrottle(2, time.Minute, clock.now)
	spellings := []string{"jos\u00e9@b\u00fccher.de", "JOSE\u0301@xn--bcher-kva.de", "\uff4a\uff4f\uff53\u00e9@B\u00dcCHER.DE"}
	for i := range 2 {
		if err := th.allowFrom("login", spellings[i], "10.3.0.1"); err != nil {
			t.Fatalf("attempt %d (%q): %v", i, spellings[i], err)
		}
	}
	if err := th.allowFrom("login", spellings[2], "10.3.0.1"); !throttled(err) {
		t.Errorf("third attempt with a third spelling (%q): %v, want throttled", spellings[2], err)
	}
	if err := th.allowFrom("login", "jose@bucher.de", "10.3.0.1"); err != nil {
		t.Errorf("another address from the same IP: %v, want allowed", err)
	}
}

// At the cap, a bucket that has not refilled is never dropped: new keys are
// refused instead, until buckets refill and can go.
func TestThrottleKeepsThrottledKeysAtCap(t *testing.T) {
	clock := &fakeNow{t: time.Unix(1_700_000_000, 0)}
	th := newThrottle(1, time.Minute, clock.now)
	// Fill the table with empty invite-link buckets, one key each.
	for i := range maxThrottleKeys {
		if err := th.allowFrom("redeem", "", fmt.Sprintf("ip%d", i)); err != nil {
			t.Fatalf("filling, key %d: %v", i, err)
		}
	}
	if err := th.allowFrom("redeem", "", "newcomer"); !throttled(err) {
		t.Errorf("new key with a full table of throttled keys: %v, want throttled", err)
	}
	if err := th.allowFrom("redeem", "", "ip0"); !throttled(err) {
		t.Errorf("ip0 again: %v, want still throttled (its bucket was kept)", err)
	}
	clock.t = clock.t.Add(time.Minute)
	if err := th.allowFrom("redeem", "", "newcomer"); err != nil {
		t.Errorf("new key after the buckets refilled: %v, want allowed", err)
	}
}

// Over HTTP: a user signs in with another spelling of their address, and
// failed attempts with one spelling throttle the next with another.
func TestSignInWithAnotherSpelling(t *testing.T) {
	ts := newTestServer(t, func(c *config) { c.SignInBurst, c.SignInEvery = 3, time.Minute })
	const email = "jos\u00e9@b\u00fccher.de"
	jose := ts.register(email, "")
	r := ts.client().do(http.MethodPost, "/auth/login", loginRequest{Email: "JOSE\u0301@xn--bcher-kva.de", Password: pw(email)})
	want(t, "login with the decomposed, A-label spelling", r, http.StatusOK, "")
	if got := decodeAs[userJSON](t, r); got != jose {
		t.Errorf("login answered %+v, want %+v", got, jose)
	}
	for i := range 2 { // with the sign-in above, the burst of 3 is spent
		bad := loginRequest{Email: email, Password: "guess guess"}
		want(t, "attempt "+strconv.Itoa(i), ts.client().do(http.MethodPost, "/auth/login", bad), http.StatusUnauthorized, "NOT_SIGNED_IN")
	}
	r = ts.client().do(http.MethodPost, "/auth/login", loginRequest{Email: "\uff2a\uff2f\uff33\u00c9@B\u00dcCHER.DE", Password: pw(email)})
	want(t, "another spelling after three attempts", r, http.StatusTooManyRequests, "THROTTLED")
}

// The per-email bucket holds twice the pair's burst (20 with the defaults)
// and refills that many in 15 minutes, as the contract says: 20 failures
// per 15 minutes, not one more per pair interval.
func TestThrottleEmailBucketRefillsIn15Minutes(t *testing.T) {
	clock := &fakeNow{t: time.Unix(1_700_000_000, 0)}
	th := newThrottle(defaultSignInBurst, defaultSignInEvery, clock.now)
	ip := 0
	attempt := func() error {
		ip++ // a new client each time: only the per-email bucket binds
		return th.allowFrom("login", "victim@example.com", fmt.Sprintf("10.4.%d.%d", ip/256, ip%256))
	}
	for i := range 20 {
		if err := attempt(); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if err := attempt(); !throttled(err) {
		t.Fatalf("21st attempt at once: %v, want throttled", err)
	}
	// Then one more every 45 seconds (15 minutes / 20): 20 over the next
	// 15 minutes (with the old refill, one per 15 seconds, it was 60).
	var allowedAt []int
	for sec := 1; sec <= 15*60; sec++ {
		clock.t = clock.t.Add(time.Second)
		if attempt() == nil {
			allowedAt = append(allowedAt, sec)
		}
	}
	if len(allowedAt) != 20 || allowedAt[0] != 45 {
		t.Errorf("over 15 minutes: attempts allowed at seconds %v, want 20, the first at 45", allowedAt)
	}
}
