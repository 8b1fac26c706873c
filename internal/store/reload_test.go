package store_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/internal/store"
)

// While a reload is under way (here held until the test releases it), a
// catch-up waits for it only as long as its context lasts, and the applied
// version and the health stay readable: callers bounded by a deadline
// (AwaitVersion, readiness probes) answer on time, from the last good state.
func TestCatchUpWaitsForAReloadOnlyAsLongAsItsContext(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		reloading, release := make(chan struct{}), make(chan struct{})
		st, err := store.Open(ctx, store.Options{DSN: dsn, Now: time.Now, Logger: slog.New(slog.DiscardHandler),
			Reload: func(r store.Reload) error {
				close(reloading)
				<-release
				return r.Lines(func([]access.Line) {})
			}})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		// Another process commits two changes; the first's row is lost.
		other, err := store.Open(ctx, store.Options{DSN: dsn, Now: time.Now, Logger: slog.New(slog.DiscardHandler), SkipMigrations: true})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		var last int64
		for _, id := range []string{"a1", "a2"} {
			ch, err := other.Mutate(ctx, "ws", access.System, func(tx *store.Tx) error {
				return tx.AddLines(access.ExistsLine("ws", access.Resource{Kind: access.Agent, ID: id}))
			})
			if err != nil {
				t.Fatal(err)
			}
			last = ch.Version
		}
		if err := other.DB.Exec(`DELETE FROM roster_changes WHERE version = ?`, last-1).Error; err != nil {
			t.Fatal(err)
		}
		before := st.Applied()
		done := make(chan error, 1)
		go func() { _, err := st.CatchUp(ctx); done <- err }()
		<-reloading
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := st.CatchUp(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("CatchUp during a reload = %v, want DeadlineExceeded", err)
		}
		if got := st.Applied(); got != before {
			t.Fatalf("Applied() during the reload = %d, want %d", got, before)
		}
		if h := st.Health(); h.Reloads != 0 || h.Applied != before {
			t.Fatalf("Health() during the reload = %+v", h)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if h := st.Health(); h.Reloads != 1 || h.Applied != last || h.Err != nil {
			t.Fatalf("Health() after the reload = %+v, want one reload at version %d", h, last)
		}
	})
}
