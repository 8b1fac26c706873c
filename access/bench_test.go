package access

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The benchmark workspace of issue 3: 100k users, 10k groups, every user
// basic and in 5 groups, and `lines` document sets each attached to one
// group. User 0's five groups (groups 0-4) hold lines/100 of the resources
// between them (10k at 1M), the rest are spread over the other groups.
const (
	benchWS         = "bench"
	benchUsers      = 100_000
	benchGroups     = 10_000
	benchPerUser    = 5
	benchSpecial    = 5 // groups of user 0
	benchBatch      = 1000
	benchSeqLen     = 1 << 16
	benchVisibleDiv = 100
)

// benchData is the deterministic shape of a benchmark workspace; lines are
// generated from it in batches so that the million-line fixture is never
// held as lines.
type benchData struct {
	lines      int
	userGroups [][benchPerUser]int32
	resGroup   []int32
}

func newBenchData(lines int) *benchData {
	rng := rand.New(rand.NewPCG(uint64(lines), 42))
	d := &benchData{lines: lines, userGroups: make([][benchPerUser]int32, benchUsers), resGroup: make([]int32, lines)}
	for u := range d.userGroups {
		for i := range benchPerUser {
			d.userGroups[u][i] = int32(benchSpecial + rng.IntN(benchGroups-benchSpecial))
			if u == 0 {
				d.userGroups[u][i] = int32(i)
			}
		}
	}
	special := lines / benchVisibleDiv
	for r := range d.resGroup {
		d.resGroup[r] = int32(benchSpecial + rng.IntN(benchGroups-benchSpecial))
		if r < special {
			d.resGroup[r] = int32(r % benchSpecial)
		}
	}
	return d
}

func benchUser(u int) string  { return fmt.Sprintf("user%06d", u) }
func benchGroup(g int) string { return fmt.Sprintf("group%05d", g) }
func benchRes(r int) Resource { return Resource{Kind: DocumentSet, ID: fmt.Sprintf("doc%07d", r)} }

// emit passes every line of the workspace to fn in batches. A user may draw
// the same group twice; the duplicate line is then a no-op, as in
// casbin_rule's unique index.
func (d *benchData) emit(fn func([]Line)) {
	batch := make([]Line, 0, benchBatch)
	flush := func(force bool) {
		if len(batch) == cap(batch) || force && len(batch) > 0 {
			fn(batch)
			batch = batch[:0]
		}
	}
	for u, groups := range d.userGroups {
		batch = append(batch, RoleLine(benchWS, benchUser(u), Basic))
		flush(false)
		for _, g := range groups {
			batch = append(batch, MemberLine(benchWS, benchUser(u), benchGroup(int(g))))
			flush(false)
		}
	}
	for r, g := range d.resGroup {
		batch = append(batch, AttachLine(benchWS, benchGroup(int(g)), benchRes(r)))
		flush(false)
	}
	flush(true)
}

// benchCheck is one precomputed check of the benchmark sequence.
type benchCheck struct {
	user string
	res  Resource
}

// checks returns the sequence of checks: a random user, and alternately a
// random resource (almost always denied) and a resource of one of that
// user's groups (allowed), so that both paths are measured.
func (d *benchData) checks() []benchCheck {
	rng := rand.New(rand.NewPCG(7, uint64(d.lines)))
	byGroup := make([][]int32, benchGroups)
	for r, g := range d.resGroup {
		byGroup[g] = append(byGroup[g], int32(r))
	}
	seq := make([]benchCheck, benchSeqLen)
	for i := range seq {
		u := rng.IntN(benchUsers)
		r := rng.IntN(d.lines)
		if g := byGroup[d.userGroups[u][rng.IntN(benchPerUser)]]; i%2 == 1 && len(g) > 0 {
			r = int(g[rng.IntN(len(g))])
		}
		seq[i] = benchCheck{user: benchUser(u), res: benchRes(r)}
	}
	return seq
}

// indexFixture is a loaded index and the checks to run on it.
type indexFixture struct {
	ix           *Index
	seq          []benchCheck
	heapMiB      float64 // HeapInuse after loading and a GC
	indexMiB     float64 // HeapInuse growth caused by loading
	peakMiB      float64 // highest HeapInuse seen between batches while loading
	visible      int     // how many resources user 0 may view
	loaded       int     // lines applied
	applySecs    float64 // time spent in Apply while loading
	applyCPUSecs float64 // CPU time of those Apply calls (0 if unknown)

	floorUsers, floorRes map[string]uint32 // see floorMaps
}

// benchFixtures caches fixtures across benchmarks and b.N rounds.
type benchFixtures struct {
	mu        sync.Mutex
	indexes   map[int]*indexFixture
	enforcers map[int]*enforcerFixture
}

// fixtures is test-only state: building the million-line index takes seconds.
var fixtures = benchFixtures{indexes: map[int]*indexFixture{}, enforcers: map[int]*enforcerFixture{}}

func (f *benchFixtures) index(lines int) *indexFixture {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fx, ok := f.indexes[lines]; ok {
		return fx
	}
	fx := buildIndexFixture(lines)
	f.indexes[lines] = fx
	return fx
}

