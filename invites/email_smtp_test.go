package invites

import (
	"context"
	"testing"

	"github.com/rosterhq/roster/users"
)

// TestSMTPMailerSendsToEveryIdentityForm: what users.NormalizeEmail accepts
// (its net/mail check) the SMTP mailer can address: Unicode local parts and
// U-label domains reach the server's RCPT unchanged, so an accepted invite
// does not fail later for its address.
func TestSMTPMailerSendsToEveryIdentityForm(t *testing.T) {
	ts := startSMTP(t, smtpBehaviour{})
	m := newTestMailer(t, ts, nil)
	for _, in := range []string{"JOSE\u0301@xn--bcher-kva.de", "\uff41dmin@example.com", "first.last+tag@mail.example.org",
		"\u03a3\u0391\u03a3@example.gr", "=cmd@x.com", "a%b_c@x.com"} {
		to, err := users.NormalizeEmail(in)
		if err != nil {
			t.Fatalf("NormalizeEmail(%q): %v", in, err)
		}
		if err := m.Send(context.Background(), Message{To: to, Subject: "Hi", Text: "hello"}); err != nil {
			t.Errorf("Send to %q: %v", to, err)
			continue
		}
		if got := ts.next(t); len(got.To) != 1 || got.To[0] != to {
			t.Errorf("RCPT = %q, want [%q]", got.To, to)
		}
	}
}
