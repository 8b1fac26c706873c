package invites

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// decodedMail is a received message taken apart with net/mail, mime/multipart
// and mime/quotedprintable.
type decodedMail struct {
	Header mail.Header
	From   string
	To     string
	Subj   string
	Text   string
	HTML   string
}

func decodeMail(t *testing.T, data []byte) decodedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("net/mail: %v", err)
	}
	var dm decodedMail
	dm.Header = msg.Header
	dm.From, dm.To = msg.Header.Get("From"), msg.Header.Get("To")
	if dm.Subj, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("subject: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		// NextRawPart leaves the transfer encoding alone, so the test decodes
		// quoted-printable itself.
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		body := decodePart(t, part)
		switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
		case "text/plain":
			dm.Text = body
		case "text/html":
			dm.HTML = body
		default:
			t.Fatalf("unexpected part %q", ct)
		}
	}
	return dm
}

func decodePart(t *testing.T, part *multipart.Part) string {
	t.Helper()
	var r io.Reader = part
	switch enc := part.Header.Get("Content-Transfer-Encoding"); strings.ToLower(enc) {
	case "quoted-printable":
		r = quotedprintable.NewReader(part)
	case "", "7bit", "8bit":
	default:
		t.Fatalf("unexpected transfer encoding %q", enc)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode part: %v", err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func newTestMailer(t *testing.T, ts *testSMTP, mod func(*SMTPConfig)) *SMTPMailer {
	t.Helper()
	cfg := SMTPConfig{Host: ts.Host, Port: ts.Port, From: "Roster <no-reply@roster.test>", TLS: NoTLS, HELO: "roster.test", Timeout: 10 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	m, err := NewSMTPMailer(cfg)
	if err != nil {
		t.Fatalf("NewSMTPMailer: %v", err)
	}
	return m
}

// testInvitation has a link longer than a quoted-printable line (76) and a
// non-ASCII workspace name, so the test proves its decoding.
func testInvitation() Invitation {
	tok, _ := ParseToken(validToken)
	return Invitation{
		Email:     "new.hire@example.com",
		Link:      "https://app.example.com/invites/accept?token=" + tok.Secret(),
		Workspace: "Acmé Research",
		InvitedBy: "Ada Admin",
		ExpiresAt: time.Date(2030, 1, 2, 15, 4, 0, 0, time.UTC),
	}
}

func TestSMTPMailerDelivers(t *testing.T) {
	ts := startSMTP(t, smtpBehaviour{})
	inv := testInvitation()
	msg, err := Templates{}.Render(inv)
	if err != nil {
		t.Fatal(err)
	}
	if err := newTestMailer(t, ts, nil).Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := ts.next(t)
	if want := []string{inv.Email}; len(got.To) != 1 || got.To[0] != want[0] {
		t.Errorf("envelope RCPT = %v, want %v", got.To, want)
	}
	if got.From != "no-reply@roster.test" {
		t.Errorf("envelope MAIL FROM = %q, want no-reply@roster.test", got.From)
	}
	if bytes.Contains(got.Data, []byte(inv.Link)) {
		t.Errorf("the raw message holds the link unencoded; want quoted-printable soft breaks (the test must decode)")
	}
	dm := decodeMail(t, got.Data)
	if dm.To != "<new.hire@example.com>" && dm.To != "new.hire@example.com" {
		t.Errorf("To header = %q", dm.To)
	}
	if from, err := mail.ParseAddress(dm.From); err != nil || from.Address != "no-reply@roster.test" || from.Name != "Roster" {
		t.Errorf("From header = %q (%v)", dm.From, err)
	}
	if want := "You are invited to join Acmé Research"; dm.Subj != want {
		t.Errorf("Subject = %q, want %q", dm.Subj, want)
	}
	for _, h := range []string{"Date", "Message-Id"} {
		if dm.Header.Get(h) == "" {
			t.Errorf("missing %s header", h)
		}
	}
	if !strings.Contains(dm.Text, "\n"+inv.Link+"\n") {
		t.Errorf("text part does not carry the link on its own line:\n%s", dm.Text)
	}
	if !strings.Contains(dm.Text, "expires on 2 January 2030 at 15:04 UTC") {
		t.Errorf("text part lacks the expiry:\n%s", dm.Text)
	}
	if !strings.Contains(dm.HTML, `href="`+html.EscapeString(inv.Link)+`"`) {
		t.Errorf("HTML part does not link to the invitation:\n%s", dm.HTML)
	}
	if strings.Contains(dm.HTML, "ZgotmplZ") {
		t.Errorf("html/template rejected the link:\n%s", dm.HTML)
	}
}

func TestSMTPMailerServerRefuses(t *testing.T) {
	tests := []struct {
		name string
		b    smtpBehaviour
	}{
		{"550 on MAIL FROM", smtpBehaviour{MailErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "sender refused"}}},
		{"550 on RCPT TO", smtpBehaviour{RcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}}},
		{"554 after DATA", smtpBehaviour{DataErr: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "content rejected"}}},
		{"451 after DATA (temporary)", smtpBehaviour{DataErr: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}}},
	}
	msg, err := Templates{}.Render(testInvitation())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startSMTP(t, tt.b)
			status, err := Deliver(context.Background(), newTestMailer(t, ts, nil), msg)
			if err == nil {
				t.Fatal("Send = nil, want an error")
			}
			if status != StatusSendFailed {
				t.Errorf("status = %q, want %q", status, StatusSendFailed)
			}
			ts.none(t)
		})
	}
}

