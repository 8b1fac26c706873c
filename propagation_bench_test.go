package roster_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// BenchmarkPropagation measures how long a change committed on one instance
// takes to be answered by another sharing the PostgreSQL database: each
// iteration registers a public agent through a and waits until b's index
// lets a user view it. b polls only hourly, so the delay is NOTIFY's path
// (commit, notification, b's catch-up from the changelog). It reports, in
// milliseconds, the median and p99 of two delays: from the write's call to
// b answering (median-ms, p99-ms: commit to answer, the write's own
// round trips included, which is what a client of both instances sees) and
// from the write's return to b answering (return-median-ms,
// return-p99-ms: what remains once the writer has its answer). ns/op is
// the whole iteration.
func BenchmarkPropagation(b *testing.B) {
	dsn := rostertest.PostgresDSN(b) // skips without PostgreSQL, fails in CI
	ctx := context.Background()
	open := func() *roster.Directory {
		d, err := roster.Open(ctx, roster.Config{DSN: dsn, PollInterval: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { d.Close() })
		return d
	}
	writer, reader := open(), open()
	for !writer.Status(ctx).Listening || !reader.Status(ctx).Listening {
		time.Sleep(time.Millisecond)
	}
	admin, err := writer.Default().Users().Register(ctx, users.Registration{Email: "ada@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	wres, rix := writer.Default().Resources(), reader.Default().Access()
	var fromCall, fromReturn []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := access.Resource{Kind: access.Agent, ID: "bench-" + strconv.Itoa(i)}
		called := time.Now()
		if _, err := wres.Register(ctx, roster.System, r, resources.Facts{Public: true}); err != nil {
			b.Fatal(err)
		}
		returned := time.Now()
		for deadline := returned.Add(30 * time.Second); ; time.Sleep(50 * time.Microsecond) {
			if ok, _ := rix.Can(ctx, admin.ID, access.View, r); ok {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("the reader did not answer change %d within 30s", i)
			}
		}
		answered := time.Now()
		fromCall = append(fromCall, answered.Sub(called))
		fromReturn = append(fromReturn, answered.Sub(returned))
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	report := func(ds []time.Duration, prefix string) {
		slices.Sort(ds)
		b.ReportMetric(ms(ds[len(ds)/2]), prefix+"median-ms")
		b.ReportMetric(ms(ds[len(ds)*99/100]), prefix+"p99-ms")
	}
	report(fromCall, "")
	report(fromReturn, "return-")
}

// BenchmarkPropagationFloor is the floor of BenchmarkPropagation, on the same
// database: one connection sends a notification (pg_notify, the path a
// change's NOTIFY takes), another LISTENing delivers it to a goroutine, and
// the iteration waits for it the way BenchmarkPropagation waits for the
// reader, checking every 50 µs, and reports the same two delays (from the
// send's call and from its return). What propagation adds is the write's
// transaction, the reader's catch-up query of the changelog and applying the
// change to its index.
func BenchmarkPropagationFloor(b *testing.B) {
	dsn := rostertest.PostgresDSN(b) // skips without PostgreSQL, fails in CI
	ctx, cancel := context.WithCancel(context.Background())
	connect := func() *pgx.Conn {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	sender, listener := connect(), connect()
	if _, err := listener.Exec(ctx, "LISTEN roster_bench_floor"); err != nil {
		b.Fatal(err)
	}
	var got atomic.Int64 // the last payload the listener received
	got.Store(-1)
	done := make(chan error, 1)
	go func() { // reports through done: b.Fatal must run on the benchmark's goroutine
		for {
			n, err := listener.WaitForNotification(ctx)
			if err != nil {
				done <- err
				return
			}
			i, err := strconv.ParseInt(n.Payload, 10, 64)
			if err != nil {
				done <- err
				return
			}
			got.Store(i)
		}
	}()
	b.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			b.Errorf("listener: %v", err)
		}
		sender.Close(context.Background())
		listener.Close(context.Background())
	})
	fromCall := make([]time.Duration, 0, b.N)
	fromReturn := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := int64(0); b.Loop(); i++ {
		called := time.Now()
		if _, err := sender.Exec(ctx, "SELECT pg_notify('roster_bench_floor', $1)", strconv.FormatInt(i, 10)); err != nil {
			b.Fatal(err)
		}
		returned := time.Now()
		for deadline := returned.Add(30 * time.Second); got.Load() != i; time.Sleep(50 * time.Microsecond) {
			if time.Now().After(deadline) {
				b.Fatalf("notification %d did not arrive within 30s", i)
			}
		}
		answered := time.Now()
		fromCall = append(fromCall, answered.Sub(called))
		fromReturn = append(fromReturn, answered.Sub(returned))
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	report := func(ds []time.Duration, prefix string) {
		slices.Sort(ds)
		b.ReportMetric(ms(ds[len(ds)/2]), prefix+"median-ms")
		b.ReportMetric(ms(ds[len(ds)*99/100]), prefix+"p99-ms")
	}
	report(fromCall, "")
	report(fromReturn, "return-")
}
