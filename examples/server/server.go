package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/examples/server/web"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/invites"
)

// Defaults of config.
const (
	defaultBcryptCost   = bcrypt.DefaultCost
	defaultSessionTTL   = 7 * 24 * time.Hour
	defaultResetTTL     = time.Hour
	defaultSignInBurst  = 10               // attempts per email and IP at once
	defaultSignInEvery  = 30 * time.Second // then one more per interval
	defaultMaxBodyBytes = httpapi.DefaultMaxBodyBytes
)

// sqlitePragmas are the connection settings roster wants on every SQLite
// connection (see roster.Config.DB): WAL, a busy timeout, foreign keys, and
// immediate transactions so that contended writers wait instead of failing.
const sqlitePragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"

// config configures newServer. The zero value works except for the links in
// mail, which need PublicURL.
type config struct {
	Addr      string // listen address, used by run; defaultAddr
	Data      string // directory of roster.db; defaultData; ignored with Postgres
	Postgres  string // PostgreSQL DSN; SQLite in Data if empty
	PublicURL string // base of the links in mail, such as http://127.0.0.1:8080
	SMTP      smtpConfig

	// SharedLimits keeps the token buckets in PostgreSQL, shared by every
	// server on the database (roster.LimitsConfig.Shared); it needs
	// Postgres. Off in the zero config; -shared-limits turns it on with
	// -postgres by default.
	SharedLimits bool

	// TLSCert and TLSKey are the files of the certificate and key run
	// serves HTTPS with; plain HTTP when both are empty.
	TLSCert, TLSKey string
	// LogFormat is the format of main's log lines: "text" (default) or
	// "json".
	LogFormat string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// is believed (see clientAddr); none by default, so the client is the
	// connection's peer.
	TrustedProxies []netip.Prefix
	// AdminEmails become admin when they sign up (roster.Config.AdminEmails).
	AdminEmails []string

	// Mailer replaces the SMTP and development mailers (tests capture mail).
	Mailer invites.Mailer
	// Out receives the development mailer's lines and the start-up line.
	// os.Stdout if nil.
	Out io.Writer
	// Logger receives errors, with ids and never emails or secrets.
	// Discarded if nil.
	Logger *slog.Logger
	// Now is the clock of roster, sessions, reset links and the sign-in
	// throttle. time.Now if nil.
	Now func() time.Time
	// BcryptCost is the password hashing cost; defaultBcryptCost if zero.
	BcryptCost int
	// SessionTTL is how long a session lasts; defaultSessionTTL if zero.
	SessionTTL time.Duration
	// ResetTTL is how long a password-reset link lasts; defaultResetTTL if zero.
	ResetTTL time.Duration
	// SignInBurst and SignInEvery throttle sign-in attempts per email and
	// client (an IPv4 address or an IPv6 /64): SignInBurst at once, then one
	// per SignInEvery; per email over all clients and per client over all
	// emails the budget is larger (see throttle; per email twice the burst,
	// refilling in 15 minutes).
	SignInBurst int
	SignInEvery time.Duration
	// MaxBodyBytes caps request bodies; defaultMaxBodyBytes if zero.
	MaxBodyBytes int64
	// UI returns the handler of the web admin pages, served under /ui/ (it
	// sees the full path), given their options as the server fills them in:
	// API, the handler of every other route (the JSON API of docs/http.md and
	// the application's routes) for in-process reads; MailPrinted, whether
	// mail goes to the development mailer; NoUsers, whether no one has signed
	// up yet; SCIMURL, PublicURL and /scim/v2. A placeholder page if nil.
	UI func(opts web.Options) http.Handler
}

