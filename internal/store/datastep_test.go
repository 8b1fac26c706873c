package store_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/internal/store"
)

func openStore(t *testing.T, dsn string, skip bool, steps ...store.Step) (*store.Store, error) {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{DSN: dsn, Now: time.Now, SkipMigrations: skip,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Steps: steps})
	if err == nil {
		t.Cleanup(func() { st.Close() })
	}
	return st, err
}

// markerStep inserts a workspace named after the step and counts its runs;
// fail makes it fail after the insert.
func markerStep(name string, runs *atomic.Int32, fail error) store.Step {
	return store.Step{Name: name, Run: func(ctx context.Context, tx store.StepTx) error {
		runs.Add(1)
		q := tx.Rebind(`INSERT INTO roster_workspaces (id, name, created_at) VALUES (?, ?, CURRENT_TIMESTAMP)`)
		if _, err := tx.ExecContext(ctx, q, name, name); err != nil {
			return err
		}
		return fail
	}}
}

// stepState returns the workspaces named like steps and the recorded steps.
func stepState(t *testing.T, st *store.Store) (workspaces, steps []string) {
	t.Helper()
	db, err := st.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	return column(t, db, `SELECT id FROM roster_workspaces WHERE id LIKE 'step%' ORDER BY id`),
		column(t, db, `SELECT name FROM `+store.DataStepsTable+` ORDER BY name`)
}

func column(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A data step runs once per database, in the order given, and is recorded.
func TestDataStepRunsOnce(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		var a, b atomic.Int32
		for range 3 {
			st, err := openStore(t, dsn, false, markerStep("step-a", &a, nil), markerStep("step-b", &b, nil))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			st.Close()
		}
		if a.Load() != 1 || b.Load() != 1 {
			t.Errorf("runs over three opens: a %d, b %d; want 1 each", a.Load(), b.Load())
		}
		st, err := openStore(t, dsn, true, markerStep("step-a", &a, nil))
		if err != nil {
			t.Fatalf("Open skipping migrations after the steps ran: %v", err)
		}
		ws, steps := stepState(t, st)
		if want := []string{"step-a", "step-b"}; !reflect.DeepEqual(ws, want) || !reflect.DeepEqual(steps, want) {
			t.Errorf("workspaces %v, recorded steps %v; want %v for both", ws, steps, want)
		}
	})
}

// A failing step stops Open with its error, writes nothing (not even its
// record), and runs again at the next Open.
func TestFailingDataStepWritesNothing(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		var runs atomic.Int32
		boom := errors.New("step refused")
		if _, err := openStore(t, dsn, false, markerStep("step-x", &runs, boom)); !errors.Is(err, boom) {
			t.Fatalf("Open with a failing step = %v, want its error", err)
		}
		st, err := openStore(t, dsn, false)
		if err != nil {
			t.Fatal(err)
		}
		if ws, steps := stepState(t, st); len(ws) != 0 || len(steps) != 0 {
			t.Fatalf("after the failed step: workspaces %v, recorded steps %v; want none", ws, steps)
		}
		st.Close()
		if _, err := openStore(t, dsn, true, markerStep("step-x", &runs, nil)); !pending(err, "step-x") {
			t.Fatalf("Open skipping migrations with the step not run = %v, want *SchemaError pending step-x", err)
		}
		if st, err = openStore(t, dsn, false, markerStep("step-x", &runs, nil)); err != nil {
			t.Fatalf("Open with the step fixed: %v", err)
		}
		if ws, steps := stepState(t, st); runs.Load() != 2 || len(ws) != 1 || len(steps) != 1 {
			t.Errorf("after the fixed step: %d runs, workspaces %v, steps %v; want 2 runs and one of each", runs.Load(), ws, steps)
		}
	})
}

func pending(err error, step string) bool {
	var se *store.SchemaError
	return errors.As(err, &se) && !se.Dirty && reflect.DeepEqual(se.Pending, []string{step})
}

// Processes opening one database at once run a step once: the migration
// lock (PostgreSQL) or the write lock (SQLite) serializes them, and the
// later ones find the step recorded.
func TestConcurrentOpensRunADataStepOnce(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		st, err := openStore(t, dsn, false) // the SQL migrations, first
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		var runs atomic.Int32
		var wg sync.WaitGroup
		errs := make([]error, 4)
		start := make(chan struct{})
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = openStore(t, dsn, false, markerStep("step-c", &runs, nil))
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Open %d: %v", i, err)
			}
		}
		if runs.Load() != 1 {
			t.Errorf("the step ran %d times, want 1", runs.Load())
		}
	})
}
