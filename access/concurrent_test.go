package access

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// TestConcurrentApply runs readers against a writer (meaningful under -race).
// Each Apply is one transaction whose halves would deny if seen apart: a role
// change (remove basic, add admin) and a move between two groups. Readers
// must never see the state between the removal and the addition. The writer
// also creates workspaces while readers look them up.
func TestConcurrentApply(t *testing.T) {
	ix := fixtureIndex(t)
	moving := Resource{Agent, "moving"}
	ix.Apply([]Line{ExistsLine("w", moving), AttachLine("w", "G1", moving)}, nil)

	done := make(chan struct{})
	failed := make(chan string, 3)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if msg := readOnce(ix, moving); msg != "" {
					failed <- msg
					return
				}
			}
		})
	}
	roles := [2]Line{RoleLine("w", "bob", Basic), RoleLine("w", "bob", Admin)}
	attach := [2]Line{AttachLine("w", "G1", moving), AttachLine("w", "G2", moving)}
	for i := range 2000 {
		from, to := i%2, (i+1)%2
		ix.Apply([]Line{roles[to], attach[to]}, []Line{roles[from], attach[from]})
		ix.Apply([]Line{RoleLine(fmt.Sprintf("ws%d", i), "x", Basic)}, nil)
	}
	close(done)
	wg.Wait()
	close(failed)
	for msg := range failed {
		t.Error(msg)
	}
}

// readOnce makes one round of reads that must hold whatever the writer of
// TestConcurrentApply has applied, and describes the first that does not.
func readOnce(ix *Index, moving Resource) string {
	if !ix.Active("w", "bob") || !ix.Can("w", "bob", View, d1) {
		return "bob was seen without a role"
	}
	if !ix.Can("w", "cora", View, moving) {
		return "cora lost the moving agent: a move was seen half done"
	}
	if ids, _ := ix.Visible("w", "cora", Agent, "", 0); !slices.Contains(ids, "moving") {
		return fmt.Sprintf("Visible(cora, agent) = %q lacks the moving agent", ids)
	}
	if who := ix.WhoCan("w", moving, View); !slices.Contains(who, "cora") {
		return fmt.Sprintf("WhoCan(moving, view) = %q lacks cora", who)
	}
	if ix.Len("ws0") != 0 && !ix.Active("ws0", "x") { // ws0 only ever gains its one line
		return "workspace ws0 seen with lines but without its user"
	}
	return ""
}
