package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rosterhq/roster/invites"
)

// smtpConfig is the SMTP server of the -smtp-* flags; mail goes to the
// development mailer when Host is empty.
type smtpConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	TLS      string // mandatory (default), opportunistic or none
}

// mailTimeout bounds one password-reset mail, sent after the response.
const mailTimeout = 30 * time.Second

// newMailer returns the mailer of invitations and password resets:
// cfg.Mailer if set, an SMTP mailer when a host is configured, otherwise
// roster's development mailer writing "roster mail to <email>: <link>" lines
// to cfg.Out.
func newMailer(cfg config) (invites.Mailer, error) {
	if cfg.Mailer != nil {
		return cfg.Mailer, nil
	}
	if cfg.SMTP.Host == "" {
		return invites.NewDevMailer(cfg.Out), nil
	}
	policy := map[string]invites.TLSPolicy{"": invites.TLSMandatory, "mandatory": invites.TLSMandatory,
		"opportunistic": invites.TLSOpportunistic, "none": invites.NoTLS}
	tls, ok := policy[cfg.SMTP.TLS]
	if !ok {
		return nil, fmt.Errorf("SMTP TLS policy %q is not mandatory, opportunistic or none", cfg.SMTP.TLS)
	}
	return invites.NewSMTPMailer(invites.SMTPConfig{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port,
		Username: cfg.SMTP.Username, Password: cfg.SMTP.Password, From: cfg.SMTP.From, TLS: tls})
}

// resetMessage is the password-reset mail for email with its link.
func resetMessage(email, link string, ttl time.Duration) invites.Message {
	text := fmt.Sprintf("Someone asked to reset the password of your account %s.\n\n"+
		"To choose a new password, open this link within %v:\n\n%s\n\n"+
		"If it was not you, ignore this message: your password stays as it is.\n", email, ttl, link)
	return invites.Message{To: email, Subject: "Reset your password", Text: text, Link: link}
}

// sendAfter sends m in the background, so that the response does not wait
// for (nor its timing reveal) the mail. Close waits for it.
func (s *server) sendAfter(ctx context.Context, build func(ctx context.Context) (invites.Message, bool)) {
	s.mail.Add(1)
	go func() {
		defer s.mail.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mailTimeout)
		defer cancel()
		m, ok := build(ctx)
		if !ok {
			return
		}
		if err := s.mailer.Send(ctx, m); err != nil {
			// No error text: a mail server's error may quote the address.
			s.cfg.Logger.Warn("server: password-reset mail not sent", "status", invites.StatusOf(err))
		}
	}()
}
