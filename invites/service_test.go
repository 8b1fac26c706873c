package invites_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
)

// mailbox is a Mailer that keeps every message and fails while fail is set.
type mailbox struct {
	mu   sync.Mutex // guards msgs
	msgs []invites.Message
	fail atomic.Bool
}

func (m *mailbox) Send(_ context.Context, msg invites.Message) error {
	if m.fail.Load() {
		return errors.New("smtp: 451 try again later")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return nil
}

// all returns the messages received so far.
func (m *mailbox) all() []invites.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]invites.Message(nil), m.msgs...)
}

// token returns the link token of the last message to email.
func (m *mailbox) token(t *testing.T, email string) string {
	t.Helper()
	msgs := m.all()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To == email {
			return tokenOf(t, msgs[i].Link)
		}
	}
	t.Fatalf("no mail to %s among %d messages", email, len(msgs))
	return ""
}

func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("parse link: %v", err)
	}
	return u.Query().Get("token")
}

// fixture is an open Directory with a fake clock and a mailbox.
type fixture struct {
	d     *roster.Directory
	clock *rostertest.Clock
	mail  *mailbox
	dsn   string
}

func openFixture(t *testing.T, dsn string) *fixture {
	t.Helper()
	f := &fixture{clock: rostertest.NewClock(), mail: &mailbox{}, dsn: dsn}
	cfg := roster.Config{DSN: dsn, Now: f.clock.Now, Invites: roster.InvitesConfig{
		Mailer: f.mail,
		Link: func(ws, token string) string {
			return "https://app.example.com/invite/accept?ws=" + ws + "&token=" + token
		},
	}}
	d, err := roster.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	f.d = d
	return f
}

// workspace creates a workspace for one subtest.
func (f *fixture) workspace(t *testing.T, id string) *roster.Workspace {
	t.Helper()
	w, err := f.d.CreateWorkspace(context.Background(), roster.System, id, id)
	if err != nil {
		t.Fatalf("CreateWorkspace(%s): %v", id, err)
	}
	return w
}

func register(w *roster.Workspace, email string, src users.Source, token string) error {
	_, err := w.Users().Register(context.Background(), users.Registration{Email: email, Source: src, InviteToken: token})
	return err
}

func mustRegister(t *testing.T, w *roster.Workspace, email string) users.User {
	t.Helper()
	u, err := w.Users().Register(context.Background(), users.Registration{Email: email, Source: users.SourceSCIM})
	if err != nil {
		t.Fatalf("Register(%s): %v", email, err)
	}
	return u
}

func mustInvite(t *testing.T, w *roster.Workspace, emails ...string) invites.BulkResult {
	t.Helper()
	res, err := w.Invites().Invite(context.Background(), roster.System, emails)
	if err != nil {
		t.Fatalf("Invite(%v): %v", emails, err)
	}
	return res
}

func pending(t *testing.T, w *roster.Workspace) []string {
	t.Helper()
	list, err := w.Invites().List(context.Background(), roster.System)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var out []string
	for _, inv := range list {
		out = append(out, inv.Email+"="+string(inv.Delivery))
	}
	return out
}

// rawDB opens a second connection to the fixture's database, for rows no API
// writes.
func (f *fixture) rawDB(t *testing.T) *gorm.DB {
	t.Helper()
	var dial gorm.Dialector
	if strings.HasPrefix(f.dsn, "postgres") {
		dial = postgres.Open(f.dsn)
	} else {
		dial = sqlite.Open(strings.TrimPrefix(f.dsn, "sqlite:") + "?" + store.SQLitePragmas)
	}
	db, err := gorm.Open(dial, &gorm.Config{})
	if err != nil {
		t.Fatalf("open raw db: %v", err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return db
}

func TestBulkInviteValidatesEveryAddressFirst(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		ctx := context.Background()
		before := f.d.Version()
		bad := [][]string{
			{"a@example.com", "not an address", "b@example.com"},
			{"a@example.com", "b@exa\x00mple.com"},
			{},
			make([]string, invites.MaxBulk+1),
		}
		for i := range bad[3] {
			bad[3][i] = fmt.Sprintf("u%d@example.com", i)
		}
		for _, emails := range bad {
			_, err := w.Invites().Invite(ctx, roster.System, emails)
			if !errors.Is(err, invites.ErrInvalidRequest) || !errors.Is(err, roster.ErrInvalid) {
				t.Errorf("Invite(%d addresses) error = %v, want ErrInvalidRequest matching roster.ErrInvalid", len(emails), err)
			}
		}
		if got := pending(t, w); len(got) != 0 {
			t.Errorf("pending after refused calls = %v, want none", got)
		}
		if got := f.d.Version(); got != before {
			t.Errorf("Version = %d after refused calls, want %d (nothing written)", got, before)
		}
		if n := len(f.mail.all()); n != 0 {
			t.Errorf("%d messages sent by refused calls", n)
		}
		// The refused calls did not close the auto gate.
		if err := register(w, "first@example.com", users.SourcePassword, ""); err != nil {
			t.Errorf("sign-up after refused invites: %v, want nil (gate still open)", err)
		}
	})
}

