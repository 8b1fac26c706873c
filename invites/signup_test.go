package invites_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
)

// signupStep is one step of the gate scenario, run in order on a fresh
// workspace per mode. want maps each mode to the error Register must match
// (nil: the sign-up succeeds).
type signupStep struct {
	name string
	do   func(t *testing.T, f *fixture, w *roster.Workspace) error
	want map[invites.Mode]error
}

func all(err error) map[invites.Mode]error {
	return map[invites.Mode]error{invites.ModeAuto: err, invites.ModeInviteOnly: err, invites.ModeOpen: err}
}

func closedUnlessOpen(err error) map[invites.Mode]error {
	return map[invites.Mode]error{invites.ModeAuto: err, invites.ModeInviteOnly: err, invites.ModeOpen: nil}
}

func signup(email string, src users.Source, tokenOf string) func(*testing.T, *fixture, *roster.Workspace) error {
	return func(t *testing.T, f *fixture, w *roster.Workspace) error {
		tok := ""
		if tokenOf != "" {
			tok = f.mail.token(t, tokenOf)
		}
		return register(w, email, src, tok)
	}
}

var gateSteps = []signupStep{
	{"empty list, uninvited", signup("first@example.com", users.SourcePassword, ""),
		map[invites.Mode]error{invites.ModeAuto: nil, invites.ModeInviteOnly: invites.ErrInviteRequired, invites.ModeOpen: nil}},
	{"invite b c e r s", func(t *testing.T, f *fixture, w *roster.Workspace) error {
		mustInvite(t, w, "b@example.com", "c@example.com", "e@example.com", "r@example.com", "s@example.com")
		return nil
	}, all(nil)},
	{"non-empty list, uninvited", signup("u1@example.com", users.SourcePassword, ""), closedUnlessOpen(invites.ErrInviteRequired)},
	{"invited, password without link", signup("b@example.com", users.SourcePassword, ""), closedUnlessOpen(invites.ErrInviteRequired)},
	{"invited in another case, with link", signup("C@Example.COM", users.SourcePassword, "c@example.com"), all(nil)},
	// An existing user's email is judged as a newcomer's: where the gate
	// refuses strangers it refuses this one alike, revealing nothing; where
	// it lets them in, the email is taken.
	{"existing user", signup("c@example.com", users.SourcePassword, ""),
		map[invites.Mode]error{invites.ModeAuto: invites.ErrInviteRequired, invites.ModeInviteOnly: invites.ErrInviteRequired, invites.ModeOpen: users.ErrDuplicate}},
	{"existing user, SCIM (bypasses the gate)", signup("c@example.com", users.SourceSCIM, ""), all(users.ErrDuplicate)},
	{"used link, another email", signup("x@example.com", users.SourcePassword, "c@example.com"), all(invites.ErrInviteInvalid)},
	{"foreign link", signup("s@example.com", users.SourcePassword, "e@example.com"), all(invites.ErrInviteInvalid)},
	{"forged link", func(t *testing.T, f *fixture, w *roster.Workspace) error {
		return register(w, "s@example.com", users.SourcePassword, "rinv_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
	}, all(invites.ErrInviteInvalid)},
	{"expired link", func(t *testing.T, f *fixture, w *roster.Workspace) error {
		f.clock.Advance(invites.DefaultTokenTTL + time.Second)
		return signup("e@example.com", users.SourcePassword, "e@example.com")(t, f, w)
	}, all(invites.ErrInviteInvalid)},
	{"SSO, invited (the invite outlives its link)", signup("e@example.com", users.SourceSSO, ""), all(nil)},
	{"SSO, uninvited", signup("u2@example.com", users.SourceSSO, ""), closedUnlessOpen(invites.ErrInviteRequired)},
	{"SCIM, uninvited", signup("u3@example.com", users.SourceSCIM, ""), all(nil)},
	{"revoke every pending invite", func(t *testing.T, f *fixture, w *roster.Workspace) error {
		list, err := w.Invites().List(context.Background(), roster.System)
		if err != nil {
			return err
		}
		for _, inv := range list {
			if err := w.Invites().Revoke(context.Background(), roster.System, inv.Email); err != nil {
				return err
			}
		}
		if left := pending(t, w); len(left) != 0 {
			t.Errorf("pending after revoking all = %v", left)
		}
		return nil
	}, all(nil)},
	{"revoked last invite: auto stays closed", signup("u4@example.com", users.SourcePassword, ""), closedUnlessOpen(invites.ErrInviteRequired)},
	{"revoked invite's link", func(t *testing.T, f *fixture, w *roster.Workspace) error {
		f.clock.Advance(-invites.DefaultTokenTTL - time.Second) // before the links expired
		defer f.clock.Advance(invites.DefaultTokenTTL + time.Second)
		return signup("r@example.com", users.SourcePassword, "r@example.com")(t, f, w)
	}, all(invites.ErrInviteInvalid)},
}

func TestGateThroughRegister(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		for _, mode := range []invites.Mode{invites.ModeAuto, invites.ModeInviteOnly, invites.ModeOpen} {
			w := f.workspace(t, "ws-"+string(mode))
			if _, err := w.Invites().SetSettings(context.Background(), roster.System, invites.Settings{Mode: mode}); err != nil {
				t.Fatal(err)
			}
			for _, st := range gateSteps {
				err := st.do(t, f, w)
				want := st.want[mode]
				if want == nil && err != nil || want != nil && !errors.Is(err, want) {
					t.Errorf("%s, mode %s: got %v, want %v", st.name, mode, err, want)
				}
				if errors.Is(want, invites.ErrInviteRequired) && !errors.Is(err, roster.ErrForbidden) {
					t.Errorf("%s, mode %s: gate refusal %v does not match roster.ErrForbidden", st.name, mode, err)
				}
			}
		}
	})
}

