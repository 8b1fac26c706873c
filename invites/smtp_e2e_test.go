package invites_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
)

// e2eSMTP is a real SMTP server on 127.0.0.1 that queues each message's data
// and refuses recipients while refuse is set.
type e2eSMTP struct {
	host   string
	port   int
	data   chan []byte
	refuse atomic.Bool
}

func startE2ESMTP(t *testing.T) *e2eSMTP {
	t.Helper()
	ts := &e2eSMTP{data: make(chan []byte, 8)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &e2eSession{srv: ts}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		ln.Close()
		<-done
	})
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	ts.host = host
	ts.port, _ = strconv.Atoi(port)
	return ts
}

type e2eSession struct{ srv *e2eSMTP }

func (s *e2eSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *e2eSession) Rcpt(string, *smtp.RcptOptions) error {
	if s.srv.refuse.Load() {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	}
	return nil
}
func (s *e2eSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.data <- b
	return nil
}
func (s *e2eSession) Reset()        {}
func (s *e2eSession) Logout() error { return nil }

var linkRE = regexp.MustCompile(`https://app\.example\.com/invite/accept\?\S+`)

// mailedLink decodes a received message (MIME multipart, quoted-printable)
// and returns its recipient and the link in its plain-text part.
func mailedLink(t *testing.T, data []byte) (to, link string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("net/mail: %v", err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err != nil {
			t.Fatalf("no text/plain part: %v", err)
		}
		if ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct != "text/plain" {
			continue
		}
		var r io.Reader = part
		if strings.EqualFold(part.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			r = quotedprintable.NewReader(part)
		}
		body, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return msg.Header.Get("To"), linkRE.FindString(string(body))
	}
}

func TestInviteThroughSMTP(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		ts := startE2ESMTP(t)
		mailer, err := invites.NewSMTPMailer(invites.SMTPConfig{Host: ts.host, Port: ts.port,
			From: "Roster <no-reply@roster.test>", TLS: invites.NoTLS, HELO: "roster.test", Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		d, err := roster.Open(ctx, roster.Config{DSN: dsn, Now: rostertest.NewClock().Now, Invites: roster.InvitesConfig{
			Mailer: mailer,
			Link: func(ws, token string) string {
				return "https://app.example.com/invite/accept?workspace=" + ws + "&token=" + token
			},
		}})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		w := d.Default()

		res := mustInvite(t, w, "New.Hire@Example.com")
		if res.Addresses[0].Delivery != invites.StatusSent {
			t.Fatalf("delivery = %q, want sent", res.Addresses[0].Delivery)
		}
		to, link := mailedLink(t, <-ts.data)
		if to != "<new.hire@example.com>" && to != "new.hire@example.com" {
			t.Errorf("To = %q", to)
		}
		tok := tokenOf(t, link)
		if email, err := w.Invites().CheckToken(ctx, tok); err != nil || email != "new.hire@example.com" {
			t.Fatalf("CheckToken(mailed link) = %q, %v", email, err)
		}
		if err := register(w, "new.hire@example.com", users.SourcePassword, tok); err != nil {
			t.Fatalf("Register with the mailed link: %v", err)
		}

		// A server that refuses leaves the invite, marked send_failed.
		ts.refuse.Store(true)
		res = mustInvite(t, w, "second@example.com")
		if res.Addresses[0].Delivery != invites.StatusSendFailed {
			t.Fatalf("delivery with a refusing server = %q, want send_failed", res.Addresses[0].Delivery)
		}
		if got := fmt.Sprint(pending(t, w)); got != "[second@example.com=send_failed]" {
			t.Fatalf("pending = %s", got)
		}
		ts.refuse.Store(false)
		if st, err := w.Invites().Resend(ctx, roster.System, "second@example.com"); err != nil || st != invites.StatusSent {
			t.Fatalf("Resend = %q, %v", st, err)
		}
		_, link = mailedLink(t, <-ts.data)
		if err := register(w, "second@example.com", users.SourcePassword, tokenOf(t, link)); err != nil {
			t.Fatalf("Register with the resent link: %v", err)
		}
		if _, err := w.Invites().CheckToken(ctx, tokenOf(t, link)); !errors.Is(err, invites.ErrInviteInvalid) {
			t.Errorf("used link still checks: %v", err)
		}
	})
}
