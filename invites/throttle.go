package invites

import (
	"context"
	"fmt"
	"math"
	"net/netip"
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

	// DefaultRedeemEvents is the default budget of failed link lookups per
	// workspace: 100 at once, refilled at 100 per DefaultRedeemPer.
	DefaultRedeemEvents = 100
	// DefaultRedeemPer is the refill period of the default redemption budget.
	DefaultRedeemPer = time.Minute

	// DefaultClientRedeemEvents is the default budget of link redemption
	// attempts per client and workspace: 10 at once, refilled at 10 per
	// DefaultClientRedeemPer.
	DefaultClientRedeemEvents = 10
	// DefaultClientRedeemPer is the refill period of the default client
	// budget.
	DefaultClientRedeemPer = time.Minute

	// DefaultThrottleWorkspaces is the default ThrottleConfig.MaxWorkspaces.
	DefaultThrottleWorkspaces = 10000
	// DefaultThrottleClients is the default ThrottleConfig.MaxClients.
	DefaultThrottleClients = 100000
)

// ThrottleOp names what a [Throttle] counts.
type ThrottleOp string

// Throttled operations.
const (
	// ThrottleSend counts invitation emails sent (including resends).
	ThrottleSend ThrottleOp = "send"
	// ThrottleRedeem counts invite link redemption attempts per client, and
	// failed link lookups per workspace.
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
	// Redemptions bounds failed invite link lookups per workspace (a valid
	// link is never refused by it). Default DefaultRedeemEvents per
	// DefaultRedeemPer.
	Redemptions Budget
	// ClientRedemptions bounds invite link redemption attempts per client
	// (see [ClientKey]) in each workspace, valid links included. Default
	// DefaultClientRedeemEvents per DefaultClientRedeemPer.
	ClientRedemptions Budget
	// MaxWorkspaces bounds how many workspaces the throttle tracks at once.
	// Default DefaultThrottleWorkspaces.
	MaxWorkspaces int
	// MaxClients bounds how many (workspace, client) buckets the throttle
	// tracks at once. Default DefaultThrottleClients.
	MaxClients int
	// Now is the clock. Default time.Now. The throttle never lets time run
	// backwards: a reading earlier than the last one counts as the last one.
	Now func() time.Time
}

// Throttle limits invitation sends and link redemptions, with token buckets
// (golang.org/x/time/rate): per workspace, the invitation emails sent and the
// failed link lookups; per client in each workspace, the redemption attempts.
// A link redemption is throttled so that bogus attempts cannot starve a real
// invitee: a client's attempts meet its own bucket before the token is looked
// up ([Throttle.AllowRedemption]); a failed lookup then counts against the
// workspace ([Throttle.FailedRedemption]), whose exhaustion refuses failures
// only; a valid token is redeemed whatever other clients did. Tokens are
// 256-bit, so guessing is not the threat.
//
// Its state lives in this process: with several roster instances each one
// throttles on its own, so a workspace may get the configured budget once per
// instance, and a restart forgets it. It is a brake on abuse and mistakes, not
// an exact quota.
//
// Memory is bounded: at most MaxWorkspaces workspaces, each with two buckets
// of about 150 bytes, and MaxClients client buckets. When a new workspace (or
// client) arrives at the cap, buckets that have refilled completely are
// dropped (they are indistinguishable from new ones); if none has, the one
// closest to full is dropped and counted in [ThrottleStats.ForcedEvictions]
// (or ForcedClientEvictions).
//
// A Throttle is safe for concurrent use. Its methods never block.
type Throttle struct {
	now          func() time.Time
	max          int
	maxClients   int
	send         bucketSpec
	redeem       bucketSpec
	client       bucketSpec
	mu           sync.Mutex // guards the fields below
	last         time.Time
	buckets      map[string]*workspaceBuckets
	clients      map[clientID]*rate.Limiter
	forced       uint64
	forcedClient uint64
}