func TestSMTPMailerTLSMandatoryByDefault(t *testing.T) {
	ts := startSMTP(t, smtpBehaviour{}) // no STARTTLS offered
	m := newTestMailer(t, ts, func(c *SMTPConfig) { c.TLS = 0 })
	msg, err := Templates{}.Render(testInvitation())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), msg); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send over plaintext with the default policy = %v, want a STARTTLS error", err)
	}
	ts.none(t)
}

func TestSMTPMailerSTARTTLSWithAuth(t *testing.T) {
	serverTLS, clientTLS := selfSignedTLS(t)
	ts := startSMTP(t, smtpBehaviour{TLS: serverTLS, Auth: true})
	tests := []struct {
		name   string
		policy TLSPolicy
	}{
		{"mandatory", TLSMandatory},
		{"opportunistic", TLSOpportunistic},
	}
	msg, err := Templates{}.Render(testInvitation())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		m := newTestMailer(t, ts, func(c *SMTPConfig) {
			c.TLS, c.TLSConfig, c.Username, c.Password = tt.policy, clientTLS, "roster", "s3cret"
		})
		if err := m.Send(context.Background(), msg); err != nil {
			t.Fatalf("%s: Send: %v", tt.name, err)
		}
		got := ts.next(t)
		if !got.TLS || got.Username != "roster" || got.Password != "s3cret" {
			t.Errorf("%s: TLS=%v user=%q, want an encrypted, authenticated session", tt.name, got.TLS, got.Username)
		}
	}
	if clientTLS.ServerName != "" {
		t.Errorf("NewSMTPMailer modified the caller's tls.Config")
	}
}

func TestSMTPMailerUntrustedCertificate(t *testing.T) {
	serverTLS, _ := selfSignedTLS(t)
	ts := startSMTP(t, smtpBehaviour{TLS: serverTLS})
	m := newTestMailer(t, ts, func(c *SMTPConfig) { c.TLS = TLSMandatory }) // system roots
	msg, err := Templates{}.Render(testInvitation())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), msg); err == nil {
		t.Fatal("Send to a server with an untrusted certificate = nil, want an error")
	}
	ts.none(t)
}

func TestSMTPMailerNoPasswordInClear(t *testing.T) {
	// The server offers AUTH PLAIN without TLS; the mailer must not use it.
	ts := startSMTP(t, smtpBehaviour{Auth: true, InsecureOK: true})
	m := newTestMailer(t, ts, func(c *SMTPConfig) { c.Username, c.Password = "roster", "s3cret" })
	msg, err := Templates{}.Render(testInvitation())
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), msg)
	if err == nil {
		t.Fatal("Send = nil, want an error: only PLAIN is offered, over plaintext")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error contains the password: %v", err)
	}
	ts.none(t)
}