func TestBulkInviteResults(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		ctx := context.Background()
		mustRegister(t, w, "user@example.com")
		mustInvite(t, w, "old@example.com")
		res, err := w.Invites().Invite(ctx, roster.System,
			[]string{"New@Example.com", "USER@example.com", "old@example.com", "new@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		want := []invites.AddressResult{
			{Email: "new@example.com", Outcome: invites.OutcomeInvited, Delivery: invites.StatusSent},
			{Email: "user@example.com", Outcome: invites.OutcomeAlreadyUser},
			{Email: "old@example.com", Outcome: invites.OutcomeAlreadyInvited},
			{Email: "new@example.com", Outcome: invites.OutcomeAlreadyInvited}, // the same address twice
		}
		if fmt.Sprint(res.Addresses) != fmt.Sprint(want) || res.Invited != 1 || res.Pending != 2 {
			t.Fatalf("Invite = %+v, want addresses %+v, invited 1, pending 2", res, want)
		}
		var to []string
		for _, m := range f.mail.all() {
			to = append(to, m.To)
		}
		if got := strings.Join(to, ","); got != "old@example.com,new@example.com" {
			t.Errorf("mail went to %s, want old@ then new@ (none to the user or twice)", got)
		}
		// The mailed link names its email and redeems the invite.
		tok := f.mail.token(t, "new@example.com")
		if email, err := w.Invites().CheckToken(ctx, tok); err != nil || email != "new@example.com" {
			t.Fatalf("CheckToken = %q, %v; want new@example.com", email, err)
		}
		if err := register(w, "new@example.com", users.SourcePassword, tok); err != nil {
			t.Fatalf("Register with the mailed link: %v", err)
		}
		if got := fmt.Sprint(pending(t, w)); got != "[old@example.com=sent]" {
			t.Errorf("pending = %s, want only old@example.com", got)
		}
		if _, err := w.Invites().CheckToken(ctx, tok); !errors.Is(err, invites.ErrInviteInvalid) {
			t.Errorf("CheckToken of a used link = %v, want ErrInviteInvalid", err)
		}
	})
}

func TestFailedMailIsKeptAndResent(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		ctx := context.Background()
		f.mail.fail.Store(true)
		res := mustInvite(t, w, "ann@example.com")
		if res.Addresses[0].Delivery != invites.StatusSendFailed {
			t.Fatalf("delivery = %q, want send_failed", res.Addresses[0].Delivery)
		}
		if got := fmt.Sprint(pending(t, w)); got != "[ann@example.com=send_failed]" {
			t.Fatalf("pending = %s, want ann with send_failed", got)
		}
		f.mail.fail.Store(false)
		st, err := w.Invites().Resend(ctx, roster.System, "Ann@Example.com")
		if err != nil || st != invites.StatusSent {
			t.Fatalf("Resend = %q, %v; want sent", st, err)
		}
		if got := fmt.Sprint(pending(t, w)); got != "[ann@example.com=sent]" {
			t.Fatalf("pending after resend = %s", got)
		}
		tok := f.mail.token(t, "ann@example.com")
		if err := register(w, "ann@example.com", users.SourcePassword, tok); err != nil {
			t.Fatalf("Register with the resent link: %v", err)
		}
	})
}

