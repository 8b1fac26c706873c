package access_test

import (
	"context"
	"database/sql"
	"fmt"
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

func BenchmarkOpen(b *testing.B) {
	b.Run("lines=1000000", func(b *testing.B) {
		path := storeFixture(b, 1_000_000)
		ctx := context.Background()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapInuse // other benchmarks' cached fixtures, not Open's
		var peak atomic.Uint64
		stop := sampleHeap(&peak)
		b.ResetTimer()
		for b.Loop() {
			d, err := roster.Open(ctx, roster.Config{DSN: "sqlite:" + path})
			if err != nil {
				b.Fatal(err)
			}
			if ok, err := d.Default().Access().Can(ctx, userID(0), access.View, connector(0)); err != nil || !ok {
				b.Fatalf("Can after Open = %v, %v; want true", ok, err)
			}
			d.Close()
		}
		b.StopTimer()
		stop()
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(peak.Load()-min(base, peak.Load()))/(1<<20), "open-peak-heap-MiB")
	})
}

func BenchmarkAttach(b *testing.B) {
	b.Run("lines=1000000", func(b *testing.B) {
		path := storeFixture(b, 1_000_000)
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
			// Connector i is attached to group i%groups; attach it to the next
			// group, whose members could not see it before, then check.
			g := (i + 1) % fixtureGroups
			if _, err := ws.Resources().Attach(ctx, roster.System, groupID(g), connector(i)); err != nil {
				b.Fatal(err)
			}
			if ok, err := ws.Access().Can(ctx, memberOf(g), access.View, connector(i)); err != nil || !ok {
				b.Fatalf("Can after Attach = %v, %v; want true", ok, err)
			}
			i++
		}
	})
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
