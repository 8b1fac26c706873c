package invites

import (
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// fakeClock is a settable clock, safe for concurrent reads.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(d)
}

func newTestThrottle(t *testing.T, cfg ThrottleConfig) (*Throttle, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	cfg.Now = clock.Now
	th, err := NewThrottle(cfg)
	if err != nil {
		t.Fatalf("NewThrottle: %v", err)
	}
	return th, clock
}

// retryAfter returns the refusal's RetryAfter, or -1 for nil.
func retryAfter(t *testing.T, err error) time.Duration {
	t.Helper()
	if err == nil {
		return -1
	}
	var te *ThrottledError
	if !errors.As(err, &te) || !errors.Is(err, ErrThrottled) {
		t.Fatalf("error %v is not a *ThrottledError matching ErrThrottled", err)
	}
	return te.RetryAfter
}

func TestThrottleSendSteps(t *testing.T) {
	th, clock := newTestThrottle(t, ThrottleConfig{Sends: Budget{Events: 3, Per: 3 * time.Second}}) // 1 per second, burst 3
	const ok = -1
	steps := []struct {
		at   time.Duration
		n    int
		want time.Duration // RetryAfter, or ok
	}{
		{0, 1, ok},
		{0, 2, ok},
		{0, 1, time.Second},
		{500 * time.Millisecond, 1, 500 * time.Millisecond}, // a refusal takes nothing
		{time.Second, 1, ok},
		{time.Second, 4, rate.InfDuration}, // more than the burst never passes
		{time.Second, 0, ok},               // nothing to send
		{10 * time.Second, 3, ok},          // refilled, capped at the burst
		{10 * time.Second, 2, 2 * time.Second},
	}
	for i, s := range steps {
		clock.Set(s.at)
		if got := retryAfter(t, th.AllowSends("ws1", s.n)); got != s.want {
			t.Errorf("step %d (at %v, n=%d): RetryAfter = %v, want %v", i, s.at, s.n, got, s.want)
		}
	}
}

func TestThrottleDefaults(t *testing.T) {
	th, clock := newTestThrottle(t, ThrottleConfig{})
	if err := th.AllowSends("ws", DefaultSendEvents); err != nil {
		t.Fatalf("a full bulk invite of %d: %v", DefaultSendEvents, err)
	}
	wait := retryAfter(t, th.AllowSends("ws", 1))
	if want := DefaultSendPer / DefaultSendEvents; wait != want {
		t.Errorf("send %d: RetryAfter = %v, want %v", DefaultSendEvents+1, wait, want)
	}
	clock.Set(wait - time.Millisecond)
	if th.AllowSends("ws", 1) == nil {
		t.Errorf("send passed 1ms before RetryAfter")
	}
	clock.Set(wait)
	if err := th.AllowSends("ws", 1); err != nil {
		t.Errorf("send after RetryAfter: %v", err)
	}
	for i := 0; i < DefaultRedeemEvents; i++ {
		if err := th.FailedRedemption("ws"); err != nil {
			t.Fatalf("redemption %d: %v", i+1, err)
		}
	}
	if got, want := retryAfter(t, th.FailedRedemption("ws")), DefaultRedeemPer/DefaultRedeemEvents; got != want {
		t.Errorf("redemption %d: RetryAfter = %v, want %v", DefaultRedeemEvents+1, got, want)
	}
}

func TestThrottleIsolation(t *testing.T) {
	th, _ := newTestThrottle(t, ThrottleConfig{Sends: Budget{1, time.Minute}, Redemptions: Budget{1, time.Minute}})
	if err := th.AllowSends("a", 1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want bool // refused
	}{
		{"a sends again", th.AllowSends("a", 1), true},
		{"b sends", th.AllowSends("b", 1), false},
		{"a redeems (its own budget)", th.FailedRedemption("a"), false},
		{"a redeems again", th.FailedRedemption("a"), true},
		{"b redeems", th.FailedRedemption("b"), false},
	}
	for _, tt := range tests {
		if got := tt.err != nil; got != tt.want {
			t.Errorf("%s: refused = %v (%v), want %v", tt.name, got, tt.err, tt.want)
		}
	}
}

// TestThrottleClockBackwards alternates the clock between two readings, the
// pattern of golang/go#56287: only the budget and one refill may pass.
func TestThrottleClockBackwards(t *testing.T) {
	th, clock := newTestThrottle(t, ThrottleConfig{Redemptions: Budget{1, time.Second}})
	allowed := 0
	for i := 0; i < 100; i++ {
		clock.Set(time.Duration(i%2) * time.Second)
		if th.FailedRedemption("ws") == nil {
			allowed++
		}
	}
	if allowed != 2 {
		t.Fatalf("%d redemptions allowed with a clock going back and forth over 1s, want 2", allowed)
	}
}

func TestThrottleEviction(t *testing.T) {
	th, clock := newTestThrottle(t, ThrottleConfig{MaxWorkspaces: 2, Sends: Budget{3, 3 * time.Second}})
	mustAllow := func(ws string, n int) {
		t.Helper()
		if err := th.AllowSends(ws, n); err != nil {
			t.Fatalf("AllowSends(%q, %d): %v", ws, n, err)
		}
	}
	mustAllow("a", 1) // a: 2 of 3 left
	mustAllow("b", 3) // b: empty
	mustAllow("c", 1) // at the cap, nothing refilled: a, the fullest, is dropped
	if got, want := th.Stats(), (ThrottleStats{Workspaces: 2, ForcedEvictions: 1}); got != want {
		t.Fatalf("Stats = %+v, want %+v", got, want)
	}
	if th.AllowSends("b", 1) == nil {
		t.Fatal("b was evicted: its spent budget came back")
	}
	clock.Set(10 * time.Second) // everything has refilled
	mustAllow("d", 1)           // the sweep drops the full buckets, no force
	if got, want := th.Stats(), (ThrottleStats{Workspaces: 1, ForcedEvictions: 1}); got != want {
		t.Fatalf("Stats = %+v, want %+v", got, want)
	}
}

