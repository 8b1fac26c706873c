package invites_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/rosterhq/roster/invites"
)

// The invitation path outside the database: a link token, the rendered
// invitation, and the development mailer printing the link. A real caller
// uses invites.NewToken() and stores tok.Hash() with the invite.
func Example() {
	tok, err := invites.ParseToken("rinv_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
	if err != nil {
		fmt.Println(err)
		return
	}
	msg, err := invites.Templates{}.Render(invites.Invitation{
		Email:     "new.hire@example.com",
		Link:      "https://app.example.com/invites/accept?token=" + tok.Secret(),
		Workspace: "Acme",
		ExpiresAt: time.Date(2030, 1, 8, 12, 0, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mailer := invites.NewDevMailer(os.Stdout)
	status, err := invites.Deliver(context.Background(), mailer, msg)
	fmt.Println(msg.Subject)
	fmt.Println(status, err)
	// Output:
	// roster dev mailer: invitation links below are secrets; for development only, never in production
	// roster mail to new.hire@example.com: https://app.example.com/invites/accept?token=rinv_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8
	// You are invited to join Acme
	// sent <nil>
}

func ExampleParseToken() {
	tok, err := invites.ParseToken("rinv_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
	fmt.Println(err)
	fmt.Println(tok) // printing a token never shows the secret
	stored := tok.Hash()
	fmt.Println(stored)
	fmt.Println(tok.Matches(stored))

	_, err = invites.ParseToken("rinv_forged")
	fmt.Println(errors.Is(err, invites.ErrInvalidToken), err)
	// Output:
	// <nil>
	// rinv_[redacted]
	// d40f4617430f4a28c9916139a7acb257251ef5cfa31719efa645e3cc1026e3ab
	// true
	// true invites: invalid invite token: wrong length
}

func ExampleGate_Check() {
	settings := invites.Settings{AllowedDomains: []string{"example.com"}} // mode auto
	bob := invites.Signup{Email: "bob@example.com", Source: invites.SourcePassword}

	fmt.Println(invites.Gate{Settings: settings}.Check(bob))
	closed := invites.Gate{Settings: settings, FirstInviteMade: true}
	fmt.Println(closed.Check(bob))
	bob.Invited = true
	fmt.Println(closed.Check(bob))
	fmt.Println(closed.Check(invites.Signup{Email: "eve@example.org", Source: invites.SourceSCIM}))
	// Output:
	// <nil>
	// invites: an invitation is required to join this workspace (source "password", mode "auto")
	// <nil>
	// invites: email domain is not allowed: "example.org" (source "scim")
}

// A client's redemption attempts meet its own bucket (IPv6 keyed by /64);
// failed lookups meet the workspace's.
func ExampleThrottle() {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	th, err := invites.NewThrottle(invites.ThrottleConfig{
		Redemptions:       invites.Budget{Events: 2, Per: time.Minute},
		ClientRedemptions: invites.Budget{Events: 1, Per: time.Minute},
		Now:               func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	a := invites.ClientKey(netip.MustParseAddr("2001:db8::1"))
	b := invites.ClientKey(netip.MustParseAddr("2001:db8::2")) // the same /64
	fmt.Println(a)
	fmt.Println(th.AllowRedemption("ws1", a))
	fmt.Println(th.AllowRedemption("ws1", b))
	for i := 0; i < 3; i++ {
		fmt.Println(th.FailedRedemption("ws1"))
	}
	now = now.Add(30 * time.Second)
	fmt.Println(th.FailedRedemption("ws1"))
	// Output:
	// 2001:db8::/64
	// <nil>
	// invites: too many requests: invite link redemptions in workspace "ws1"; retry after 1m0s
	// <nil>
	// <nil>
	// invites: too many requests: invite link redemptions in workspace "ws1"; retry after 30s
	// <nil>
}

// An SMTP mailer for production: STARTTLS is mandatory unless TLS says
// otherwise. Not run: it needs a server.
func ExampleNewSMTPMailer() {
	mailer, err := invites.NewSMTPMailer(invites.SMTPConfig{
		Host:     "smtp.example.com",
		Username: "roster",
		Password: os.Getenv("SMTP_PASSWORD"),
		From:     "Acme <no-reply@example.com>",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = mailer.Send(context.Background(), invites.Message{To: "bob@example.com", Subject: "Hello", Text: "Hello, Bob."})
}
