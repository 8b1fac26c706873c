package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
)

// The admin commands run in the server's binary instead of the server:
//
//	go run ./examples/server create-admin [flags] EMAIL  # an admin for a workspace without one, and a set-password link
//	go run ./examples/server reset-link [flags] EMAIL    # a password-reset link for an active user
//	go run ./examples/server migrate [flags]             # migrate the database and exit
//	go run ./examples/server export-users [flags]        # every user as CSV (Email, Role, Status) on standard output
//	go run ./examples/server check [flags]               # the database's invariants; each violation named by id
//
// Each takes the server's storage flags (-data, -postgres, and their
// ROSTER_* variables) and -h. Exit status: 0 done, 1 the database failed or
// check found violations, 2 bad input or a refused command, which writes
// nothing.

// command is one admin command.
type command struct {
	name    string
	args    string // the positional arguments, for the usage line
	summary string
	links   bool // takes -public-url and -addr, for the links it prints
	nargs   int  // positional arguments required
	run     func(c *cli, ctx context.Context, cfg config, args []string) error
}

// commands lists the admin commands in the order -h shows them.
func commands() []command {
	return []command{
		{name: "create-admin", args: "EMAIL", nargs: 1, links: true, run: (*cli).createAdmin,
			summary: "Make EMAIL an active admin of a workspace that has none (new or locked out), and print a one-time set-password link."},
		{name: "reset-link", args: "EMAIL", nargs: 1, links: true, run: (*cli).resetLink,
			summary: "Print a one-time password-reset link for the active user EMAIL."},
		{name: "migrate", run: (*cli).migrate,
			summary: "Migrate roster's tables and the application's, then exit."},
		{name: "export-users", run: (*cli).exportUsers,
			summary: "Write every user as CSV (Email, Role, Status) to standard output."},
		{name: "check", run: (*cli).check,
			summary: "Check the database's invariants; exit 1 naming each violation by id."},
	}
}

// serverUsage is the server's -h: how to run the server, its flags, and the
// admin commands the same binary runs instead.
func serverUsage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "usage: server [flags]          run the admin server\n       server COMMAND [flags]  run an admin command (COMMAND -h for its flags)\n\nflags:\n")
	fs.PrintDefaults()
	fmt.Fprintf(w, "\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
}

// isCommand reports whether arg names an admin command, so that main runs
// it instead of the server.
func isCommand(arg string) bool {
	for _, c := range commands() {
		if c.name == arg {
			return true
		}
	}
	return false
}

// Exit statuses of the admin commands.
const (
	exitOK      = 0
	exitFailed  = 1 // the database failed, or check found violations
	exitRefused = 2 // bad input or a refused command; nothing was written
)

// refused is a command's answer to bad input or to a state it will not
// change: one sentence for the operator, and exit status 2. It is returned
// before anything is written.
type refused struct{ sentence string }

func (e *refused) Error() string { return e.sentence }

func refusef(format string, args ...any) error {
	return &refused{fmt.Sprintf(format, args...)}
}

// errViolations is check's answer when it found violations (already
// printed): exit status 1.
var errViolations = errors.New("the database breaks its invariants")

// cli is one run of an admin command: its environment and output.
type cli struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// runCommand runs the admin command args[0] with the rest of args and
// returns the exit status. The environment comes from getenv; results go to
// stdout, usage and messages to stderr. It is main's entry point for the
// commands, and the tests'.
func runCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	c := &cli{getenv: getenv, stdout: stdout, stderr: stderr}
	for _, cmd := range commands() {
		if len(args) > 0 && cmd.name == args[0] {
			return c.exit(cmd.name, c.runOne(ctx, cmd, args[1:]))
		}
	}
	fmt.Fprintf(stderr, "server: %q is not a command; the commands are %s.\n", strings.Join(args[:min(1, len(args))], ""), commandNames())
	return exitRefused
}

func commandNames() string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}

// exit prints err, if any, and maps it to the exit status.
func (c *cli) exit(name string, err error) int {
	var r *refused
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errViolations):
		fmt.Fprintf(c.stderr, "server %s: %v\n", name, err)
		return exitFailed
	case errors.As(err, &r):
		fmt.Fprintf(c.stderr, "server %s: %s\n", name, r.sentence)
		return exitRefused
	}
	fmt.Fprintf(c.stderr, "server %s: %v\n", name, err)
	return exitFailed
}

