package roster_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

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
	if os.Getenv(rostertest.PostgresEnv) == "" {
		b.Skipf("propagation is measured on PostgreSQL: set %s=postgres://...", rostertest.PostgresEnv)
	}
	dsn := rostertest.PostgresDSN(b)
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
