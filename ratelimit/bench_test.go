package ratelimit_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/ratelimit"
)

// benchEngine returns an engine on the real clock and a user in 5 groups, each with
// a limit, under a user limit and a global limit: 7 buckets per call. Budgets are
// large so that no call is refused; the first Record builds the user's cached view.
func benchEngine(b *testing.B) (*ratelimit.Engine, ratelimit.Principal) {
	const budget = 1 << 50
	limits := []ratelimit.Limit{
		userLimit("user", budget, time.Hour),
		globalLimit("workspace", budget, time.Hour),
	}
	var groups []string
	for i := range 5 {
		g := fmt.Sprint("group-", i)
		groups = append(groups, g)
		limits = append(limits, groupLimit("limit-"+g, g, budget, time.Hour))
	}
	e := ratelimit.New(ratelimit.Config{})
	if err := e.SetLimits(limits); err != nil {
		b.Fatal(err)
	}
	p := ratelimit.Principal{UserID: "user-42", Groups: groups}
	if err := e.Record(p, 1); err != nil {
		b.Fatal(err)
	}
	return e, p
}

func BenchmarkRateLimitCheck(b *testing.B) {
	e, p := benchEngine(b)
	b.ReportAllocs()
	cpu := rostertest.StartCPU()
	for b.Loop() {
		if err := e.Check(p, 100); err != nil {
			b.Fatal(err)
		}
	}
	rostertest.ReportCPU(b, cpu)
}

func BenchmarkRateLimitRecord(b *testing.B) {
	e, p := benchEngine(b)
	b.ReportAllocs()
	cpu := rostertest.StartCPU()
	for b.Loop() {
		if err := e.Record(p, 100); err != nil {
			b.Fatal(err)
		}
	}
	rostertest.ReportCPU(b, cpu)
}

// floorBuckets returns 7 bare x/time/rate limiters with the budget and period of
// benchEngine's limits: the buckets the engine keeps, without the engine.
func floorBuckets() []*rate.Limiter {
	const budget = 1 << 50
	lims := make([]*rate.Limiter, 7)
	for i := range lims {
		lims[i] = rate.NewLimiter(rate.Limit(float64(budget)/time.Hour.Seconds()), budget)
	}
	return lims
}

// BenchmarkRateLimitCheckFloor is the floor of BenchmarkRateLimitCheck: what a
// check of 7 buckets cannot do without, reading the clock once and the level of
// 7 bare rate.Limiters. What the engine adds is finding the user's buckets (the
// shard, its map, the cached plan) and judging the levels.
func BenchmarkRateLimitCheckFloor(b *testing.B) {
	lims := floorBuckets()
	b.ReportAllocs()
	cpu := rostertest.StartCPU()
	for b.Loop() {
		t := time.Now()
		for _, l := range lims {
			if l.TokensAt(t) < 100 {
				b.Fatal("a bucket ran dry")
			}
		}
	}
	rostertest.ReportCPU(b, cpu)
}

// BenchmarkRateLimitRecordFloor is the floor of BenchmarkRateLimitRecord: reading
// the clock once and taking the tokens from 7 bare rate.Limiters (ReserveN, under
// each limiter's own lock). What the engine adds is finding the buckets, the debt
// floor (a level read before each charge, see debit) and the usage aggregate.
func BenchmarkRateLimitRecordFloor(b *testing.B) {
	lims := floorBuckets()
	b.ReportAllocs()
	cpu := rostertest.StartCPU()
	for b.Loop() {
		t := time.Now()
		for _, l := range lims {
			l.ReserveN(t, 100)
		}
	}
	rostertest.ReportCPU(b, cpu)
}

// reportCPU reports the process CPU time per operation since start, for the
// parallel benchmarks (the single-goroutine ones report their thread's, see
// rostertest.StartCPU): on a shared, loaded machine wall time per operation also
// counts the time others held the CPU.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkRateLimitCheckParallel checks 1M distinct users, each holding a bucket
// under a user limit, from all CPUs, and reports the heap held per bucket.
func BenchmarkRateLimitCheckParallel(b *testing.B) {
	const users = 1_000_000
	ids := make([]string, users)
	for i := range ids {
		ids[i] = fmt.Sprintf("user-%07d", i)
	}
	e := ratelimit.New(ratelimit.Config{MaxBuckets: 2 * users})
	if err := e.SetLimits([]ratelimit.Limit{userLimit("user", 1<<50, time.Hour)}); err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, id := range ids {
		if err := e.Record(ratelimit.Principal{UserID: id}, 1); err != nil {
			b.Fatal(err)
		}
	}
	e.DrainUsage() // usage rows are not bucket state
	runtime.GC()
	runtime.ReadMemStats(&after)
	if st := e.Stats(); st.Buckets != users {
		b.Fatalf("Stats() = %+v, want %d buckets", st, users)
	}
	perBucket := float64(after.HeapAlloc-before.HeapAlloc) / users

	var seed atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		x := seed.Add(1) * 0x9E3779B97F4A7C15
		for pb.Next() {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			if err := e.Check(ratelimit.Principal{UserID: ids[x%users]}, 100); err != nil {
				b.Error(err) // not Fatal: RunParallel's goroutines are not the benchmark's
				return
			}
		}
	})
	reportCPU(b, cpu)
	b.ReportMetric(perBucket, "B/bucket")
}

// BenchmarkRateLimitCheckParallelFloor is the floor of
// BenchmarkRateLimitCheckParallel, on the same 1M user ids drawn the same way:
// one lookup in a plain map from user id to a bare rate.Limiter (read-only, so
// no lock) and that limiter's level. It is memory-bound the same way (the id,
// the map's slot, the limiter); what the engine adds is its shard lock and the
// entry between the map and the limiter.
func BenchmarkRateLimitCheckParallelFloor(b *testing.B) {
	const users = 1_000_000
	lims := make(map[string]*rate.Limiter, users)
	ids := make([]string, users)
	for i := range ids {
		ids[i] = fmt.Sprintf("user-%07d", i)
		lims[ids[i]] = rate.NewLimiter(rate.Limit(float64(1<<50)/time.Hour.Seconds()), 1<<50)
	}
	var seed atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		x := seed.Add(1) * 0x9E3779B97F4A7C15
		for pb.Next() {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			if lims[ids[x%users]].TokensAt(time.Now()) < 100 {
				b.Error("a bucket ran dry") // not Fatal: RunParallel's goroutines are not the benchmark's
				return
			}
		}
	})
	reportCPU(b, cpu)
}