// runOne parses cmd's flags and arguments, then runs it.
func (c *cli) runOne(ctx context.Context, cmd command, args []string) error {
	cfg, rest, err := c.parse(cmd, args)
	if err != nil {
		return err
	}
	if len(rest) != cmd.nargs {
		if cmd.nargs == 0 {
			return refusef("%s takes no arguments, but got %q.", cmd.name, rest[0])
		}
		return refusef("%s takes one %s (flags come before it), but got %d arguments.", cmd.name, cmd.args, len(rest))
	}
	return cmd.run(c, ctx, cfg, rest)
}

// parse reads cmd's flags: the server's storage flags, and for the
// commands printing links the base of those links. Defaults come from the
// same ROSTER_* variables as the server's.
func (c *cli) parse(cmd command, args []string) (config, []string, error) {
	env := func(name, def string) string {
		if v := c.getenv(name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("server "+cmd.name, flag.ContinueOnError)
	// The flag package's own messages are not one sentence; runOne's
	// refusal says what was wrong, and -h prints the usage.
	fs.SetOutput(io.Discard)
	var cfg config
	fs.StringVar(&cfg.Data, "data", env("ROSTER_DATA", defaultData), "directory of the SQLite file roster.db (ROSTER_DATA)")
	fs.StringVar(&cfg.Postgres, "postgres", env("ROSTER_POSTGRES", ""), "PostgreSQL DSN postgres://...; replaces -data (ROSTER_POSTGRES)")
	addr := defaultAddr
	if cmd.links {
		fs.StringVar(&cfg.PublicURL, "public-url", env("ROSTER_PUBLIC_URL", ""), "base URL of the printed link; default http://<addr> (ROSTER_PUBLIC_URL)")
		fs.StringVar(&addr, "addr", env("ROSTER_ADDR", defaultAddr), "the server's listen address, the link's default base (ROSTER_ADDR)")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(c.stderr, "usage: server %s\n\n%s\n\nflags:\n", strings.TrimSpace(cmd.name+" [flags] "+cmd.args), cmd.summary)
			fs.SetOutput(c.stderr)
			fs.PrintDefaults()
			return config{}, nil, err
		}
		return config{}, nil, refusef("The command line is wrong (%v); see server %s -h.", err, cmd.name)
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + addr
	}
	cfg.Out = c.stderr
	cfg.Mailer = invites.MailerFunc(func(context.Context, invites.Message) error {
		return errors.New("the admin commands send no mail")
	})
	cfg.Logger = slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return cfg, fs.Args(), nil
}

// email normalizes a command's EMAIL argument, refusing one that is not an
// email address.
func email(arg string) (string, error) {
	e, err := users.NormalizeEmail(arg)
	if err != nil {
		return "", refusef("%q is not a valid email address.", arg)
	}
	return e, nil
}

// createAdmin makes args[0] an active admin of the server's workspace,
// which must have no active admin (new, or locked out: every admin
// deactivated, deleted or demoted), and prints a set-password link for it.
// An existing user of that email is activated and promoted; a new email is
// registered by the System actor, through the workspace's invite gate. With
// an active admin it is refused: that admin can do this through the API.
// Registering, activating and promoting are roster's own transactions, one
// each: should a later one fail (the database going away), the user stays
// as the earlier ones left them, and running the command again finishes.
func (c *cli) createAdmin(ctx context.Context, cfg config, args []string) error {
	addr, err := email(args[0])
	if err != nil {
		return err
	}
	s, err := newServer(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	has, err := hasActiveAdmin(ctx, s)
	if err != nil {
		return err
	}
	if has {
		return refusef("The workspace already has an active admin; ask them to make %s an admin, or print a sign-in link for them with reset-link.", addr)
	}
	u, err := s.ws.Users().ByEmail(ctx, addr)
	switch {
	case errors.Is(err, users.ErrUserNotFound):
		u, err = s.ws.Users().Register(ctx, users.Registration{Email: addr, Source: users.SourcePassword, Actor: access.System})
		if r := asRefused(err); r != err {
			return refusef("%s cannot join: %s; name an existing user instead.", addr, lowerSentence(r.Error()))
		}
	case err == nil && u.Kind != users.KindPerson:
		return refusef("%s is a service account, which cannot be an admin that signs in.", addr)
	}
	if err != nil {
		return err
	}
	if err := promote(ctx, s, u); err != nil {
		return err
	}
	return c.printLink(ctx, s, addr, "is an active admin; set the password")
}

// promote activates u and makes them admin, as the System actor.
func promote(ctx context.Context, s *server, u users.User) error {
	if !u.Active {
		if _, err := s.ws.Users().Activate(ctx, access.System, u.ID); err != nil {
			return err
		}
	}
	if u.Role != users.RoleAdmin {
		if _, err := s.ws.Users().SetRole(ctx, access.System, u.ID, users.RoleAdmin); err != nil {
			return err
		}
	}
	return nil
}

// asRefused turns a refusal of the library (bad input, forbidden, conflict)
// into the command's refusal with the library's sentence; other errors
// pass.
func asRefused(err error) error {
	if err == nil {
		return nil
	}
	for _, kind := range []error{access.ErrInvalid, access.ErrForbidden, access.ErrConflict} {
		if errors.Is(err, kind) {
			return &refused{access.Sentence(err, nil)}
		}
	}
	return err
}

// lowerSentence makes a sentence a clause: its first letter lower-cased
// and its final period dropped.
func lowerSentence(s string) string {
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// hasActiveAdmin reports whether the server's workspace has an active admin
// who is a person (service accounts never count, as for the last-admin
// rule).
func hasActiveAdmin(ctx context.Context, s *server) (bool, error) {
	active := true
	f := users.Filter{Roles: []users.Role{users.RoleAdmin}, Active: &active, Limit: users.MaxPageSize}
	for ; ; f.Offset += users.MaxPageSize {
		page, err := s.ws.Users().List(ctx, f)
		if err != nil {
			return false, err
		}
		for _, u := range page.Users {
			if u.Kind == users.KindPerson {
				return true, nil
			}
		}
		if len(page.Users) < users.MaxPageSize {
			return false, nil
		}
	}
}

// resetLink prints a password-reset link for the active person args[0].
func (c *cli) resetLink(ctx context.Context, cfg config, args []string) error {
	addr, err := email(args[0])
	if err != nil {
		return err
	}
	if err := sqliteExists(cfg); err != nil {
		return err
	}
	s, err := newServer(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.ws.Users().ByEmail(ctx, addr)
	switch {
	case errors.Is(err, users.ErrUserNotFound):
		return refusef("No user has the email %s.", addr)
	case err != nil:
		return err
	case !u.Active:
		return refusef("%s is deactivated; an admin activates them first.", addr)
	case u.Kind != users.KindPerson:
		return refusef("%s is a service account, which signs in with its API key, not a password.", addr)
	}
	return c.printLink(ctx, s, addr, "may set a new password")
}

// printLink stores a reset link for the active user addr (the server's own
// newResetLink, so the link works exactly as a mailed one) and prints it.
func (c *cli) printLink(ctx context.Context, s *server, addr, what string) error {
	link, ok := s.newResetLink(ctx, addr)
	if !ok {
		return fmt.Errorf("storing the link for %s failed; see the log above", addr)
	}
	fmt.Fprintf(c.stdout, "%s %s within %d minutes at %s\n", addr, what, int(s.cfg.ResetTTL.Minutes()), link)
	return nil
}

// migrate opens the database, which migrates it, and closes it.
func (c *cli) migrate(ctx context.Context, cfg config, _ []string) error {
	s, err := newServer(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "The database (%s) is migrated.\n", s.database())
	return s.Close()
}

// exportUsers writes every user of the workspace as the library's CSV
// export (users.Service.WriteCSV) to standard output.
func (c *cli) exportUsers(ctx context.Context, cfg config, _ []string) error {
	if err := sqliteExists(cfg); err != nil {
		return err
	}
	s, err := newServer(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.ws.Users().WriteCSV(ctx, c.stdout, users.Filter{})
}

// sqliteExists refuses a SQLite database that is not there, for the
// commands that must not create one.
func sqliteExists(cfg config) error {
	if cfg.Postgres != "" {
		return nil
	}
	path := filepath.Join(cfg.Data, "roster.db")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return refusef("There is no database at %s; start the server or run migrate first.", path)
	}
	return nil
}
