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
// usage (ROSTER_ADDR, ROSTER_DATA, ROSTER_POSTGRES, ROSTER_SMTP_*): the
// variable replaces the built-in default, and a flag given on the command
// line beats both. Prefer ROSTER_SMTP_PASSWORD to -smtp-password, which other
// users of the machine can read in the process list.
//
// Without -smtp-host, mail goes to standard output, one line per message:
// "roster mail to <email>: <link>".
//
// # Routes
//
// Roster's httpapi serves the Me, Users and invites, Groups and Token rate
// limits sections of docs/http.md. The application adds:
//
//	POST /auth/register              {email, password, invite_token?} → 201 {id, email, role}
//	POST /auth/login                 {email, password} → session cookie, {id, email, role}
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
//	GET /ui/                         the web admin pages (a placeholder for now); GET / redirects there
//	GET /openapi.json                the OpenAPI 3.1 document of the JSON API (package docs)
//
// Passwords are bcrypt hashes in the application's own table (app_passwords,
// beside roster's tables in the same database); sessions are random tokens
// whose SHA-256 is kept in app_sessions, checked against roster on every
// request, so a deactivated or deleted user's session ends at once. Writes
// from other sites are refused by net/http's CrossOriginProtection; sign-in,
// registration and forgot-password attempts are throttled per email and
// client IP, reset and invite link attempts per client IP (the connection's
// peer: behind a proxy, read its header instead).
package main

import (
	"context"
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
	"syscall"
	"time"

	"github.com/rosterhq/roster/examples/server/web"
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
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg.UI = func(api http.Handler) http.Handler { return web.New(web.Options{API: api, Logger: cfg.Logger}) }
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
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	p, err := strconv.Atoi(*port)
	if err != nil || p <= 0 || p > 65535 {
		return config{}, fmt.Errorf("-smtp-port %q is not a port number", *port)
	}
	cfg.SMTP.Port = p
	return cfg, nil
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
		cfg.PublicURL = "http://" + browsable(ln.Addr())
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
	go func() { done <- srv.Serve(ln) }()
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