func buildIndexFixture(lines int) *indexFixture {
	const mib = 1 << 20
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapInuse
	d := newBenchData(lines)
	fx := &indexFixture{ix: NewIndex(), seq: d.checks(), visible: lines / benchVisibleDiv}
	var peak uint64
	var applying, applyingCPU time.Duration
	batches := 0
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	d.emit(func(batch []Line) {
		start := time.Now()
		cpu, _ := threadCPU()
		fx.ix.Apply(batch, nil)
		applying += time.Since(start)
		if end, ok := threadCPU(); ok {
			applyingCPU += end - cpu
		}
		fx.loaded += len(batch)
		if batches++; batches%64 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	})
	fx.applySecs, fx.applyCPUSecs = applying.Seconds(), applyingCPU.Seconds()
	d = nil
	runtime.GC()
	runtime.ReadMemStats(&ms)
	fx.heapMiB = float64(ms.HeapInuse) / mib
	fx.indexMiB = float64(ms.HeapInuse-min(before, ms.HeapInuse)) / mib
	fx.peakMiB = float64(max(peak, ms.HeapInuse)) / mib
	return fx
}

// BenchmarkCheck measures Index.Can (View) on a random user per iteration.
func BenchmarkCheck(b *testing.B) {
	for _, lines := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			fx := fixtures.index(lines)
			b.ReportAllocs()
			allowed := 0
			i := 0
			cpu := startCPU()
			for b.Loop() {
				c := &fx.seq[i&(benchSeqLen-1)]
				if fx.ix.Can(benchWS, c.user, View, c.res) {
					allowed++
				}
				i++
			}
			cpu.report(b, i)
			b.ReportMetric(float64(allowed)/float64(i), "allowed/op")
			b.ReportMetric(lockFreeShare(fx), "lock-free/op")
			if lines == 1_000_000 {
				b.ReportMetric(fx.heapMiB, "heap-MiB")
				b.ReportMetric(fx.indexMiB, "index-MiB")
				b.ReportMetric(fx.peakMiB, "peak-heap-MiB")
				b.ReportMetric(fx.applySecs, "apply-s")
				b.ReportMetric(fx.applySecs*1e9/float64(fx.loaded), "apply-ns/line")
				b.ReportMetric(fx.applyCPUSecs*1e9/float64(fx.loaded), "apply-cpu-ns/line")
			}
		})
	}
}

// lockFreeShare returns the share of the fixture's checks that Can answers
// from the view tables, without the workspace's lock: the path
// BenchmarkCheck measures, unless this is far below 1.
func lockFreeShare(fx *indexFixture) float64 {
	s := fx.ix.space(benchWS)
	k, _ := kindIndex(DocumentSet)
	decided := 0
	for _, c := range fx.seq {
		if _, ok := s.viewFast(c.user, k, c.res.ID); ok {
			decided++
		}
	}
	return float64(decided) / float64(len(fx.seq))
}

// BenchmarkCheckFloor is BenchmarkCheck's floor: per iteration, the same
// check's two id lookups (the user among 100k, the resource among lines) in
// plain map[string]uint32 maps of the fixture's ids, with nothing else: no
// lock, no workspace lookup, no record, no group walk. A check cannot do
// less than find the user and the resource, so its target is a ratio to
// this figure from the same run.
func BenchmarkCheckFloor(b *testing.B) {
	for _, lines := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			fx := fixtures.index(lines)
			users, res := floorMaps(b, fx)
			b.ReportAllocs()
			found := 0
			i := 0
			cpu := startCPU()
			for b.Loop() {
				c := &fx.seq[i&(benchSeqLen-1)]
				_, okU := users[c.user]
				_, okR := res[c.res.ID]
				if okU && okR {
					found++
				}
				i++
			}
			cpu.report(b, i)
			if found != i {
				b.Fatalf("floor found %d of %d lookups; want all", found, i)
			}
		})
	}
}

// floorMaps returns plain maps from the benchmark workspace's user ids and
// document set ids (the index's own id strings) to their slots: what two
// random lookups cost with nothing of the index's own layout. They are
// built once per fixture.
func floorMaps(b *testing.B, fx *indexFixture) (users, res map[string]uint32) {
	b.Helper()
	fixtures.mu.Lock()
	defer fixtures.mu.Unlock()
	if fx.floorUsers != nil {
		return fx.floorUsers, fx.floorRes
	}
	s := fx.ix.space(benchWS)
	k, _ := kindIndex(DocumentSet)
	if s == nil || len(s.userIDs) != benchUsers || len(s.kinds[k].ids) == 0 {
		b.Fatal("benchmark workspace not loaded")
	}
	fx.floorUsers = make(map[string]uint32, len(s.userIDs))
	for id, slot := range s.userIDs {
		fx.floorUsers[id] = slot
	}
	fx.floorRes = make(map[string]uint32, len(s.kinds[k].ids))
	for id, slot := range s.kinds[k].ids {
		fx.floorRes[id] = slot
	}
	return fx.floorUsers, fx.floorRes
}

