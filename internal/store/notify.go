package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// NotifyChannel is the PostgreSQL channel on which every committed mutation
// announces its version. The payload is the version in decimal and nothing
// else: a NOTIFY payload must stay under 8,000 bytes, and a listener reads
// the change itself from the changelog.
const NotifyChannel = "roster_changes"

// ListenerName is the application_name of the connection a listener holds,
// so that an operator (or a test) can find it in pg_stat_activity.
const ListenerName = "roster-listener"

// listenReconnectDelay is how long a listener waits before connecting again
// after its connection failed. pgxlisten's default, a minute, is long next
// to a poll interval of a second; the poll covers the gap meanwhile.
const listenReconnectDelay = time.Second

// notify announces the transaction's version on NotifyChannel. PostgreSQL
// delivers it at commit, only if the transaction commits; on SQLite there is
// nobody to tell, since instances sharing a SQLite file poll.
func (s *Store) notify(db *gorm.DB, version int64) error {
	if s.Dialect != Postgres {
		return nil
	}
	if err := db.Exec(`SELECT pg_notify(?, ?)`, NotifyChannel, strconv.FormatInt(version, 10)).Error; err != nil {
		return fmt.Errorf("roster: notify the change: %w", err)
	}
	return nil
}

// ErrNotAVersion is wrapped by the error of a notification whose payload is
// not a version; the notification is ignored.
var ErrNotAVersion = errors.New("roster: a change notification's payload is not a version")

// ParseNotification returns the version a notification's payload names. A
// payload that is not a positive decimal integer is an error wrapping
// ErrNotAVersion that quotes (the start of) it.
func ParseNotification(payload string) (int64, error) {
	v, err := strconv.ParseInt(payload, 10, 64)
	if err != nil || v <= 0 {
		if len(payload) > 40 {
			payload = payload[:40] + "..."
		}
		return 0, fmt.Errorf("%w: %q", ErrNotAVersion, payload)
	}
	return v, nil
}

// ListenHooks are what Listen calls. Every hook runs on the listening
// goroutine, so each must return quickly.
type ListenHooks struct {
	// Connected is called each time the listener has (re)connected and is
	// listening: changes committed while it was away were announced to
	// nobody, so the caller catches up from the changelog.
	Connected func()
	// Notified is called with the version of each notification.
	Notified func(version int64)
	// Error is called with every error: a failed connection (the listener
	// retries after a second) or a payload that is not a version (ignored).
	Error func(err error)
}

// CanListen reports whether Listen can run: the database is PostgreSQL and
// its DSN is known (Options.DSN, or the DSN of a gorm connection opened with
// gorm.io/driver/postgres's Open).
func (s *Store) CanListen() bool { return s.Dialect == Postgres && s.dsn != "" }

// ErrCannotListen is returned by Listen when CanListen is false.
var ErrCannotListen = errors.New("roster: change notifications need PostgreSQL and its DSN")

// Listen listens for change notifications on a connection of its own
// (github.com/jackc/pgxlisten runs the loop and reconnects) until ctx ends,
// then returns ctx's error, having closed that connection.
func (s *Store) Listen(ctx context.Context, h ListenHooks) error {
	if !s.CanListen() {
		return ErrCannotListen
	}
	cfg, err := pgx.ParseConfig(s.dsn)
	if err != nil {
		return fmt.Errorf("roster: parse the DSN for the listener: %w", err)
	}
	cfg.RuntimeParams["application_name"] = ListenerName
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			return pgx.ConnectConfig(ctx, cfg.Copy())
		},
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil {
				h.Error(err)
			}
		},
		ReconnectDelay: listenReconnectDelay,
	}
	l.Handle(NotifyChannel, listenHandler(h))
	return l.Listen(ctx)
}

// listenHandler turns hooks into pgxlisten's handler: notifications go to
// Notified; the backlog (called once listening after each connect) goes to
// Connected.
type listenHandler ListenHooks

func (h listenHandler) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	v, err := ParseNotification(n.Payload)
	if err != nil {
		return err // pgxlisten passes it to LogError; the notification is ignored
	}
	h.Notified(v)
	return nil
}

func (h listenHandler) HandleBacklog(context.Context, string, *pgx.Conn) error {
	h.Connected()
	return nil
}

// dsnOf returns the DSN of a PostgreSQL gorm connection, or "" when it was
// opened over an existing connection pool.
func dsnOf(db *gorm.DB, given string) string {
	if given != "" {
		return given
	}
	if pd, ok := db.Dialector.(*postgres.Dialector); ok && pd.Config != nil {
		return pd.DSN
	}
	return ""
}
