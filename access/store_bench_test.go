package access_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/store"
)

// The store benchmarks measure what the in-memory benchmarks cannot: loading
// a million attachment lines from SQLite at Open, and one attachment written
// through the database and visible to Can. Their fixture has 100k users (role
// lines), 10k groups (rows), each user in 5 groups, and `lines` connectors,
// each registered (exists line) and attached to one group. It is built once
// with bulk inserts and cached under the temporary directory, because
// building it takes longer than the benchmark.
const (
	fixtureUsers  = 100_000
	fixtureGroups = 10_000
	fixturePerUsr = 5
)

// BenchmarkOpen measures roster.Open of the million-connector fixture
// (2.6M casbin_rule rows), after one untimed Open so that the file is in the
// page cache, as it is for BenchmarkLoadFloor. open-peak-heap-MiB is the
// highest HeapInuse sampled during the timed Opens less the heap before
// them (other benchmarks' cached fixtures): the heap Open itself needs.
func BenchmarkOpen(b *testing.B) {
	b.Run("lines=1000000", func(b *testing.B) {
		path := storeFixture(b, 1_000_000)
		ctx := context.Background()
		openAndCheck(b, ctx, path)
		// Twice: objects the closed Directory's finalizers reach survive
		// one cycle.
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapInuse // other benchmarks' cached fixtures, not Open's
		var peak atomic.Uint64
		stop := sampleHeap(&peak)
		b.ResetTimer()
		for b.Loop() {
			openAndCheck(b, ctx, path)
		}
		b.StopTimer()
		stop()
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(peak.Load()-min(base, peak.Load()))/(1<<20), "open-peak-heap-MiB")
	})
}

// openAndCheck opens the fixture, checks that the index is loaded, and
// closes it.
func openAndCheck(b *testing.B, ctx context.Context, path string) {
	b.Helper()
	d, err := roster.Open(ctx, roster.Config{DSN: "sqlite:" + path})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if ok, err := d.Default().Access().Can(ctx, userID(0), access.View, connector(0)); err != nil || !ok {
		b.Fatalf("Can after Open = %v, %v; want true", ok, err)
	}
}

// BenchmarkLoadFloor is BenchmarkOpen's floor: the same casbin_rule table
// read in id order with plain database/sql over the same driver and pragmas
// roster opens SQLite with, every column scanned into a string, and nothing
// else (no index, no migrations, no gorm). Like BenchmarkOpen it reads the
// table once untimed first, so both meet a warm page cache.
func BenchmarkLoadFloor(b *testing.B) {
	b.Run("lines=1000000", func(b *testing.B) {
		path := storeFixture(b, 1_000_000)
		want := fixtureUsers*(1+fixturePerUsr) + 2*1_000_000
		if n := scanRules(b, path); n < want {
			b.Fatalf("scanned %d rows; want at least %d", n, want)
		}
		b.ResetTimer()
		for b.Loop() {
			if n := scanRules(b, path); n < want {
				b.Fatalf("scanned %d rows; want at least %d", n, want)
			}
		}
		b.ReportMetric(float64(want), "rows/op")
	})
}

