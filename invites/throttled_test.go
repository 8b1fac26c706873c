package invites_test

import (
	"context"
	"errors"
	"fmt"
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
		Sends:       invites.Budget{Events: 2, Per: time.Hour},
		Redemptions: invites.Budget{Events: 3, Per: time.Hour},
		Now:         clock.Now,
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

	// Redemptions: failed attempts count, before the token is looked up.
	tokA := mail.token(t, "a@example.com")
	if _, err := inv.CheckToken(ctx, "garbage"); !errors.Is(err, invites.ErrInviteInvalid) {
		t.Fatalf("CheckToken(garbage) = %v", err)
	}
	if _, err := inv.CheckToken(ctx, tokA); err != nil {
		t.Fatalf("CheckToken = %v", err)
	}
	if err := register(w, "x@example.com", users.SourcePassword, tokA); !errors.Is(err, invites.ErrInviteInvalid) {
		t.Fatalf("foreign link = %v", err)
	}
	if err := register(w, "a@example.com", users.SourcePassword, tokA); !errors.Is(err, invites.ErrThrottled) {
		t.Fatalf("fourth redemption = %v, want ErrThrottled", err)
	}
	if _, err := inv.CheckToken(ctx, tokA); !errors.Is(err, invites.ErrThrottled) {
		t.Fatalf("CheckToken over the budget = %v, want ErrThrottled", err)
	}
	// Sign-ups without a link are not redemptions.
	if err := register(w, "scim@example.com", users.SourceSCIM, ""); err != nil {
		t.Fatalf("SCIM sign-up while redemptions are throttled: %v", err)
	}
	// The throttled attempt did not use the link up.
	clock.Advance(time.Hour)
	if err := register(w, "a@example.com", users.SourcePassword, tokA); err != nil {
		t.Fatalf("redemption after the refill = %v", err)
	}
	if _, err := inv.Resend(ctx, roster.System, "b@example.com"); err != nil {
		t.Fatalf("Resend after the refill = %v", err)
	}
}