func TestResendRotatesTheLink(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		ctx := context.Background()
		mustInvite(t, w, "ann@example.com")
		old := f.mail.token(t, "ann@example.com")
		if _, err := w.Invites().Resend(ctx, roster.System, "ann@example.com"); err != nil {
			t.Fatal(err)
		}
		fresh := f.mail.token(t, "ann@example.com")
		if fresh == old {
			t.Fatal("Resend mailed the same token")
		}
		if _, err := w.Invites().CheckToken(ctx, old); !errors.Is(err, invites.ErrInviteInvalid) {
			t.Errorf("old link after Resend: %v, want ErrInviteInvalid", err)
		}
		if err := register(w, "ann@example.com", users.SourcePassword, old); !errors.Is(err, invites.ErrInviteInvalid) {
			t.Errorf("Register with the old link: %v, want ErrInviteInvalid", err)
		}
		if err := register(w, "ann@example.com", users.SourcePassword, fresh); err != nil {
			t.Errorf("Register with the new link: %v", err)
		}
		for _, email := range []string{"ann@example.com", "nobody@example.com"} {
			if _, err := w.Invites().Resend(ctx, roster.System, email); !errors.Is(err, invites.ErrInviteNotFound) || !errors.Is(err, roster.ErrNotFound) {
				t.Errorf("Resend(%s) = %v, want ErrInviteNotFound", email, err)
			}
		}
	})
}

func TestNoMailerRecordsNotConfigured(t *testing.T) {
	d, err := roster.Open(context.Background(), roster.Config{DSN: rostertest.SQLiteDSN(t), Now: rostertest.NewClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := d.Default()
	res := mustInvite(t, w, "ann@example.com")
	if res.Addresses[0].Delivery != invites.StatusNotConfigured {
		t.Errorf("delivery = %q, want not_configured", res.Addresses[0].Delivery)
	}
	if got := fmt.Sprint(pending(t, w)); got != "[ann@example.com=not_configured]" {
		t.Errorf("pending = %s", got)
	}
}

func TestNonAdminsAreRefused(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		ctx := context.Background()
		mustRegister(t, w, "admin@example.com") // the first person is admin
		bob := mustRegister(t, w, "bob@example.com")
		mustInvite(t, w, "ann@example.com")
		sent := len(f.mail.all())
		actors := map[string]roster.Actor{"basic user": access.UserActor(bob.ID), "unknown user": access.UserActor("nobody"), "empty actor": ""}
		calls := map[string]func(a roster.Actor) error{
			"Invite": func(a roster.Actor) error {
				_, err := w.Invites().Invite(ctx, a, []string{"eve@example.com"})
				return err
			},
			"Revoke": func(a roster.Actor) error { return w.Invites().Revoke(ctx, a, "ann@example.com") },
			"Resend": func(a roster.Actor) error {
				_, err := w.Invites().Resend(ctx, a, "ann@example.com")
				return err
			},
			"SetSettings": func(a roster.Actor) error {
				_, err := w.Invites().SetSettings(ctx, a, invites.Settings{Mode: invites.ModeOpen})
				return err
			},
			"Settings": func(a roster.Actor) error {
				_, err := w.Invites().Settings(ctx, a)
				return err
			},
			"List": func(a roster.Actor) error {
				_, err := w.Invites().List(ctx, a)
				return err
			},
		}
		for an, a := range actors {
			for cn, call := range calls {
				before := f.d.Version()
				if err := call(a); !errors.Is(err, roster.ErrForbidden) {
					t.Errorf("%s by %s: %v, want ErrForbidden", cn, an, err)
				}
				if got := f.d.Version(); got != before {
					t.Errorf("%s by %s wrote version %d", cn, an, got)
				}
			}
		}
		if got := fmt.Sprint(pending(t, w)); got != "[ann@example.com=sent]" {
			t.Errorf("pending after refusals = %s, want ann only", got)
		}
		if n := len(f.mail.all()); n != sent {
			t.Errorf("refused calls sent %d messages", n-sent)
		}
		st, err := w.Invites().Settings(ctx, roster.System)
		if err != nil || st.Mode != invites.ModeAuto {
			t.Errorf("settings after refusals = %+v, %v; want auto", st, err)
		}
	})
}

