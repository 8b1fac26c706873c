package invites

import (
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
)

// Throttle defaults.
const (
	// DefaultSendEvents is the default send budget per workspace: 1,000
	// invitation emails at once (a full bulk invite passes), refilled at
	// 1,000 per DefaultSendPer.
	DefaultSendEvents = 1000
	// DefaultSendPer is the refill period of the default send budget.
	DefaultSendPer = time.Hour

	// DefaultRedeemEvents is the default redemption budget per workspace: 100
	// link redemption attempts at once, refilled at 100 per DefaultRedeemPer.
	DefaultRedeemEvents = 100
	// DefaultRedeemPer is the refill period of the default redemption budget.
	DefaultRedeemPer = time.Minute

	// DefaultThrottleWorkspaces is the default ThrottleConfig.MaxWorkspaces.
	DefaultThrottleWorkspaces = 10000
)

// ThrottleOp names what a [Throttle] counts.
type ThrottleOp string

// Throttled operations.
const (
	// ThrottleSend counts invitation emails sent (including resends).
	ThrottleSend ThrottleOp = "send"
	// ThrottleRedeem counts invite link redemption attempts, failed ones
	// included.
	ThrottleRedeem ThrottleOp = "redeem"
)

// Budget is a token bucket: up to Events at once, refilled at Events per Per.
// The zero Budget means the default.
type Budget struct {
	// Events is the bucket's capacity: how many may pass at once.
	Events int
	// Per is the time the empty bucket takes to refill completely.
	Per time.Duration
}

// ThrottleConfig configures a [Throttle]. The zero value works.
type ThrottleConfig struct {
	// Sends bounds invitation emails per workspace. Default
	// DefaultSendEvents per DefaultSendPer.
	Sends Budget
	// Redemptions bounds invite link redemption attempts per workspace.
	// Default DefaultRedeemEvents per DefaultRedeemPer.
	Redemptions Budget
	// MaxWorkspaces bounds how many workspaces the throttle tracks at once.
	// Default DefaultThrottleWorkspaces.
	MaxWorkspaces int
	// Now is the clock. Default time.Now. The throttle never lets time run
	// backwards: a reading earlier than the last one counts as the last one.
	Now func() time.Time
}

// Throttle limits invitation sends and link redemptions per workspace, with
// one token bucket per workspace and operation (golang.org/x/time/rate).
//
// Its state lives in this process: with several roster instances each one
// throttles on its own, so a workspace may get the configured budget once per
// instance, and a restart forgets it. It is a brake on abuse and mistakes, not
// an exact quota.
//
// Memory is bounded: at most MaxWorkspaces workspaces, each with two buckets
// of about 150 bytes. When a new workspace arrives at the cap, buckets that
// have refilled completely are dropped (they are indistinguishable from new
// ones); if none has, the workspace closest to full is dropped and counted in
// [ThrottleStats.ForcedEvictions].
//
// A Throttle is safe for concurrent use. Its methods never block.
type Throttle struct {
	now     func() time.Time
	max     int
	send    bucketSpec
	redeem  bucketSpec
	mu      sync.Mutex // guards the fields below
	last    time.Time
	buckets map[string]*workspaceBuckets
	forced  uint64
}

type bucketSpec struct {
	limit rate.Limit
	burst int
}

type workspaceBuckets struct {
	send, redeem *rate.Limiter
}