func (c config) withDefaults() config {
	if c.Data == "" {
		c.Data = defaultData
	}
	if c.Out == nil {
		c.Out = os.Stdout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.BcryptCost == 0 {
		c.BcryptCost = defaultBcryptCost
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = defaultSessionTTL
	}
	if c.ResetTTL <= 0 {
		c.ResetTTL = defaultResetTTL
	}
	if c.SignInBurst <= 0 {
		c.SignInBurst = defaultSignInBurst
	}
	if c.SignInEvery <= 0 {
		c.SignInEvery = defaultSignInEvery
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = defaultMaxBodyBytes
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	return c
}

// server is the example application: roster, its own tables on the same
// database, and the HTTP handler serving both. It is safe for concurrent use.
type server struct {
	// Handler serves every route, behind cross-origin protection.
	Handler http.Handler

	cfg      config
	db       *gorm.DB // roster's tables and the application's
	dir      *roster.Directory
	ws       *roster.Workspace // the one workspace this example serves
	api      *httpapi.Handler
	mailer   invites.Mailer
	throttle *throttle
	metrics  *metrics       // served at GET /metrics
	mail     sync.WaitGroup // password-reset mail still being sent

	// mailPrinted: the mailer is the development mailer, which prints mail
	// on cfg.Out instead of sending it (the pages say so).
	mailPrinted bool

	// afterRegister, if set, runs in signUp between roster's Register and
	// storing the password; tests use it to cancel the request there.
	afterRegister func()

	// deviceKey signs device cookies: stored in the database, so every
	// server on it accepts the others' cookies (see device.go). Set by
	// open, read-only after.
	deviceKey []byte

	dummyOnce sync.Once // computes dummy
	dummy     string    // a bcrypt hash of no one's password; see passwordMatches

	// patterns are the patterns routes registered on its mux, in order
	// (see route); written only while routes runs.
	patterns []string

	// keyAuth authenticates a request by its API key (a bearer token) or
	// else its session (sessionUser); set by open, read-only after.
	keyAuth httpapi.Authenticator
}

// newServer opens the database, migrates roster's tables and the
// application's, opens roster on it and wires the routes. Close releases it.
func newServer(ctx context.Context, cfg config) (*server, error) {
	cfg = cfg.withDefaults()
	if u, err := url.Parse(cfg.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("public URL %q is not an absolute http or https URL", cfg.PublicURL)
	}
	mailer, err := newMailer(cfg)
	if err != nil {
		return nil, err
	}
	db, err := openDB(cfg)
	if err != nil {
		return nil, err
	}
	m := newMetrics()
	_, printed := mailer.(*invites.DevMailer)
	mailer = countingMailer{next: mailer, mail: m.mail, printed: printed}
	s := &server{cfg: cfg, db: db, mailer: mailer, mailPrinted: printed, metrics: m, throttle: newThrottle(cfg.SignInBurst, cfg.SignInEvery, cfg.Now)}
	if err := s.open(ctx); err != nil {
		closeDB(db)
		return nil, err
	}
	m.reg.MustRegister(newIndexCollector(s.dir))
	s.Handler = s.routes()
	return s, nil
}

// open migrates the application's tables and opens roster on the database.
func (s *server) open(ctx context.Context) error {
	dir, err := roster.Open(ctx, roster.Config{
		DB:          s.db,
		Logger:      s.cfg.Logger,
		Now:         s.cfg.Now,
		AdminEmails: s.cfg.AdminEmails,
		OnCheck:     s.metrics.onCheck,
		Limits:      roster.LimitsConfig{Shared: s.cfg.SharedLimits},
		Invites: roster.InvitesConfig{
			Mailer: s.mailer,
			Link: func(workspace, token string) string {
				return s.cfg.PublicURL + "/invite/accept?token=" + url.QueryEscape(token)
			},
		},
	})
	if err != nil {
		return err
	}
	if err := migrate(ctx, s.db); err != nil {
		dir.Close()
		return err
	}
	if s.deviceKey, err = loadDeviceKey(ctx, s.db, s.cfg.Now()); err != nil {
		dir.Close()
		return err
	}
	s.dir, s.ws = dir, dir.Default()
	s.keyAuth = httpapi.WithAPIKeys(dir, s.sessionUser)
	return nil
}

// Close waits for mail being sent, then closes roster and the database.
// Call it once, after the HTTP server has stopped.
func (s *server) Close() error {
	s.mail.Wait()
	return errors.Join(s.dir.Close(), closeDB(s.db))
}

// database describes where the data lives, for the start-up line; never the
// DSN, which may hold a password.
func (s *server) database() string {
	if s.cfg.Postgres != "" {
		return "PostgreSQL"
	}
	return filepath.Join(s.cfg.Data, "roster.db")
}

// openDB opens the gorm connection that roster and the application share.
func openDB(cfg config) (*gorm.DB, error) {
	var dialector gorm.Dialector
	if cfg.Postgres != "" {
		dialector = postgres.Open(cfg.Postgres)
	} else {
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return nil, err
		}
		dialector = sqlite.Open(filepath.Join(cfg.Data, "roster.db") + "?" + sqlitePragmas)
	}
	db, err := gorm.Open(dialector, &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

func closeDB(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// routes builds the handler: the application's routes, SCIM at /scim/v2,
// the operations endpoints, /ui/ for the web pages, and roster's httpapi for
// every other path, all behind net/http's cross-origin protection, which refuses
// cookie-carrying writes from other sites (by Sec-Fetch-Site, or Origin
// against Host), and observed (observe: metrics and the access log).
func (s *server) routes() http.Handler {
	s.api = httpapi.New(s.dir, httpapi.Config{Authenticate: s.authenticate, MaxBodyBytes: s.cfg.MaxBodyBytes, Logger: s.cfg.Logger,
		ResourceName: s.resourceName})
	mux := http.NewServeMux()
	s.signupRoutes(mux)
	s.authRoutes(mux)
	s.endSessionsRoutes(mux)
	s.resourceRoutes(mux)
	s.chatRoutes(mux)
	s.scimRoutes(mux)
	s.openAPIRoutes(mux)
	s.opsRoutes(mux)
	var ui http.Handler = http.HandlerFunc(s.uiPlaceholder)
	if s.cfg.UI != nil {
		ui = s.cfg.UI(web.Options{API: mux, MailPrinted: s.mailPrinted, NoUsers: s.noUsers, SCIMURL: s.cfg.PublicURL + scimPrefix})
	}
	s.route(mux, "/ui/", ui)
	s.route(mux, "GET /{$}", http.RedirectHandler("/ui/", http.StatusSeeOther))
	s.route(mux, "/", s.fallback(mux))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, errorBody{Detail: "This cross-origin request was refused.", Code: httpapi.CodeForbidden})
	}))
	return s.observe(cop.Handler(mux))
}