func TestDeleteUserRemovesTheirInvites(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		ctx := context.Background()
		admin := mustRegister(t, w, "admin@example.com")
		mustInvite(t, w, "ann@example.com", "other@example.com")
		tok := f.mail.token(t, "ann@example.com")
		ann, err := w.Users().Register(ctx, users.Registration{Email: "ann@example.com", InviteToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		// A stale invite row for a user's email (no API writes one: inviting a
		// user adds nothing and sign-up consumes the invite).
		err = f.rawDB(t).Exec(`INSERT INTO roster_invites (workspace_id, email, invited_by, invited_at, email_status)
			VALUES (?, ?, 'system', ?, 'sent')`, w.ID(), "ann@example.com", f.clock.Now()).Error
		if err != nil {
			t.Fatal(err)
		}
		by := access.UserActor(admin.ID)
		if _, err := w.Users().Deactivate(ctx, by, ann.ID); err != nil {
			t.Fatal(err)
		}
		if err := w.Users().Delete(ctx, by, ann.ID); err != nil {
			t.Fatal(err)
		}
		var left []string
		if err := f.rawDB(t).Table("roster_invites").Order("email").Pluck("email", &left).Error; err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(left) != "[other@example.com]" {
			t.Errorf("invite rows after delete = %v, want only other@example.com", left)
		}
		// The used link stays used after the user is gone.
		if err := register(w, "ann@example.com", users.SourcePassword, tok); !errors.Is(err, invites.ErrInviteInvalid) {
			t.Errorf("re-register with the used link: %v, want ErrInviteInvalid", err)
		}
	})
}

// TestListNamesTheInviter checks that List gives back the actor who invited,
// typed: a user actor whose UserID is the inviter's id, or System.
func TestListNamesTheInviter(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		ctx := context.Background()
		admin := mustRegister(t, w, "admin@example.com")
		if _, err := w.Invites().Invite(ctx, access.UserActor(admin.ID), []string{"ann@example.com"}); err != nil {
			t.Fatal(err)
		}
		mustInvite(t, w, "bob@example.com") // as System
		list, err := w.Invites().List(ctx, roster.System)
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]access.Actor{}
		for _, inv := range list {
			by[inv.Email] = inv.InvitedBy
		}
		if id, ok := by["ann@example.com"].UserID(); !ok || id != admin.ID || by["ann@example.com"] != access.UserActor(admin.ID) {
			t.Errorf("ann's InvitedBy = %q (user id %q, %v), want the user actor of %s", by["ann@example.com"], id, ok, admin.ID)
		}
		if got := by["bob@example.com"]; got != access.System {
			t.Errorf("bob's InvitedBy = %q, want access.System", got)
		}
		if _, ok := by["bob@example.com"].UserID(); ok {
			t.Error("System's InvitedBy has a user id")
		}
	})
}

func TestSettingsRoundTrip(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		ctx := context.Background()
		got, err := w.Invites().Settings(ctx, roster.System)
		if err != nil || got.Mode != invites.ModeAuto || len(got.AllowedDomains) != 0 || got.SSOBypassesInvite || got.SCIMRequiresInvite {
			t.Fatalf("default settings = %+v, %v", got, err)
		}
		in := invites.Settings{Mode: invites.ModeInviteOnly, AllowedDomains: []string{" Example.COM", "example.com", "sub.example.org", "xn--bcher-kva.de", "Bücher.de"},
			SSOBypassesInvite: true, SCIMRequiresInvite: true}
		stored, err := w.Invites().SetSettings(ctx, roster.System, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err = w.Invites().Settings(ctx, roster.System)
		if err != nil {
			t.Fatal(err)
		}
		// The A-label and the U-label are one domain, stored as the U-label.
		want := "{invite_only [example.com sub.example.org bücher.de] true true}"
		if fmt.Sprint(stored) != want || fmt.Sprint(got) != want {
			t.Errorf("SetSettings = %v, Settings = %v, want %s", stored, got, want)
		}
		before := f.d.Version()
		for _, bad := range []invites.Settings{
			{Mode: "closed"},
			{AllowedDomains: []string{"*.example.com"}},
			{AllowedDomains: []string{"example"}},
			{AllowedDomains: []string{"ex ample.com"}},
		} {
			_, err := w.Invites().SetSettings(ctx, roster.System, bad)
			if !errors.Is(err, invites.ErrInvalidSettings) || !errors.Is(err, roster.ErrInvalid) {
				t.Errorf("SetSettings(%+v) = %v, want ErrInvalidSettings", bad, err)
			}
		}
		if f.d.Version() != before {
			t.Error("refused settings were written")
		}
	})
}
