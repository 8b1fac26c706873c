package invites

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpMail is one message as the test server received it.
type smtpMail struct {
	From     string
	To       []string
	Data     []byte
	TLS      bool   // the session was encrypted when DATA came
	Username string // authenticated user, if any
	Password string
}

// smtpBehaviour configures the test server.
type smtpBehaviour struct {
	TLS        *tls.Config // offers STARTTLS when set
	Auth       bool        // offers AUTH PLAIN and requires it
	InsecureOK bool        // offers AUTH without TLS
	MailErr    error       // reply to MAIL FROM
	RcptErr    error       // reply to RCPT TO
	DataErr    error       // reply after DATA
	// DataEntered and DataRelease, when set, make Data signal entry and block
	// until DataRelease is closed.
	DataEntered chan struct{}
	DataRelease chan struct{}
}

// testSMTP is a real SMTP server (emersion/go-smtp) on 127.0.0.1 with a random
// port. Received messages arrive on Mail; the server answers DATA only after
// the message is queued there, so a nil error from Send means it is ready.
type testSMTP struct {
	Host string
	Port int
	Mail chan smtpMail
	b    smtpBehaviour
}

func startSMTP(t *testing.T, b smtpBehaviour) *testSMTP {
	t.Helper()
	ts := &testSMTP{Mail: make(chan smtpMail, 16), b: b}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: ts, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = b.TLS
	srv.AllowInsecureAuth = b.InsecureOK
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		ln.Close() // in case Serve had not registered ln when Close ran
		<-done
	})
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	ts.Host = host
	ts.Port, err = strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// next returns the message the server received, failing if there is none.
func (ts *testSMTP) next(t *testing.T) smtpMail {
	t.Helper()
	select {
	case m := <-ts.Mail:
		return m
	default:
		t.Fatal("the SMTP server received no message")
		return smtpMail{}
	}
}

// none fails if the server received a message.
func (ts *testSMTP) none(t *testing.T) {
	t.Helper()
	select {
	case m := <-ts.Mail:
		t.Fatalf("the SMTP server received a message to %v", m.To)
	default:
	}
}

type smtpSession struct {
	srv  *testSMTP
	conn *smtp.Conn
	mail smtpMail
	auth bool
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func (s *smtpSession) AuthMechanisms() []string {
	if !s.srv.b.Auth {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		s.mail.Username, s.mail.Password = username, password
		if username != "roster" || password != "s3cret" {
			return errors.New("invalid credentials")
		}
		s.auth = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.b.Auth && !s.auth {
		return smtp.ErrAuthRequired
	}
	if s.srv.b.MailErr != nil {
		return s.srv.b.MailErr
	}
	s.mail.From = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.srv.b.RcptErr != nil {
		return s.srv.b.RcptErr
	}
	s.mail.To = append(s.mail.To, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	if s.srv.b.DataEntered != nil {
		close(s.srv.b.DataEntered)
		<-s.srv.b.DataRelease
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.srv.b.DataErr != nil {
		return s.srv.b.DataErr
	}
	_, s.mail.TLS = s.conn.TLSConnectionState()
	s.mail.Data = data
	s.srv.Mail <- s.mail
	return nil
}

func (s *smtpSession) Reset() {
	s.mail = smtpMail{Username: s.mail.Username, Password: s.mail.Password}
}
func (s *smtpSession) Logout() error { return nil }

// selfSignedTLS returns a server config with a fresh certificate for
// 127.0.0.1 and a client config that trusts exactly that certificate.
func selfSignedTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "roster test SMTP"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool}
}
