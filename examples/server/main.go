// Command server is a runnable admin server over roster: roster's admin HTTP
// API (package httpapi) plus what an application adds around it: password
// sign-up and sign-in with sessions, the example application's own
// connectors, document sets and agents (whose access facts it registers with
// roster), a stand-in chat endpoint that shows token rate limits working, and
// invitation and password-reset mail.
//
//	go run ./examples/server                       # http://127.0.0.1:8080, SQLite in ./roster-data
//	go run ./examples/server -data $(mktemp -d)    # a fresh database
//	go run ./examples/server -postgres postgres://user:pass@localhost/roster
//
// Register the first user (POST /auth/register); roster makes them admin.
//
// Every flag may also be set through the environment variable named in its
// usage (ROSTER_ADDR, ROSTER_DATA, ROSTER_POSTGRES, ROSTER_SHARED_LIMITS,
// ROSTER_SMTP_*, ROSTER_LOG_FORMAT, ROSTER_TRUSTED_PROXIES, ROSTER_TLS_*,
// ROSTER_ADMIN_EMAILS): the
// variable replaces the built-in default, and a flag given on the command
// line beats both. Prefer ROSTER_SMTP_PASSWORD to -smtp-password, which other
// users of the machine can read in the process list.
//
// Several servers may share one PostgreSQL database behind a load balancer:
// they migrate it once when started together, each sees the others' changes
// (within roster's poll interval, at once for a request carrying their
// version), and with -shared-limits (on by default with -postgres) their
// token buckets live in the database, so together they admit one budget,
// not one each. With SQLite the buckets stay in the process and
// -shared-limits=true is refused.
//
// Without -smtp-host, mail goes to standard output, one line per message:
// "roster mail to <email>: <link>".
//
// # Routes
//
// Roster's httpapi serves the Me, Users and invites, Groups, Token rate
// limits and SCIM and API keys sections of docs/http.md. The application adds:
//
//	POST /auth/register              {email, password, invite_token?} → 201 {id, email, role}
//	POST /auth/login                 {email, password} → session and device cookies, {id, email, role}
//	POST /auth/logout                → 204
//	POST /auth/password              {current_password, new_password} → 204; other sessions end
//	POST /auth/forgot-password       {email} → 204 always; mails a reset link to active users
//	POST /auth/reset-password        {token, new_password} → 204; every session ends
//	GET, POST /invite/accept         the invitation's sign-up page and its form
//	GET, POST /password/reset        the reset mail's page and its form
//	POST /manage/admin/connector, PATCH and DELETE /manage/admin/connector/{id}, GET /manage/connector
//	POST, PATCH /manage/admin/document-set, DELETE /manage/admin/document-set/{id}, GET /manage/document-set
//	POST /persona, PATCH /persona/{id}, PATCH /persona/{id}/share, DELETE /persona/{id}, GET /persona[/{id}]
//	POST /chat/send-message          {message} → {answer, tokens}; 429 RATE_LIMITED when a budget is spent
//	/scim/v2/...                     SCIM 2.0 for identity providers (package scim), with SCIM tokens
//	GET /ui/                         the web admin pages (package web); GET / redirects there: sign-in,
//	                                 sign-up, forgot and reset password; home, users and a user's page,
//	                                 groups and a group's page, connectors, document sets, agents,
//	                                 token limits, the audit log, settings, SCIM and API keys
//	GET /openapi.json                the OpenAPI 3.1 document of the JSON API (package docs)
//	GET /healthz                     200 while the process serves
//	GET /readyz                      200 when the database answers and the index holds every change; 503 with a JSON reason
//	GET /metrics                     Prometheus metrics (text format), from a registry of this server's own
//
// # Operations
//
// Every request writes one access-log line (method, route pattern, status,
// duration, user id; never emails, paths' values or secrets) through the
// logger, as text or JSON (-log-format). -tls-cert and -tls-key serve
// HTTPS. -admin-emails lists addresses that become admin when they sign up.
// -trusted-proxies lists the reverse proxies (CIDR prefixes or addresses)
// whose X-Forwarded-For header is believed: the client IP the throttles key
// on is then the rightmost address not added by a trusted proxy; without
// it, the connection's peer.
//
// An API key (Settings → API keys) is accepted on every route that takes a
// session, as "Authorization: Bearer <key>" (httpapi.WithAPIKeys): the
// request acts as the key's service user, which never signs in with a
// password or a reset link.
//
// Passwords are bcrypt hashes in the application's own table (app_passwords,
// beside roster's tables in the same database); sessions are random tokens
// whose SHA-256 is kept in app_sessions, checked against roster on every
// request, so a deactivated or deleted user's session ends at once. Writes
// from other sites are refused by net/http's CrossOriginProtection; sign-in,
// registration and forgot-password attempts are throttled per email and
// client, reset and invite link attempts per client, a client being an IPv4
// address or an IPv6 /64 (invites.ClientKey; see -trusted-proxies). A successful sign-in also sets a device cookie (HMAC
// under a key kept in the database, one year, ended by a password change or
// reset): a sign-in carrying a valid one for its email meets only that
// cookie's failure bucket, so wrong passwords sent from elsewhere do not
// lock its owner out (device.go).
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rosterhq/roster/examples/server/web"
	"github.com/rosterhq/roster/users"
)

