package roster_test

import (
	"context"
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
// (commit, notification, b's catch-up from the changelog). It reports the
// median and p99 delay in milliseconds; ns/op is the whole iteration,
// write included.
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
	delays := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := access.Resource{Kind: access.Agent, ID: "bench-" + strconv.Itoa(i)}
		if _, err := wres.Register(ctx, roster.System, r, resources.Facts{Public: true}); err != nil {
			b.Fatal(err)
		}
		committed := time.Now()
		for deadline := committed.Add(30 * time.Second); ; time.Sleep(50 * time.Microsecond) {
			if ok, _ := rix.Can(ctx, admin.ID, access.View, r); ok {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("the reader did not answer change %d within 30s", i)
			}
		}
		delays = append(delays, time.Since(committed))
	}
	b.StopTimer()
	slices.Sort(delays)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(delays[len(delays)/2]), "median-ms")
	b.ReportMetric(ms(delays[len(delays)*99/100]), "p99-ms")
}
