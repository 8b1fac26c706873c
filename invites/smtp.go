package invites

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Defaults of SMTPConfig.
const (
	// DefaultSMTPPort is the mail submission port (RFC 6409), where STARTTLS
	// is the norm.
	DefaultSMTPPort = 587
	// DefaultSMTPTimeout bounds the connection and each SMTP command.
	DefaultSMTPTimeout = 15 * time.Second
)

// TLSPolicy says whether SMTPMailer encrypts the connection with STARTTLS.
// The zero value is TLSMandatory.
type TLSPolicy int

// TLS policies. Implicit TLS (SMTPS on port 465) is not supported; use
// STARTTLS on the submission port.
const (
	// TLSMandatory requires STARTTLS with a verified certificate and refuses
	// to send over a plaintext connection. The default; keep it in production.
	TLSMandatory TLSPolicy = iota
	// TLSOpportunistic uses STARTTLS when the server offers it and sends in
	// plaintext otherwise. For local relays.
	TLSOpportunistic
	// NoTLS never encrypts. For tests and local relays only.
	NoTLS
)

// String returns the policy's name.
func (p TLSPolicy) String() string {
	switch p {
	case TLSMandatory:
		return "mandatory"
	case TLSOpportunistic:
		return "opportunistic"
	case NoTLS:
		return "none"
	}
	return "TLSPolicy(" + strconv.Itoa(int(p)) + ")"
}

// SMTPConfig configures an [SMTPMailer]. Host and From are required; every
// other field has a working zero value.
type SMTPConfig struct {
	// Host is the SMTP server's host name or IP address. Required.
	Host string
	// Port is the server's port. Default DefaultSMTPPort (587).
	Port int
	// Username enables SMTP AUTH when not empty. The mechanism is discovered
	// from the server; PLAIN and LOGIN are used only over an encrypted
	// connection, so a password never crosses the network in clear.
	Username string
	// Password goes with Username.
	Password string
	// From is the sender address (envelope and header), such as
	// "Acme <no-reply@acme.example>". Required.
	From string
	// TLS is the STARTTLS policy. Default TLSMandatory.
	TLS TLSPolicy
	// TLSConfig verifies the server's certificate. Default: the system roots
	// and ServerName = Host. If ServerName is empty it is set to Host.
	TLSConfig *tls.Config
	// Timeout bounds the connection and each SMTP command; the context given
	// to Send bounds the whole exchange. Default DefaultSMTPTimeout (15s).
	Timeout time.Duration
	// HELO is the name announced in EHLO. Default: the machine's host name.
	HELO string
}

// SMTPMailer sends mail through an SMTP server with github.com/wneessen/go-mail.
// Each Send opens its own connection, so an SMTPMailer is safe for concurrent
// use and holds no connection between sends.
type SMTPMailer struct {
	cfg  SMTPConfig
	from string // cfg.From, checked
}

// NewSMTPMailer checks cfg, fills in its defaults and returns the mailer. It
// does not connect. Errors wrap [ErrInvalidConfig].
func NewSMTPMailer(cfg SMTPConfig) (*SMTPMailer, error) {
	bad := func(why string) (*SMTPMailer, error) {
		return nil, fmt.Errorf("%w: smtp: %s", ErrInvalidConfig, why)
	}
	switch {
	case cfg.Host == "":
		return bad("Host is required")
	case cfg.Port < 0 || cfg.Port > 65535:
		return bad("Port out of range")
	case cfg.TLS < TLSMandatory || cfg.TLS > NoTLS:
		return bad("unknown TLS policy " + cfg.TLS.String())
	case cfg.Timeout < 0:
		return bad("negative Timeout")
	case cfg.Username == "" && cfg.Password != "":
		return bad("Password without Username")
	}
	if err := gomail.NewMsg().From(cfg.From); cfg.From == "" || err != nil {
		return bad("From is not a valid address")
	}
	if cfg.Port == 0 {
		cfg.Port = DefaultSMTPPort
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	if cfg.TLSConfig == nil {
		cfg.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		cfg.TLSConfig = cfg.TLSConfig.Clone()
	}
	if cfg.TLSConfig.ServerName == "" {
		cfg.TLSConfig.ServerName = cfg.Host
	}
	return &SMTPMailer{cfg: cfg, from: cfg.From}, nil
}

// Send delivers m: a plain-text body, with the HTML body as an alternative
// when m.HTML is set. It returns an error wrapping [ErrInvalidMessage] for a
// bad message, or the SMTP failure (a refused recipient, a TLS failure, a
// timeout, ctx's error if ctx ended first). The error never contains the
// password or the message body.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	if m.Text == "" && m.HTML == "" {
		return fmt.Errorf("%w: no body", ErrInvalidMessage)
	}
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	var stop func() bool // ends the watch on ctx set up by dial
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	client, err := gomail.NewClient(s.cfg.Host, s.options(func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(dialCtx, network, addr)
		if err == nil {
			// go-mail honours ctx only while dialing (dialCtx ends when
			// the dial does); closing the connection when Send's ctx ends
			// makes a cancelled Send return at once.
			stop = context.AfterFunc(ctx, func() { conn.Close() })
		}
		return conn, err
	})...)
	if err != nil {
		return fmt.Errorf("%w: smtp: %v", ErrInvalidConfig, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if ctxErr := context.Cause(ctx); ctxErr != nil {
			return fmt.Errorf("invites: smtp send: %w", errors.Join(ctxErr, err))
		}
		return fmt.Errorf("invites: smtp send: %w", err)
	}
	return nil
}

func (s *SMTPMailer) options(dial gomail.DialContextFunc) []gomail.Option {
	policy := map[TLSPolicy]gomail.TLSPolicy{
		TLSMandatory: gomail.TLSMandatory, TLSOpportunistic: gomail.TLSOpportunistic, NoTLS: gomail.NoTLS,
	}[s.cfg.TLS]
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(s.cfg.TLSConfig),
		gomail.WithDialContextFunc(dial),
	}
	if s.cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(s.cfg.HELO))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	return opts
}

func (s *SMTPMailer) message(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return nil, fmt.Errorf("%w: smtp: From: %v", ErrInvalidConfig, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("%w: recipient rejected by go-mail", ErrInvalidMessage)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	switch {
	case m.Text == "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	case m.HTML == "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}