// NewThrottle checks cfg and returns a Throttle. Errors wrap
// [ErrInvalidConfig].
func NewThrottle(cfg ThrottleConfig) (*Throttle, error) {
	send, err := cfg.Sends.spec("Sends", DefaultSendEvents, DefaultSendPer)
	if err != nil {
		return nil, err
	}
	redeem, err := cfg.Redemptions.spec("Redemptions", DefaultRedeemEvents, DefaultRedeemPer)
	if err != nil {
		return nil, err
	}
	if cfg.MaxWorkspaces < 0 {
		return nil, fmt.Errorf("%w: throttle: negative MaxWorkspaces", ErrInvalidConfig)
	}
	if cfg.MaxWorkspaces == 0 {
		cfg.MaxWorkspaces = DefaultThrottleWorkspaces
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Throttle{now: cfg.Now, max: cfg.MaxWorkspaces, send: send, redeem: redeem,
		buckets: make(map[string]*workspaceBuckets)}, nil
}

func (b Budget) spec(field string, defEvents int, defPer time.Duration) (bucketSpec, error) {
	if b == (Budget{}) {
		b = Budget{Events: defEvents, Per: defPer}
	}
	if b.Events <= 0 || b.Per <= 0 {
		return bucketSpec{}, fmt.Errorf("%w: throttle: %s needs positive Events and Per", ErrInvalidConfig, field)
	}
	return bucketSpec{limit: rate.Limit(float64(b.Events) / b.Per.Seconds()), burst: b.Events}, nil
}

// AllowSends takes n invitation emails from the workspace's send budget, all
// or nothing. It returns nil, or a *[ThrottledError] wrapping [ErrThrottled]
// and takes nothing. n <= 0 always passes.
func (t *Throttle) AllowSends(workspace string, n int) error {
	return t.allow(workspace, ThrottleSend, n)
}

// AllowRedemption takes one attempt from the workspace's redemption budget.
// Call it before looking the token up, so failed attempts count. It returns
// nil or a *[ThrottledError] wrapping [ErrThrottled].
func (t *Throttle) AllowRedemption(workspace string) error {
	return t.allow(workspace, ThrottleRedeem, 1)
}

func (t *Throttle) allow(workspace string, op ThrottleOp, n int) error {
	if n <= 0 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock()
	b := t.bucketsFor(workspace, now)
	lim := b.send
	if op == ThrottleRedeem {
		lim = b.redeem
	}
	r := lim.ReserveN(now, n)
	if !r.OK() { // n exceeds the burst: it can never pass
		return &ThrottledError{Op: op, Workspace: workspace, RetryAfter: rate.InfDuration}
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return &ThrottledError{Op: op, Workspace: workspace, RetryAfter: ceilMillisecond(d)}
	}
	return nil
}

// ceilMillisecond rounds d up to a whole millisecond. rate truncates its
// float arithmetic to nanoseconds (3.6s comes out as 3.599999999s), and a
// caller retrying after RetryAfter must pass.
func ceilMillisecond(d time.Duration) time.Duration {
	if r := d % time.Millisecond; r != 0 {
		d += time.Millisecond - r
	}
	return d
}

// clock reads the clock, never going backwards (golang/go#56287: limiters fed
// alternating times admit far more than their rate). t.mu must be held.
func (t *Throttle) clock() time.Time {
	now := t.now()
	if now.Before(t.last) {
		return t.last
	}
	t.last = now
	return now
}

// bucketsFor returns the workspace's buckets, creating them and evicting
// others if needed. t.mu must be held.
func (t *Throttle) bucketsFor(workspace string, now time.Time) *workspaceBuckets {
	if b, ok := t.buckets[workspace]; ok {
		return b
	}
	if len(t.buckets) >= t.max {
		t.evict(now)
	}
	b := &workspaceBuckets{
		send:   rate.NewLimiter(t.send.limit, t.send.burst),
		redeem: rate.NewLimiter(t.redeem.limit, t.redeem.burst),
	}
	t.buckets[workspace] = b
	return b
}

// evict drops every workspace whose buckets are full; if there is none, it
// drops the one closest to full and counts a forced eviction. t.mu must be held.
func (t *Throttle) evict(now time.Time) {
	var fullest string
	best := math.Inf(-1)
	for ws, b := range t.buckets {
		s, r := b.send.TokensAt(now)/float64(t.send.burst), b.redeem.TokensAt(now)/float64(t.redeem.burst)
		if s >= 1 && r >= 1 {
			delete(t.buckets, ws)
			continue
		}
		if level := min(s, r); level > best {
			fullest, best = ws, level
		}
	}
	if len(t.buckets) >= t.max {
		delete(t.buckets, fullest)
		t.forced++
	}
}

// ThrottleStats describes a Throttle's memory use.
type ThrottleStats struct {
	// Workspaces is the number of workspaces tracked now.
	Workspaces int
	// ForcedEvictions counts workspaces dropped before their buckets had
	// refilled, because MaxWorkspaces was reached. Each one got a fresh
	// budget early.
	ForcedEvictions uint64
}

// Stats returns the throttle's current statistics.
func (t *Throttle) Stats() ThrottleStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return ThrottleStats{Workspaces: len(t.buckets), ForcedEvictions: t.forced}
}

// ThrottledError is a refusal by a [Throttle]. It wraps [ErrThrottled].
type ThrottledError struct {
	// Op is what was refused.
	Op ThrottleOp
	// Workspace is the workspace id.
	Workspace string
	// RetryAfter is how long until the same request would pass (rounded up
	// to a millisecond), or rate.InfDuration when it asks for more than the
	// whole budget and never will.
	RetryAfter time.Duration
}

// Error implements error.
func (e *ThrottledError) Error() string {
	what := "invitation emails"
	if e.Op == ThrottleRedeem {
		what = "invite link redemptions"
	}
	if e.RetryAfter == rate.InfDuration {
		return fmt.Sprintf("%v: %s in workspace %q exceed the whole budget", ErrThrottled, what, e.Workspace)
	}
	return fmt.Sprintf("%v: %s in workspace %q; retry after %v", ErrThrottled, what, e.Workspace, e.RetryAfter)
}

// Sentence says what was refused and how many whole seconds (rounded up) to
// wait, or that the request must be made smaller when no wait helps.
func (e *ThrottledError) Sentence(func(access.Resource) string) string {
	what := "Too many invitation emails were sent"
	if e.Op == ThrottleRedeem {
		what = "Too many invitation links were tried"
	}
	if e.RetryAfter == rate.InfDuration || e.RetryAfter < 0 {
		if e.Op == ThrottleRedeem {
			return "Too many invitation links were tried at once."
		}
		return "This sends more invitation emails at once than the workspace may; send fewer at a time."
	}
	return what + "; try again in " + errs.Wait(e.RetryAfter) + "."
}

// Unwrap returns [ErrThrottled].
func (e *ThrottledError) Unwrap() error { return ErrThrottled }
