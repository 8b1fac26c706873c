package store_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/internal/store"
)

// A transaction that adds a line and removes it again (or the reverse) must
// report its net effect only: the index applies removals before additions,
// so reporting both would leave it granting what the database does not hold.
func TestMutateReportsTheNetChange(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var applied []store.Change
		st, err := store.Open(ctx, store.Options{DSN: dsn, Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Apply: func(ch store.Change) { applied = append(applied, ch) }})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		r := access.Resource{Kind: access.Agent, ID: "a1"}
		public, exists := access.PublicLine("ws", r), access.ExistsLine("ws", r)
		ch, err := st.Mutate(ctx, "ws", access.System, func(tx *store.Tx) error {
			if err := tx.AddLines(exists, public); err != nil {
				return err
			}
			if err := tx.RemoveLines(public); err != nil {
				return err
			}
			tx.Audit("test", "a1", nil)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ch.Added) != 1 || ch.Added[0] != exists || len(ch.Removed) != 0 {
			t.Fatalf("add, add, remove: change = +%v -%v; want +[exists] only", ch.Added, ch.Removed)
		}
		ch, err = st.Mutate(ctx, "ws", access.System, func(tx *store.Tx) error {
			if err := tx.RemoveLines(exists); err != nil {
				return err
			}
			if err := tx.AddLines(exists); err != nil {
				return err
			}
			tx.Audit("test", "a1", nil)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ch.Added)+len(ch.Removed) != 0 {
			t.Fatalf("remove, add back: change = +%v -%v; want none", ch.Added, ch.Removed)
		}
		if len(applied) != 2 {
			t.Fatalf("index got %d changes, want 2", len(applied))
		}
	})
}
