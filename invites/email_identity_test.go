package invites_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
)

// TestInviteThenSignUpWithAnotherSpelling: an invite made with one spelling
// of an address (decomposed accent, A-label domain) is one invite with the
// identity form, its mail goes to that form, and a password sign-up with
// another spelling (composed, upper case, U-label) redeems it.
func TestInviteThenSignUpWithAnotherSpelling(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		res := mustInvite(t, w, "jose\u0301@xn--bcher-kva.de", "JOS\u00c9@B\u00dcCHER.DE")
		if res.Invited != 1 || len(res.Addresses) != 2 || res.Addresses[1].Outcome != invites.OutcomeAlreadyInvited {
			t.Fatalf("Invite of two spellings = %+v, want one invite and the second already invited", res)
		}
		const identity = "jos\u00e9@b\u00fccher.de"
		if got := strings.Join(pending(t, w), ","); got != identity+"=sent" {
			t.Fatalf("pending = %s, want %s=sent", got, identity)
		}
		tok := f.mail.token(t, identity)
		u, err := w.Users().Register(context.Background(), users.Registration{
			Email: "  JOSE\u0301@B\u00fcCHER.de ", Source: users.SourcePassword, InviteToken: tok})
		if err != nil {
			t.Fatalf("Register with another spelling and the link: %v", err)
		}
		if u.Email != identity {
			t.Errorf("user email = %q, want %q", u.Email, identity)
		}
		if got := pending(t, w); len(got) != 0 {
			t.Errorf("pending after sign-up = %v, want none: the invite was redeemed", got)
		}
	})
}

// TestInviteRefusesUnsendableAddress: an address mail cannot be sent to
// fails the whole bulk invite before anything is written or mailed.
func TestInviteRefusesUnsendableAddress(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		before := f.d.Version()
		for _, bad := range []string{"a..b@example.com", `"ab"@example.com`, "ab@exa_mple.com"} {
			_, err := w.Invites().Invite(context.Background(), roster.System, []string{"ok@example.com", bad})
			if !errors.Is(err, invites.ErrInvalidRequest) || !errors.Is(err, users.ErrInvalidEmail) {
				t.Errorf("Invite(%q) = %v, want ErrInvalidRequest wrapping ErrInvalidEmail", bad, err)
			}
		}
		if f.d.Version() != before || len(pending(t, w)) != 0 || len(f.mail.all()) != 0 {
			t.Errorf("a refused invite wrote or mailed: version %d -> %d, pending %v, %d mails",
				before, f.d.Version(), pending(t, w), len(f.mail.all()))
		}
	})
}

// TestAllowedDomainSpellings: an allowed domain saved as an A-label admits
// the U-label (and other spellings) of that domain at sign-up, one saved as
// a U-label admits the A-label, and an entry stored as an A-label before
// entries were normalized (written straight to the table) still matches.
// Other domains stay refused.
func TestAllowedDomainSpellings(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		ctx := context.Background()
		check := func(email string, want error) {
			t.Helper()
			err := register(w, email, users.SourcePassword, "")
			if want == nil && err != nil || want != nil && !errors.Is(err, want) {
				t.Errorf("Register(%s) = %v, want %v", email, err, want)
			}
		}
		set := func(domain string) {
			t.Helper()
			if _, err := w.Invites().SetSettings(ctx, roster.System, invites.Settings{Mode: invites.ModeOpen, AllowedDomains: []string{domain}}); err != nil {
				t.Fatal(err)
			}
		}
		set("xn--bcher-kva.de")
		check("j\u00fcrgen@b\u00fccher.de", nil)
		check("anna@BU\u0308CHER.DE", nil)
		check("max@buecher.de", invites.ErrDomainNotAllowed)
		set("B\u00fccher.de")
		check("eva@xn--bcher-kva.de", nil)
		check("max@bucher.de", invites.ErrDomainNotAllowed)
		err := f.rawDB(t).Table("roster_invite_settings").Where("workspace_id = ?", roster.DefaultWorkspace).
			Update("allowed_domains", `["XN--BCHER-KVA.DE"]`).Error
		if err != nil {
			t.Fatal(err)
		}
		check("otto@b\u00fccher.de", nil)
		check("max@example.com", invites.ErrDomainNotAllowed)
	})
}
