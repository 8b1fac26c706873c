package access

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Probe: readers use the lock-free path while the writer grows and shrinks
// the tables (inserts that split buckets and double directories, removals
// with backward shift) in the same Apply calls that move a user and a
// resource between groups: a decided answer must never deny.
func TestZZReviewGrowWhileReading(t *testing.T) {
	ix := NewIndex()
	stable := Resource{DocumentSet, "stable"}
	ix.Apply([]Line{RoleLine("w", "cora", Basic), MemberLine("w", "cora", "G0"), ExistsLine("w", stable), AttachLine("w", "G0", stable)}, nil)
	s := ix.space("w")
	k, _ := kindIndex(DocumentSet)
	var done atomic.Bool
	var decided, checks atomic.Int64
	failed := make(chan string, 4)
	var wg sync.WaitGroup
	for r := range 3 {
		wg.Go(func() {
			for i := 0; !done.Load(); i++ {
				got, ok := s.viewFast("cora", k, stable.ID)
				checks.Add(1)
				if ok {
					decided.Add(1)
					if !got {
						failed <- "cora denied stable lock-free"
						return
					}
				}
				// random ids being inserted/removed: must not panic
				s.viewFast(fmt.Sprintf("u%d", (i*7+r)%40000), k, fmt.Sprintf("d%d", i%40000))
				if i%64 == 0 {
					runtime.Gosched()
				}
			}
		})
	}
	for round := range 40 {
		var add, rem []Line
		from, to := fmt.Sprintf("G%d", round), fmt.Sprintf("G%d", round+1)
		rem = append(rem, MemberLine("w", "cora", from), AttachLine("w", from, stable))
		add = append(add, MemberLine("w", "cora", to), AttachLine("w", to, stable))
		for i := range 1000 {
			n := round*1000 + i
			u, d := fmt.Sprintf("u%d", n), Resource{DocumentSet, fmt.Sprintf("d%d", n)}
			if round%2 == 0 {
				add = append(add, RoleLine("w", u, Basic), ExistsLine("w", d))
			}
			if round >= 2 {
				m := (round-2)*1000 + i
				rem = append(rem, RoleLine("w", fmt.Sprintf("u%d", m), Basic), ExistsLine("w", Resource{DocumentSet, fmt.Sprintf("d%d", m)}))
			}
		}
		ix.Apply(add, rem)
		// interleave small Applies so readers get even windows
		for range 50 {
			ix.Apply([]Line{RoleLine("w", "x", Basic)}, nil)
			runtime.Gosched()
		}
	}
	done.Store(true)
	wg.Wait()
	close(failed)
	for m := range failed {
		t.Error(m)
	}
	t.Logf("checks %d, decided %d, users table depth %d len %d", checks.Load(), decided.Load(), s.view.dir.Load().depth, s.view.len())
	if decided.Load() == 0 {
		t.Fatal("nothing decided")
	}
}

// Probe: memory of view tables for many small workspaces.
func TestZZReviewWorkspaceOverhead(t *testing.T) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	ix := NewIndex()
	for i := range 1000 {
		ix.Apply([]Line{RoleLine(fmt.Sprintf("ws%d", i), "x", Basic)}, nil)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	t.Logf("1000 one-line workspaces: heap %.1f MiB", float64(m1.HeapAlloc-m0.HeapAlloc)/(1<<20))
	runtime.KeepAlive(ix)
}
