package invites_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
)

func TestThrottledSendsAndRedemptions(t *testing.T) {
	ctx := context.Background()
	clock := rostertest.NewClock()
	th, err := invites.NewThrottle(invites.ThrottleConfig{
		Sends:             invites.Budget{Events: 2, Per: time.Hour},
		Redemptions:       invites.Budget{Events: 3, Per: time.Hour},
		ClientRedemptions: invites.Budget{Events: 2, Per: time.Hour},
		Now:               clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	mail := &mailbox{}
	d, err := roster.Open(ctx, roster.Config{DSN: rostertest.SQLiteDSN(t), Now: clock.Now, Invites: roster.InvitesConfig{
		Mailer:   mail,
		Link:     func(ws, token string) string { return "https://app.example.com/i?token=" + token },
		Throttle: th,
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := d.Default()
	inv := w.Invites()

	// Sends: all or nothing, and a refusal writes nothing.
	before := d.Version()
	_, err = inv.Invite(ctx, roster.System, []string{"a@example.com", "b@example.com", "c@example.com"})
	var te *invites.ThrottledError
	if !errors.Is(err, invites.ErrThrottled) || !errors.As(err, &te) {
		t.Fatalf("Invite over the send budget = %v, want a ThrottledError", err)
	}
	if d.Version() != before || len(pending(t, w)) != 0 || len(mail.all()) != 0 {
		t.Fatalf("a throttled Invite wrote or sent something")
	}
	mustInvite(t, w, "a@example.com", "b@example.com")
	if _, err := inv.Resend(ctx, roster.System, "a@example.com"); !errors.Is(err, invites.ErrThrottled) {
		t.Errorf("Resend over the budget = %v, want ErrThrottled", err)
	}
	if got := fmt.Sprint(pending(t, w)); got != "[a@example.com=sent b@example.com=sent]" {
		t.Errorf("pending = %s", got)
	}

	// Redemptions. Failed lookups spend the workspace's budget (3): bogus
	// links from several clients are refused, first as invalid, then as
	// throttled; a foreign link is a failure too.
	tokA, tokB := mail.token(t, "a@example.com"), mail.token(t, "b@example.com")
	from := func(addr string) context.Context { return invites.WithClient(ctx, netip.MustParseAddr(addr)) }
	for i, want := range []error{invites.ErrInviteInvalid, invites.ErrInviteInvalid, invites.ErrInviteInvalid, invites.ErrThrottled} {
		if _, err := inv.CheckToken(from(fmt.Sprintf("198.51.100.%d", i+1)), "garbage"); !errors.Is(err, want) {
			t.Fatalf("bogus link %d = %v, want %v", i+1, err, want)
		}
	}
	before = d.Version()
	if err := registerFrom(from("198.51.100.9"), w, "x@example.com", tokA); !errors.Is(err, invites.ErrThrottled) {
		t.Fatalf("foreign link with the failures spent = %v, want ErrThrottled", err)
	}
	if d.Version() != before {
		t.Fatal("a refused redemption wrote")
	}
	// A valid link is redeemed whatever other clients did: the invitee's
	// own client budget (2) holds the page and the sign-up.
	invitee := from("203.0.113.7")
	if email, err := inv.CheckToken(invitee, tokA); err != nil || email != "a@example.com" {
		t.Fatalf("valid link after the bogus ones = %q, %v", email, err)
	}
	if err := registerFrom(invitee, w, "a@example.com", tokA); err != nil {
		t.Fatalf("sign-up with the valid link = %v", err)
	}
	// A client's own attempts are throttled, valid links included.
	if _, err := inv.CheckToken(invitee, tokB); !errors.Is(err, invites.ErrThrottled) {
		t.Fatalf("third attempt of one client = %v, want ErrThrottled", err)
	}
	// IPv6 clients are keyed by /64: rotating addresses in one does not help.
	for i, c := range []struct {
		addr string
		want error
	}{{"2001:db8::1", nil}, {"2001:db8::2", nil}, {"2001:db8::ffff", invites.ErrThrottled}, {"2001:db8:0:1::1", nil}} {
		if _, err := inv.CheckToken(from(c.addr), tokB); !errors.Is(err, c.want) {
			t.Fatalf("IPv6 attempt %d from %s = %v, want %v", i, c.addr, err, c.want)
		}
	}
	// Sign-ups without a link are not redemptions.
	if err := register(w, "scim@example.com", users.SourceSCIM, ""); err != nil {
		t.Fatalf("SCIM sign-up while redemptions are throttled: %v", err)
	}
	// After the refill failures are plain failures again, and the throttled
	// attempts did not use b's link up.
	clock.Advance(time.Hour)
	if _, err := inv.CheckToken(from("198.51.100.1"), "garbage"); !errors.Is(err, invites.ErrInviteInvalid) {
		t.Fatalf("bogus link after the refill = %v, want ErrInviteInvalid", err)
	}
	if email, err := inv.CheckToken(invitee, tokB); err != nil || email != "b@example.com" {
		t.Fatalf("b's link after the refill = %q, %v", email, err)
	}
	if _, err := inv.Resend(ctx, roster.System, "b@example.com"); err != nil {
		t.Fatalf("Resend after the refill = %v", err)
	}
}

// registerFrom signs email up with a link token, from the client in ctx.
func registerFrom(ctx context.Context, w *roster.Workspace, email, token string) error {
	_, err := w.Users().Register(ctx, users.Registration{Email: email, Source: users.SourcePassword, InviteToken: token})
	return err
}
