package invites_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
)

// A refusal that quotes its cause's text (a bad address of a bulk invite, of
// a revoke or resend) starts with one package prefix: the cause's "users: "
// is dropped. The sentence a person reads stays one sentence.
func TestRefusalTextHasOnePrefix(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		f := openFixture(t, dsn)
		w := f.d.Default()
		ctx := context.Background()
		_, invErr := w.Invites().Invite(ctx, roster.System, []string{"ok@example.com", "not an address"})
		_, resendErr := w.Invites().Resend(ctx, roster.System, "a..b@example.com")
		cases := []struct {
			err            error
			text, sentence string
		}{
			{invErr, "invites: invalid invitation request: address 2: bad email address: holds white space or a control character",
				"Address 2 is not a valid email address."},
			{w.Invites().Revoke(ctx, roster.System, ""), "invites: invalid invitation request: bad email address: empty address",
				"That is not a valid email address."},
			{resendErr, "invites: invalid invitation request: bad email address: not an address mail can be sent to",
				"That is not a valid email address."},
		}
		for _, c := range cases {
			if c.err == nil {
				t.Fatalf("want %q, got nil", c.text)
			}
			if got := c.err.Error(); got != c.text {
				t.Errorf("Error() = %q, want %q", got, c.text)
			}
			if got := access.Sentence(c.err, nil); got != c.sentence {
				t.Errorf("Sentence = %q, want %q", got, c.sentence)
			}
			for _, p := range []string{"users: ", "invites: "} {
				if n := strings.Count(c.err.Error(), p); n > 1 {
					t.Errorf("%q holds %q %d times", c.err, p, n)
				}
			}
		}
	})
}