// TestInvalidLinkErrorIsUniform: an expired, used, foreign, revoked or forged
// link gives the same error text, whether the email is a user, invited or
// neither.
func TestInvalidLinkErrorIsUniform(t *testing.T) {
	f := openFixture(t, rostertest.SQLiteDSN(t))
	w := f.d.Default()
	mustRegister(t, w, "user@example.com")
	mustInvite(t, w, "ann@example.com", "bob@example.com")
	bobTok := f.mail.token(t, "bob@example.com")
	var texts []string
	for _, email := range []string{"user2@example.com", "ann@example.com", "nobody@example.com"} {
		for _, tok := range []string{bobTok, "rinv_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "garbage"} {
			err := register(w, email, users.SourcePassword, tok)
			texts = append(texts, err.Error())
		}
	}
	for _, s := range texts {
		if s != invites.ErrInviteInvalid.Error() {
			t.Errorf("error %q, want exactly %q", s, invites.ErrInviteInvalid)
		}
	}
	if _, err := w.Invites().CheckToken(context.Background(), "garbage"); err == nil || err.Error() != invites.ErrInviteInvalid.Error() {
		t.Errorf("CheckToken(garbage) = %v", err)
	}
}

func TestGateBypassSettings(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		ctx := context.Background()
		mustInvite(t, w, "invited@example.com") // closes the auto gate
		set := func(s invites.Settings) {
			t.Helper()
			if _, err := w.Invites().SetSettings(ctx, roster.System, s); err != nil {
				t.Fatal(err)
			}
		}
		check := func(email string, src users.Source, want error) {
			t.Helper()
			err := register(w, email, src, "")
			if want == nil && err != nil || want != nil && !errors.Is(err, want) {
				t.Errorf("Register(%s, %s) = %v, want %v", email, src, err, want)
			}
		}
		check("sso1@example.com", users.SourceSSO, invites.ErrInviteRequired)
		set(invites.Settings{SSOBypassesInvite: true})
		check("sso2@example.com", users.SourceSSO, nil)
		check("pw@example.com", users.SourcePassword, invites.ErrInviteRequired)
		check("scim1@example.com", users.SourceSCIM, nil)
		set(invites.Settings{SCIMRequiresInvite: true})
		check("scim2@example.com", users.SourceSCIM, invites.ErrInviteRequired)
		check("sso3@example.com", users.SourceSSO, invites.ErrInviteRequired)
		check("invited@example.com", users.SourceSCIM, nil)
		check("svc@example.com", users.SourceService, nil)
		// Allowed domains combine with the gate: both must pass.
		set(invites.Settings{Mode: invites.ModeOpen, AllowedDomains: []string{"example.com"}})
		check("a@example.com.evil.io", users.SourcePassword, invites.ErrDomainNotAllowed)
		check("a@sub.example.com", users.SourceSCIM, invites.ErrDomainNotAllowed)
		check("a@EXAMPLE.com", users.SourcePassword, nil)
	})
}

// TestConcurrentRedemption: two sign-ups of the same invited email with the
// same link at once; exactly one succeeds.
func TestConcurrentRedemption(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		for round := 0; round < 5; round++ {
			email := "ann" + string(rune('a'+round)) + "@example.com"
			mustInvite(t, w, email)
			tok := f.mail.token(t, email)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			start := make(chan struct{})
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = register(w, email, users.SourcePassword, tok)
				}()
			}
			close(start)
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, users.ErrDuplicate), errors.Is(err, invites.ErrInviteInvalid):
				default:
					t.Errorf("round %d: unexpected error %v", round, err)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d sign-ups succeeded (%v), want exactly 1", round, ok, errs)
			}
			if _, err := w.Invites().CheckToken(context.Background(), tok); !errors.Is(err, invites.ErrInviteInvalid) {
				t.Errorf("round %d: link still valid after redemption: %v", round, err)
			}
		}
	})
}

// TestSignupWithoutLinkConsumesInvite: a sign-up that needs no link (SSO,
// SCIM, or password in open mode) still consumes the email's invite row.
func TestSignupWithoutLinkConsumesInvite(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		mustInvite(t, w, "sso@example.com", "scim@example.com", "pw@example.com", "left@example.com")
		if _, err := w.Invites().SetSettings(context.Background(), roster.System, invites.Settings{Mode: invites.ModeOpen}); err != nil {
			t.Fatal(err)
		}
		for email, src := range map[string]users.Source{"sso@example.com": users.SourceSSO,
			"scim@example.com": users.SourceSCIM, "pw@example.com": users.SourcePassword} {
			if err := register(w, email, src, ""); err != nil {
				t.Fatalf("Register(%s, %s): %v", email, src, err)
			}
		}
		var rows []string
		if err := f.rawDB(t).Table("roster_invites").Order("email").Pluck("email", &rows).Error; err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rows, ","); got != "left@example.com" {
			t.Errorf("invite rows = %s, want only left@example.com", got)
		}
	})
}
