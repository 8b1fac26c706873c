package invites

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"unicode"
)

// Message is one email. [Templates.Render] builds invitation messages.
type Message struct {
	// To is the recipient: one bare address, no display name.
	To string
	// Subject is the subject line; it may not contain line breaks.
	Subject string
	// Text is the plain-text body.
	Text string
	// HTML is the HTML body, sent as an alternative to Text. Optional.
	HTML string
	// Link is the invitation link the bodies carry, if any. It holds a link
	// token and so is a secret. SMTPMailer ignores it (the bodies carry it);
	// DevMailer prints it.
	Link string
}

// Mailer sends email. Implementations must be safe for concurrent use and
// honour ctx. Send returns nil once the message is handed to the mail system;
// roster records the outcome with [StatusOf].
//
// roster calls Send after the transaction that created the invite commits,
// outside any lock.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// MailerFunc adapts a function to the [Mailer] interface.
type MailerFunc func(ctx context.Context, m Message) error

// Send calls f(ctx, m).
func (f MailerFunc) Send(ctx context.Context, m Message) error { return f(ctx, m) }

var (
	_ Mailer = MailerFunc(nil)
	_ Mailer = (*SMTPMailer)(nil)
	_ Mailer = (*DevMailer)(nil)
)

// Status is the delivery status of an invitation email, stored as these
// strings.
type Status string

// Delivery statuses.
const (
	// StatusSent: the mailer accepted the message.
	StatusSent Status = "sent"
	// StatusNotConfigured: no mailer is configured, nothing was sent.
	StatusNotConfigured Status = "not_configured"
	// StatusSendFailed: the mailer returned an error; the invite stands and
	// sending can be retried.
	StatusSendFailed Status = "send_failed"
	// StatusDisabled: invitation mail is switched off, nothing was sent.
	StatusDisabled Status = "disabled"
)

// ParseStatus returns the Status named s, or an error wrapping
// [ErrInvalidMessage].
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case StatusSent, StatusNotConfigured, StatusSendFailed, StatusDisabled:
		return st, nil
	}
	return "", fmt.Errorf("%w: unknown delivery status %q", ErrInvalidMessage, s)
}

// StatusOf maps the result of [Mailer.Send] to a delivery status: nil is
// sent, [ErrMailNotConfigured] is not_configured, [ErrMailDisabled] is
// disabled, and every other error is send_failed.
func StatusOf(err error) Status {
	switch {
	case err == nil:
		return StatusSent
	case errors.Is(err, ErrMailNotConfigured):
		return StatusNotConfigured
	case errors.Is(err, ErrMailDisabled):
		return StatusDisabled
	}
	return StatusSendFailed
}

// Deliver sends m through mailer and returns the resulting status with the
// error. A nil mailer sends nothing and yields [StatusNotConfigured] with
// [ErrMailNotConfigured].
func Deliver(ctx context.Context, mailer Mailer, m Message) (Status, error) {
	if mailer == nil {
		return StatusNotConfigured, ErrMailNotConfigured
	}
	err := mailer.Send(ctx, m)
	return StatusOf(err), err
}

// validate checks what every mailer needs: one bare recipient and headers and
// link without control characters (no header injection, one dev-mailer line).
func (m Message) validate() error {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrInvalidMessage, why) }
	if err := checkAddress(m.To); err != nil {
		return bad("recipient: " + err.Error())
	}
	if strings.ContainsFunc(m.Subject, unicode.IsControl) {
		return bad("subject contains a control character")
	}
	if strings.ContainsFunc(m.Link, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return bad("link contains a space or control character")
	}
	return nil
}

// checkAddress accepts exactly one bare address such as bob@example.com.
func checkAddress(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return errors.New("contains a space or control character")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return errors.New("not a single bare address")
	}
	return nil
}

// checkLink accepts an absolute http or https URL with a host.
func checkLink(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%w: link is not an absolute http or https URL", ErrInvalidMessage)
	}
	return nil
}