// clientID keys a client's bucket: the workspace and the client key.
type clientID struct{ workspace, client string }

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
	client, err := cfg.ClientRedemptions.spec("ClientRedemptions", DefaultClientRedeemEvents, DefaultClientRedeemPer)
	if err != nil {
		return nil, err
	}
	if cfg.MaxWorkspaces < 0 || cfg.MaxClients < 0 {
		return nil, fmt.Errorf("%w: throttle: negative MaxWorkspaces or MaxClients", ErrInvalidConfig)
	}
	if cfg.MaxWorkspaces == 0 {
		cfg.MaxWorkspaces = DefaultThrottleWorkspaces
	}
	if cfg.MaxClients == 0 {
		cfg.MaxClients = DefaultThrottleClients
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Throttle{now: cfg.Now, max: cfg.MaxWorkspaces, maxClients: cfg.MaxClients, send: send, redeem: redeem, client: client,
		buckets: make(map[string]*workspaceBuckets), clients: make(map[clientID]*rate.Limiter)}, nil
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

// AllowRedemption takes one attempt from client's redemption budget in the
// workspace. Call it before looking the token up, so that every attempt
// counts, valid or not. client is the client's key ([ClientKey]). A client
// without one ("") has no bucket and always passes here, meeting only the
// workspace's budget of failures: a shared bucket would let one client
// starve every other. It returns nil or a *[ThrottledError] wrapping
// [ErrThrottled].
func (t *Throttle) AllowRedemption(workspace, client string) error {
	if client == "" {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock()
	id := clientID{workspace, client}
	lim, ok := t.clients[id]
	if !ok {
		if len(t.clients) >= t.maxClients {
			t.evictClients(now)
		}
		lim = rate.NewLimiter(t.client.limit, t.client.burst)
		t.clients[id] = lim
	}
	return take(lim, now, 1, workspace, ThrottleRedeem)
}

// FailedRedemption counts a failed link lookup (a token that names no usable
// invitation) against the workspace's budget. It returns nil, or a
// *[ThrottledError] wrapping [ErrThrottled] when the workspace has spent its
// budget of failures, which the caller answers instead of the failure. A
// valid token never comes here, so other clients' failures never refuse it.
func (t *Throttle) FailedRedemption(workspace string) error {
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
	return take(lim, now, n, workspace, op)
}

// take takes n from lim at now, all or nothing.
func take(lim *rate.Limiter, now time.Time, n int, workspace string, op ThrottleOp) error {
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

// evictClients drops every client bucket that is full; if there is none, it
// drops the one closest to full and counts a forced eviction. t.mu must be
// held.
func (t *Throttle) evictClients(now time.Time) {
	var fullest clientID
	best := math.Inf(-1)
	for id, lim := range t.clients {
		level := lim.TokensAt(now) / float64(t.client.burst)
		if level >= 1 {
			delete(t.clients, id)
			continue
		}
		if level > best {
			fullest, best = id, level
		}
	}
	if len(t.clients) >= t.maxClients {
		delete(t.clients, fullest)
		t.forcedClient++
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
	// Clients is the number of (workspace, client) buckets tracked now.
	Clients int
	// ForcedClientEvictions counts client buckets dropped before they had
	// refilled, because MaxClients was reached.
	ForcedClientEvictions uint64
}

// Stats returns the throttle's current statistics.
func (t *Throttle) Stats() ThrottleStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return ThrottleStats{Workspaces: len(t.buckets), ForcedEvictions: t.forced,
		Clients: len(t.clients), ForcedClientEvictions: t.forcedClient}
}

// ClientKey is the throttle key of a client address: an IPv4 address (or an
// IPv4-mapped IPv6 one) by itself, an IPv6 address by its /64 prefix, since
// one host usually holds a whole /64; "" for an invalid address.
func ClientKey(addr netip.Addr) string {
	if !addr.IsValid() {
		return ""
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}

// clientKey is the context key of WithClient.
type clientKey struct{}

// WithClient returns ctx carrying the address of the client a request comes
// from, for throttling invite link redemptions per client: [Service.CheckToken]
// and a registration with an invite link token (users.Service.Register) read
// it from their context. An application passes the address it trusts (the
// connection's peer, or X-Forwarded-For from a trusted proxy). Without it,
// attempts meet only the workspace's budget of failed lookups.
func WithClient(ctx context.Context, addr netip.Addr) context.Context {
	return context.WithValue(ctx, clientKey{}, ClientKey(addr))
}

// clientOf returns the client key WithClient put in ctx, or "".
func clientOf(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	k, _ := ctx.Value(clientKey{}).(string)
	return k
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