// route registers h for pattern on mux and records the pattern, so that the
// routes served can be listed (the OpenAPI test compares them with
// docs/openapi.json). Every route of the application's mux goes through it,
// and so through limitBody.
func (s *server) route(mux *http.ServeMux, pattern string, h http.Handler) {
	s.patterns = append(s.patterns, pattern)
	mux.Handle(pattern, s.limitBody(pattern, s.versioned(pattern, h)))
}

// limitBody refuses, on every route, a body that declares a length over
// MaxBodyBytes (413 PAYLOAD_TOO_LARGE) before anything else; a body that
// declares none is cut at the limit where it is read (decode, parseForm).
// The HTML forms answer with their page, which parseForm's refusal renders.
func (s *server) limitBody(pattern string, h http.Handler) http.Handler {
	if pattern == "POST /invite/accept" || pattern == "POST /password/reset" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.cfg.MaxBodyBytes {
			s.fail(w, r, tooLarge(s.cfg.MaxBodyBytes))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// fallback serves the paths the application's mux does not: a path the mux
// serves with other methods is 405 METHOD_NOT_ALLOWED, anything else goes to
// roster's httpapi (which answers 404 for paths it does not know).
func (s *server) fallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := &http.Request{Method: m, URL: r.URL, Host: r.Host}
			if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" && pattern != "GET /{$}" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) == 0 {
			s.api.ServeHTTP(w, r)
			return
		}
		for _, m := range allowed {
			w.Header().Add("Allow", m)
		}
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Detail: r.Method + " is not served on this path", Code: httpapi.CodeMethodNotAllowed})
	})
}