// TestThrottleConcurrentChurn runs sends, redemptions and Stats from many
// goroutines over more workspaces than the cap, for -race and the cap.
func TestThrottleConcurrentChurn(t *testing.T) {
	th, _ := newTestThrottle(t, ThrottleConfig{MaxWorkspaces: 3})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				ws := []string{"v", "w", "x", "y", "z"}[(g+i)%5]
				if err := th.FailedRedemption(ws); err != nil {
					t.Errorf("FailedRedemption: %v", err) // 320 attempts over 5 workspaces stay within 100 each
				}
				_ = th.AllowSends(ws, 1)
				if got := th.Stats().Workspaces; got > 3 {
					t.Errorf("%d workspaces tracked, cap 3", got)
				}
			}
		}()
	}
	wg.Wait()
	if th.Stats().ForcedEvictions == 0 {
		t.Errorf("no forced evictions with 5 busy workspaces and a cap of 3")
	}
}

func TestThrottleSingleWorkspaceConcurrent(t *testing.T) {
	th, _ := newTestThrottle(t, ThrottleConfig{Redemptions: Budget{50, time.Hour}})
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				if th.FailedRedemption("ws") == nil {
					allowed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if got := allowed.Load(); got != 50 {
		t.Fatalf("%d of 320 concurrent redemptions allowed, want exactly 50", got)
	}
}

func TestNewThrottleConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  ThrottleConfig
		ok   bool
	}{
		{"zero", ThrottleConfig{}, true},
		{"custom", ThrottleConfig{Sends: Budget{10, time.Minute}, Redemptions: Budget{5, time.Second}, MaxWorkspaces: 5}, true},
		{"events without period", ThrottleConfig{Sends: Budget{Events: 10}}, false},
		{"period without events", ThrottleConfig{Redemptions: Budget{Per: time.Minute}}, false},
		{"negative events", ThrottleConfig{Sends: Budget{-1, time.Minute}}, false},
		{"negative MaxWorkspaces", ThrottleConfig{MaxWorkspaces: -1}, false},
	}
	for _, tt := range tests {
		_, err := NewThrottle(tt.cfg)
		if tt.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidConfig)) {
			t.Errorf("%s: NewThrottle = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestThrottledErrorText(t *testing.T) {
	tests := []struct {
		err  ThrottledError
		want string
	}{
		{ThrottledError{Op: ThrottleSend, Workspace: "ws1", RetryAfter: 1500 * time.Millisecond},
			`invites: too many requests: invitation emails in workspace "ws1"; retry after 1.5s`},
		{ThrottledError{Op: ThrottleRedeem, Workspace: "ws1", RetryAfter: time.Second},
			`invites: too many requests: invite link redemptions in workspace "ws1"; retry after 1s`},
		{ThrottledError{Op: ThrottleSend, Workspace: "ws1", RetryAfter: rate.InfDuration},
			`invites: too many requests: invitation emails in workspace "ws1" exceed the whole budget`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// ClientKey keys IPv4 by address and IPv6 by /64.
func TestClientKey(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{"203.0.113.5", "203.0.113.5"},
		{"::ffff:203.0.113.5", "203.0.113.5"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
	} {
		if got := ClientKey(netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("ClientKey(%s) = %q, want %q", c.addr, got, c.want)
		}
	}
	if got := ClientKey(netip.Addr{}); got != "" {
		t.Errorf("ClientKey(invalid) = %q, want \"\"", got)
	}
}

// Client buckets are per workspace and client, a client without a key has
// none, and their number is bounded like the workspaces'.
func TestThrottleClients(t *testing.T) {
	th, clock := newTestThrottle(t, ThrottleConfig{ClientRedemptions: Budget{Events: 1, Per: time.Minute}, MaxClients: 2})
	steps := []struct {
		name              string
		workspace, client string
		refused           bool
	}{
		{"a in ws1", "ws1", "a", false},
		{"a again", "ws1", "a", true},
		{"a in ws2 (its own bucket)", "ws2", "a", false},
		{"no key", "ws1", "", false},
		{"no key again", "ws1", "", false},
		{"b in ws1: at the cap, the fuller one goes", "ws1", "b", false},
	}
	for _, s := range steps {
		if got := th.AllowRedemption(s.workspace, s.client) != nil; got != s.refused {
			t.Errorf("%s: refused = %v, want %v", s.name, got, s.refused)
		}
	}
	if got, want := th.Stats(), (ThrottleStats{Clients: 2, ForcedClientEvictions: 1}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
	clock.Set(time.Hour) // all refilled: a new client drops them without force
	if err := th.AllowRedemption("ws3", "c"); err != nil {
		t.Fatal(err)
	}
	if got, want := th.Stats(), (ThrottleStats{Clients: 1, ForcedClientEvictions: 1}); got != want {
		t.Errorf("Stats after the refill = %+v, want %+v", got, want)
	}
}
