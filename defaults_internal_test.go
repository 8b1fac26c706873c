package roster

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster/invites"
)

// TestOpenWithZeroConfigAppliesEveryDefault opens the zero Config (a SQLite
// file in a fresh working directory) and checks that the Directory runs on
// every default the docs of Config, InvitesConfig and LimitsConfig name.
func TestOpenWithZeroConfigAppliesEveryDefault(t *testing.T) {
	t.Chdir(t.TempDir())
	d, err := Open(context.Background(), Config{})
	if err != nil {
		t.Fatalf("Open(Config{}): %v", err)
	}
	t.Cleanup(func() { d.Close() })
	c := d.cfg
	for _, row := range []struct {
		name      string
		got, want any
	}{
		{"DSN", c.DSN, DefaultDSN},
		{"PollInterval", c.PollInterval, DefaultPollInterval},
		{"Invites.TokenTTL", c.Invites.TokenTTL, DefaultInviteTokenTTL},
		{"Limits.FlushInterval", c.Limits.FlushInterval, DefaultLimitsFlushInterval},
		{"Limits.Retention", c.Limits.Retention, DefaultUsageRetention},
		{"Limits.MaxBuckets", c.Limits.MaxBuckets, DefaultMaxBuckets},
		{"Logger set", c.Logger != nil, true},
		{"Invites.Throttle set", c.Invites.Throttle != nil, true},
		{"workspace default exists", d.Default().ID(), DefaultWorkspace},
	} {
		if row.got != row.want {
			t.Errorf("%s = %v, want %v", row.name, row.got, row.want)
		}
	}
	if c.Now == nil {
		t.Fatal("Now is nil")
	}
	before := time.Now()
	got := d.Now()
	if got.Before(before) || got.After(time.Now()) {
		t.Errorf("Directory.Now() = %v, want the wall clock (time.Now)", got)
	}
	// The default throttle's widest request passes and one more is refused
	// for good, whatever the clock: its send capacity is the documented one.
	th := c.Invites.Throttle
	if err := th.AllowSends("w1", DefaultInviteSendEvents); err != nil {
		t.Errorf("the default throttle refused %d sends: %v", DefaultInviteSendEvents, err)
	}
	var te *invites.ThrottledError
	if err := th.AllowSends("w2", DefaultInviteSendEvents+1); !errors.As(err, &te) || te.RetryAfter != rate.InfDuration {
		t.Errorf("the default throttle on %d sends: %v, want a refusal beyond the whole budget", DefaultInviteSendEvents+1, err)
	}
}

// TestDefaultInviteThrottle checks the throttle withDefaults builds, on a
// fake clock: both budgets, their refill periods and the workspace cap are
// the documented constants. Open uses that same throttle (the test above).
func TestDefaultInviteThrottle(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c, err := Config{Now: func() time.Time { return at }}.withDefaults() // time stands still
	if err != nil {
		t.Fatal(err)
	}
	th := c.Invites.Throttle
	refusal := func(err error) time.Duration {
		t.Helper()
		var te *invites.ThrottledError
		if !errors.As(err, &te) {
			t.Fatalf("got %v, want a *invites.ThrottledError", err)
		}
		return te.RetryAfter
	}
	if err := th.AllowSends("w", DefaultInviteSendEvents); err != nil {
		t.Fatalf("a full send budget: %v", err)
	}
	// One token comes back every Per/Events.
	if got, want := refusal(th.AllowSends("w", 1)), DefaultInviteSendPer/DefaultInviteSendEvents; got != want {
		t.Errorf("send retry after = %v, want %v", got, want)
	}
	for i := range DefaultInviteRedeemEvents {
		if err := th.FailedRedemption("w"); err != nil {
			t.Fatalf("failed redemption %d of %d: %v", i+1, DefaultInviteRedeemEvents, err)
		}
	}
	if got, want := refusal(th.FailedRedemption("w")), DefaultInviteRedeemPer/DefaultInviteRedeemEvents; got != want {
		t.Errorf("redemption retry after = %v, want %v", got, want)
	}
	// Attempts per client meet the client default.
	for i := range invites.DefaultClientRedeemEvents {
		if err := th.AllowRedemption("w", "203.0.113.1"); err != nil {
			t.Fatalf("client attempt %d of %d: %v", i+1, invites.DefaultClientRedeemEvents, err)
		}
	}
	if got, want := refusal(th.AllowRedemption("w", "203.0.113.1")), invites.DefaultClientRedeemPer/invites.DefaultClientRedeemEvents; got != want {
		t.Errorf("client retry after = %v, want %v", got, want)
	}
	// At the cap, a new workspace forces out one whose buckets are not full.
	for i := 1; i < DefaultInviteThrottleWorkspaces; i++ {
		if err := th.AllowSends(fmt.Sprint("w", i), 1); err != nil {
			t.Fatal(err)
		}
	}
	if s := th.Stats(); s.Workspaces != DefaultInviteThrottleWorkspaces || s.ForcedEvictions != 0 {
		t.Fatalf("stats at the cap = %+v, want %d workspaces and no eviction", s, DefaultInviteThrottleWorkspaces)
	}
	if err := th.AllowSends("one-more", 1); err != nil {
		t.Fatal(err)
	}
	if s := th.Stats(); s.Workspaces != DefaultInviteThrottleWorkspaces || s.ForcedEvictions != 1 {
		t.Errorf("stats past the cap = %+v, want %d workspaces and one forced eviction", s, DefaultInviteThrottleWorkspaces)
	}
}

// TestWithDefaultsKeepsWhatIsSet checks that a set field is never replaced
// by its default, a negative PollInterval (polling off) included.
func TestWithDefaultsKeepsWhatIsSet(t *testing.T) {
	th, err := invites.NewThrottle(invites.ThrottleConfig{})
	if err != nil {
		t.Fatal(err)
	}
	in := Config{DSN: "sqlite:x.db", PollInterval: -1,
		Invites: InvitesConfig{TokenTTL: time.Hour, Throttle: th},
		Limits:  LimitsConfig{FlushInterval: time.Minute, Retention: time.Hour, MaxBuckets: 7}}
	c, err := in.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.DSN != in.DSN || c.PollInterval != -1 || c.Invites.TokenTTL != time.Hour || c.Invites.Throttle != th ||
		c.Limits != in.Limits {
		t.Errorf("withDefaults(%+v) = %+v, want the set fields kept", in, c)
	}
}