func TestSMTPMailerContext(t *testing.T) {
	msg, err := Templates{}.Render(testInvitation())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("cancelled before Send", func(t *testing.T) {
		ts := startSMTP(t, smtpBehaviour{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := newTestMailer(t, ts, nil).Send(ctx, msg); !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v, want context.Canceled", err)
		}
		ts.none(t)
	})
	t.Run("cancelled while the server stalls", func(t *testing.T) {
		b := smtpBehaviour{DataEntered: make(chan struct{}), DataRelease: make(chan struct{})}
		ts := startSMTP(t, b)
		defer close(b.DataRelease) // runs before the server's cleanup
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		m := newTestMailer(t, ts, nil) // on the test's goroutine: it may t.Fatal
		go func() { errc <- m.Send(ctx, msg) }()
		<-b.DataEntered
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v, want context.Canceled", err)
		}
	})
}

func TestNewSMTPMailerConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  SMTPConfig
		ok   bool
	}{
		{"minimal", SMTPConfig{Host: "smtp.example.com", From: "no-reply@example.com"}, true},
		{"display name in From", SMTPConfig{Host: "smtp.example.com", From: "Acme <no-reply@example.com>"}, true},
		{"no host", SMTPConfig{From: "no-reply@example.com"}, false},
		{"no from", SMTPConfig{Host: "smtp.example.com"}, false},
		{"bad from", SMTPConfig{Host: "smtp.example.com", From: "no-reply"}, false},
		{"port too high", SMTPConfig{Host: "smtp.example.com", From: "a@example.com", Port: 70000}, false},
		{"negative port", SMTPConfig{Host: "smtp.example.com", From: "a@example.com", Port: -1}, false},
		{"unknown TLS policy", SMTPConfig{Host: "smtp.example.com", From: "a@example.com", TLS: 7}, false},
		{"negative timeout", SMTPConfig{Host: "smtp.example.com", From: "a@example.com", Timeout: -time.Second}, false},
		{"password without username", SMTPConfig{Host: "smtp.example.com", From: "a@example.com", Password: "x"}, false},
	}
	for _, tt := range tests {
		m, err := NewSMTPMailer(tt.cfg)
		if tt.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidConfig)) {
			t.Errorf("%s: NewSMTPMailer = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err == nil && (m.cfg.Port != DefaultSMTPPort || m.cfg.Timeout != DefaultSMTPTimeout || m.cfg.TLS != TLSMandatory || m.cfg.TLSConfig.ServerName != "smtp.example.com") {
			t.Errorf("%s: defaults not applied: %+v", tt.name, m.cfg)
		}
	}
}

func TestSMTPMailerRejectsBadMessages(t *testing.T) {
	ts := startSMTP(t, smtpBehaviour{})
	m := newTestMailer(t, ts, nil)
	good := Message{To: "bob@example.com", Subject: "Hi", Text: "hello"}
	tests := []struct {
		name string
		mod  func(*Message)
	}{
		{"header injection in To", func(m *Message) { m.To = "bob@example.com\r\nBcc: eve@evil.org" }},
		{"two recipients", func(m *Message) { m.To = "bob@example.com, eve@evil.org" }},
		{"display name", func(m *Message) { m.To = "Bob <bob@example.com>" }},
		{"empty To", func(m *Message) { m.To = "" }},
		{"newline in Subject", func(m *Message) { m.Subject = "Hi\r\nBcc: eve@evil.org" }},
		{"no body", func(m *Message) { m.Text = "" }},
	}
	for _, tt := range tests {
		msg := good
		tt.mod(&msg)
		if err := m.Send(context.Background(), msg); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%s: Send = %v, want ErrInvalidMessage", tt.name, err)
		}
	}
	ts.none(t)
	if err := m.Send(context.Background(), good); err != nil {
		t.Fatalf("good message: %v", err)
	}
	if got := ts.next(t); len(got.To) != 1 || got.To[0] != "bob@example.com" {
		t.Errorf("RCPT = %v", got.To)
	}
}