// BenchmarkCheckParallel is BenchmarkCheck under b.RunParallel: every
// goroutine checks its own stretch of the sequence. Run with -cpu 1,2 and
// compare the speed-up with BenchmarkCheckFloorParallel's in the same run.
func BenchmarkCheckParallel(b *testing.B) {
	b.Run("lines=1000000", func(b *testing.B) {
		fx := fixtures.index(1_000_000)
		b.ReportAllocs()
		b.ResetTimer() // the first round would time building the fixture
		var allowed, total atomic.Int64
		var start atomic.Uint32
		b.RunParallel(func(pb *testing.PB) {
			i := int(start.Add(benchSeqLen/16) - benchSeqLen/16)
			n, ok := 0, 0
			for pb.Next() {
				c := &fx.seq[i&(benchSeqLen-1)]
				if fx.ix.Can(benchWS, c.user, View, c.res) {
					ok++
				}
				i++
				n++
			}
			allowed.Add(int64(ok))
			total.Add(int64(n))
		})
		if total.Load() > 0 {
			b.ReportMetric(float64(allowed.Load())/float64(total.Load()), "allowed/op")
		}
	})
}

// BenchmarkCheckFloorParallel is BenchmarkCheckFloor under b.RunParallel,
// the floor of BenchmarkCheckParallel.
func BenchmarkCheckFloorParallel(b *testing.B) {
	b.Run("lines=1000000", func(b *testing.B) {
		fx := fixtures.index(1_000_000)
		users, res := floorMaps(b, fx)
		b.ReportAllocs()
		b.ResetTimer() // the first round would time building the fixture
		var start atomic.Uint32
		var missed atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			i := int(start.Add(benchSeqLen/16) - benchSeqLen/16)
			miss := 0
			for pb.Next() {
				c := &fx.seq[i&(benchSeqLen-1)]
				_, okU := users[c.user]
				_, okR := res[c.res.ID]
				if !okU || !okR {
					miss++
				}
				i++
			}
			missed.Add(int64(miss))
		})
		if missed.Load() != 0 {
			b.Fatalf("floor missed %d lookups; want none", missed.Load())
		}
	})
}

// enforcerFixture is a casbin enforcer over a benchmark workspace.
type enforcerFixture struct {
	e interface {
		Enforce(rvals ...any) (bool, error)
	}
	seq []benchCheck
}

func (f *benchFixtures) enforcer(b *testing.B, lines int) *enforcerFixture {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fx, ok := f.enforcers[lines]; ok {
		return fx
	}
	d := newBenchData(lines)
	var all []Line
	d.emit(func(batch []Line) { all = append(all, batch...) })
	e, err := newEnforcer(all)
	if err != nil {
		b.Fatalf("newEnforcer: %v", err)
	}
	fx := &enforcerFixture{e: e, seq: d.checks()}
	f.enforcers[lines] = fx
	return fx
}

// BenchmarkCasbinEnforce measures casbin's own Enforce with model.conf on
// the same data and the same checks as BenchmarkCheck: the baseline.
func BenchmarkCasbinEnforce(b *testing.B) {
	for _, lines := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			fx := fixtures.enforcer(b, lines)
			b.ReportAllocs()
			allowed := 0
			i := 0
			cpu := startCPU()
			for b.Loop() {
				c := &fx.seq[i&(benchSeqLen-1)]
				ok, err := fx.e.Enforce(UserSubject(c.user), benchWS, c.res.String(), string(View))
				if err != nil {
					b.Fatal(err)
				}
				if ok {
					allowed++
				}
				i++
			}
			cpu.report(b, i)
			b.ReportMetric(float64(allowed)/float64(i), "allowed/op")
		})
	}
}

// BenchmarkVisible measures the full Visible list of user 0, whose five
// groups hold 10k of the million resources.
func BenchmarkVisible(b *testing.B) {
	b.Run("lines=1000000", func(b *testing.B) {
		fx := fixtures.index(1_000_000)
		b.ReportAllocs()
		n := 0
		cpu := startCPU()
		for b.Loop() {
			ids, next := fx.ix.Visible(benchWS, benchUser(0), DocumentSet, "", 0)
			if len(ids) != fx.visible || next != "" {
				b.Fatalf("Visible = %d ids, next %q; want %d", len(ids), next, fx.visible)
			}
			n++
		}
		cpu.report(b, n)
		b.ReportMetric(float64(fx.visible), "ids/op")
	})
}

// cpuClock measures the CPU time of the benchmark's own thread, reported as
// cpu-ns/op next to the wall-clock ns/op: on a shared machine the two part
// when other processes take the CPU.
type cpuClock struct {
	start time.Duration
	ok    bool
}

func startCPU() cpuClock {
	runtime.LockOSThread()
	start, ok := threadCPU()
	return cpuClock{start: start, ok: ok}
}

func (c cpuClock) report(b *testing.B, ops int) {
	end, ok := threadCPU()
	runtime.UnlockOSThread()
	if c.ok && ok && ops > 0 {
		b.ReportMetric(float64(end-c.start)/float64(ops), "cpu-ns/op")
	}
}