// scanRules reads every casbin_rule row of the fixture into strings and
// returns how many it read.
func scanRules(b *testing.B, path string) int {
	b.Helper()
	db, err := sql.Open("sqlite", store.SQLiteDSN(path))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT ptype, v0, v1, v2, v3, v4, v5 FROM casbin_rule ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	n := 0
	var l access.Line
	for rows.Next() {
		if err := rows.Scan(&l.PType, &l.V0, &l.V1, &l.V2, &l.V3, &l.V4, &l.V5); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkAttach measures one attachment written through the database and
// visible to Can, on a fresh copy of the fixture (earlier runs' writes would
// make later ones no-ops). Each iteration attaches a connector no one but
// its own group's members can see to a group five thousand groups away, and
// checks that a member of that group may not view it before and may after:
// the groups of one user are five consecutive ones, so that member shares no
// group with the connector's own.
func BenchmarkAttach(b *testing.B) {
	b.Run("lines=1000000", func(b *testing.B) {
		path := freshCopy(b, storeFixture(b, 1_000_000))
		ctx := context.Background()
		d, err := roster.Open(ctx, roster.Config{DSN: "sqlite:" + path})
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		ws := d.Default()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			if i == 1_000_000 {
				b.Fatal("BenchmarkAttach ran out of connectors; lower -benchtime")
			}
			g := (i + fixtureGroups/2) % fixtureGroups
			user, c := memberOf(g), connector(i)
			if ok, err := ws.Access().Can(ctx, user, access.View, c); err != nil || ok {
				b.Fatalf("Can before Attach = %v, %v; want false", ok, err)
			}
			if _, err := ws.Resources().Attach(ctx, roster.System, groupID(g), c); err != nil {
				b.Fatal(err)
			}
			if ok, err := ws.Access().Can(ctx, user, access.View, c); err != nil || !ok {
				b.Fatalf("Can after Attach = %v, %v; want true", ok, err)
			}
			i++
		}
		b.ReportMetric(float64(i), "attached")
	})
}

// freshCopy copies the fixture file into the benchmark's temporary
// directory, so that writes never reach the cached fixture.
func freshCopy(b *testing.B, path string) string {
	b.Helper()
	dst := filepath.Join(b.TempDir(), filepath.Base(path))
	in, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	return dst
}

func userID(i int) string  { return fmt.Sprintf("user-%06d", i) }
func groupID(i int) string { return fmt.Sprintf("group-%05d", i) }
func connector(i int) access.Resource {
	return access.Resource{Kind: access.Connector, ID: fmt.Sprintf("c-%07d", i)}
}

// groupsOf returns the groups of user i: five consecutive groups from a
// start spread over all groups, so every group has 50 members.
func groupsOf(i int) [fixturePerUsr]int {
	var gs [fixturePerUsr]int
	for k := range gs {
		gs[k] = (i*fixturePerUsr + k) % fixtureGroups
	}
	return gs
}

// memberOf returns a user who is a member of group g.
func memberOf(g int) string { return userID(g / fixturePerUsr) }

// sampleHeap records the largest HeapInuse seen every 20ms until stopped.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

var fixtureMu sync.Mutex // serializes fixture builds within the binary

// storeFixture returns the path of a SQLite file holding the fixture,
// building it on first use and keeping it in the temporary directory for
// later runs (delete it to rebuild).
func storeFixture(b *testing.B, lines int) string {
	b.Helper()
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("roster-bench-v1-%d.db", lines))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".building"
	os.Remove(tmp)
	if err := buildFixture(tmp, lines); err != nil {
		b.Fatalf("build fixture: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

func buildFixture(path string, lines int) error {
	ctx := context.Background()
	d, err := roster.Open(ctx, roster.Config{DSN: "sqlite:" + path})
	if err != nil {
		return err
	}
	d.Close()
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer db.Close()
	ws := roster.DefaultWorkspace
	groups := make([][]any, fixtureGroups)
	for g := range groups {
		groups[g] = []any{groupID(g), ws, "Group " + groupID(g), "2026-01-01 00:00:00+00:00"}
	}
	if err := bulkInsert(db, "roster_groups (id, workspace_id, name, created_at)", groups); err != nil {
		return err
	}
	return bulkInsert(db, "casbin_rule (ptype, v0, v1, v2, v3)", fixtureRules(ws, lines))
}

func fixtureRules(ws string, lines int) [][]any {
	rules := make([][]any, 0, fixtureUsers*(1+fixturePerUsr)+2*lines)
	line := func(l access.Line) { rules = append(rules, []any{l.PType, l.V0, l.V1, l.V2, l.V3}) }
	for u := range fixtureUsers {
		line(access.RoleLine(ws, userID(u), access.Basic))
		for _, g := range groupsOf(u) {
			line(access.MemberLine(ws, userID(u), groupID(g)))
		}
	}
	for r := range lines {
		line(access.ExistsLine(ws, connector(r)))
		line(access.AttachLine(ws, groupID(r%fixtureGroups), connector(r)))
	}
	return rules
}

// bulkInsert inserts rows in one transaction, 1,000 rows per statement.
func bulkInsert(db *sql.DB, table string, rows [][]any) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for len(rows) > 0 {
		n := min(len(rows), 1000)
		var sb strings.Builder
		args := make([]any, 0, n*len(rows[0]))
		sb.WriteString("INSERT INTO " + table + " VALUES ")
		for i, r := range rows[:n] {
			if i > 0 {
				sb.WriteString(",")
			}
			sb.WriteString("(?" + strings.Repeat(",?", len(r)-1) + ")")
			args = append(args, r...)
		}
		if _, err := tx.Exec(sb.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return tx.Commit()
}