// Defaults of the flags.
const (
	defaultAddr = "127.0.0.1:8080"
	defaultData = "roster-data"
)

func main() {
	if len(os.Args) > 1 && isCommand(os.Args[1]) { // an admin command (admin_cli.go)
		os.Exit(runCommand(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	cfg, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(2)
	}
	cfg.Out = os.Stdout
	cfg.Logger = newLogger(cfg.LogFormat, os.Stderr)
	cfg.UI = func(o web.Options) http.Handler { o.Logger = cfg.Logger; return web.New(o) }
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line, with defaults taken from the
// environment (getenv) where it sets them. Usage and errors go to usage.
func parseFlags(args []string, getenv func(string) string, usage io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.Usage = func() { serverUsage(fs, usage) }
	var cfg config
	fs.StringVar(&cfg.Addr, "addr", env("ROSTER_ADDR", defaultAddr), "listen address (ROSTER_ADDR)")
	fs.StringVar(&cfg.Data, "data", env("ROSTER_DATA", defaultData), "directory of the SQLite file roster.db, created if missing (ROSTER_DATA)")
	fs.StringVar(&cfg.Postgres, "postgres", env("ROSTER_POSTGRES", ""), "PostgreSQL DSN postgres://...; replaces -data (ROSTER_POSTGRES)")
	fs.StringVar(&cfg.PublicURL, "public-url", env("ROSTER_PUBLIC_URL", ""), "base URL of the links in mail; default http://<addr> (ROSTER_PUBLIC_URL)")
	fs.StringVar(&cfg.SMTP.Host, "smtp-host", env("ROSTER_SMTP_HOST", ""), "SMTP server; without it mail is printed to standard output (ROSTER_SMTP_HOST)")
	port := fs.String("smtp-port", env("ROSTER_SMTP_PORT", "587"), "SMTP port (ROSTER_SMTP_PORT)")
	fs.StringVar(&cfg.SMTP.Username, "smtp-user", env("ROSTER_SMTP_USER", ""), "SMTP user name (ROSTER_SMTP_USER)")
	fs.StringVar(&cfg.SMTP.Password, "smtp-password", env("ROSTER_SMTP_PASSWORD", ""), "SMTP password; prefer the variable (ROSTER_SMTP_PASSWORD)")
	fs.StringVar(&cfg.SMTP.From, "smtp-from", env("ROSTER_SMTP_FROM", ""), "sender address, required with -smtp-host (ROSTER_SMTP_FROM)")
	fs.StringVar(&cfg.SMTP.TLS, "smtp-tls", env("ROSTER_SMTP_TLS", "mandatory"), "STARTTLS policy: mandatory, opportunistic or none (ROSTER_SMTP_TLS)")
	fs.StringVar(&cfg.LogFormat, "log-format", env("ROSTER_LOG_FORMAT", "text"), "log lines as text or json, one access-log line per request (ROSTER_LOG_FORMAT)")
	proxies := fs.String("trusted-proxies", env("ROSTER_TRUSTED_PROXIES", ""), "CIDR,... of reverse proxies whose X-Forwarded-For is believed (ROSTER_TRUSTED_PROXIES)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", env("ROSTER_TLS_CERT", ""), "certificate file (PEM) to serve HTTPS with; needs -tls-key (ROSTER_TLS_CERT)")
	fs.StringVar(&cfg.TLSKey, "tls-key", env("ROSTER_TLS_KEY", ""), "private key file (PEM) of -tls-cert (ROSTER_TLS_KEY)")
	admins := fs.String("admin-emails", env("ROSTER_ADMIN_EMAILS", ""), "emails,... that become admin when they sign up (ROSTER_ADMIN_EMAILS)")
	shared := optionalBool(env("ROSTER_SHARED_LIMITS", ""))
	fs.Var(&shared, "shared-limits", "keep token buckets in PostgreSQL, one budget for every server on it; on by default with -postgres, refused without (ROSTER_SHARED_LIMITS)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return config{}, fmt.Errorf("-log-format %q is neither text nor json", cfg.LogFormat)
	}
	var err error
	if cfg.TrustedProxies, err = parseProxies(*proxies); err != nil {
		return config{}, err
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return config{}, errors.New("-tls-cert and -tls-key go together: give both or neither")
	}
	if cfg.TLSCert != "" {
		if _, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey); err != nil {
			return config{}, fmt.Errorf("-tls-cert and -tls-key: %w", err)
		}
	}
	if cfg.AdminEmails, err = parseEmails(*admins); err != nil {
		return config{}, err
	}
	if cfg.SharedLimits, err = parseShared(string(shared), cfg.Postgres != ""); err != nil {
		return config{}, err
	}
	p, err := strconv.Atoi(*port)
	if err != nil || p <= 0 || p > 65535 {
		return config{}, fmt.Errorf("-smtp-port %q is not a port number", *port)
	}
	cfg.SMTP.Port = p
	return cfg, nil
}

// parseEmails parses -admin-emails: addresses separated by commas, each one
// roster accepts (users.NormalizeEmail).
func parseEmails(list string) ([]string, error) {
	var out []string
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if _, err := users.NormalizeEmail(e); err != nil {
			return nil, fmt.Errorf("-admin-emails: %q is not an email address", e)
		}
		out = append(out, e)
	}
	return out, nil
}

// optionalBool is a boolean flag that remembers whether it was given: ""
// until it is (or its environment variable is set).
type optionalBool string

func (o *optionalBool) String() string { return string(*o) }

func (o *optionalBool) Set(v string) error {
	if _, err := strconv.ParseBool(v); err != nil {
		return errors.New("neither true nor false")
	}
	*o = optionalBool(v)
	return nil
}

// IsBoolFlag lets the flag be given without a value (-shared-limits).
func (o *optionalBool) IsBoolFlag() bool { return true }

// parseShared parses -shared-limits: empty means on with PostgreSQL and off
// with SQLite, whose buckets can only live in the one process; on is refused
// with SQLite.
func parseShared(v string, postgres bool) (bool, error) {
	if v == "" {
		return postgres, nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("-shared-limits %q is neither true nor false", v)
	}
	if on && !postgres {
		return false, errors.New("-shared-limits needs -postgres: with SQLite the token buckets live in this one process")
	}
	return on, nil
}

// newLogger returns the logger of -log-format: JSON lines for "json", text
// lines otherwise, to w.
func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// run listens on cfg.Addr, serves until ctx ends, then shuts down: requests
// in flight get a few seconds, then roster and the database close.
func run(ctx context.Context, cfg config) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if cfg.PublicURL == "" {
		scheme := "http://"
		if cfg.TLSCert != "" {
			scheme = "https://"
		}
		cfg.PublicURL = scheme + browsable(ln.Addr())
	}
	s, err := newServer(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(s.cfg.Out, "roster example server on %s (database: %s)\n", s.cfg.PublicURL+"/", s.database())
	srv := &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			done <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
			return
		}
		done <- srv.Serve(ln)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// browsable returns the listener's address as a browser should use it: an
// unspecified host (0.0.0.0, ::) becomes localhost.
func browsable(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
