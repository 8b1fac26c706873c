package access

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
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

// TestCanSeesEveryWriteWhenItReturns hammers Can from many goroutines while
// one writer grants and revokes: each grant (a membership in the group a
// resource is attached to) must be visible to every reader as soon as its
// Apply call has returned, and so must each revocation (of another
// membership, held since the start). The writer publishes the number of the
// last grant and of the last revocation only after Apply returns, so a
// reader that sees the number must see the write.
func TestCanSeesEveryWriteWhenItReturns(t *testing.T) {
	const writes = 3000
	ix := NewIndex()
	user := func(i int64) string { return fmt.Sprintf("u%d", i) }
	granting := func(i int64) Resource { return Resource{DocumentSet, fmt.Sprintf("d%d", i)} }
	revoking := func(i int64) Resource { return Resource{Agent, fmt.Sprintf("a%d", i)} }
	grant := func(i int64) Line { return MemberLine("w", user(i), fmt.Sprintf("g%d", i)) }
	revoke := func(i int64) Line { return MemberLine("w", user(i), fmt.Sprintf("h%d", i)) }
	var setup []Line
	for i := range int64(writes) {
		setup = append(setup, RoleLine("w", user(i), Basic),
			AttachLine("w", fmt.Sprintf("g%d", i), granting(i)),
			AttachLine("w", fmt.Sprintf("h%d", i), revoking(i)), revoke(i))
	}
	ix.Apply(setup, nil)

	var granted, revoked atomic.Int64 // last grant and revocation applied; -1: none yet
	granted.Store(-1)
	revoked.Store(-1)
	done := make(chan struct{})
	failed := make(chan string, 8)
	var checks, lockFree atomic.Int64
	var wg sync.WaitGroup
	s := ix.space("w")
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if g := granted.Load(); g >= 0 && !ix.Can("w", user(g), View, granting(g)) {
					failed <- fmt.Sprintf("grant %d was applied but Can denies it", g)
					return
				}
				if r := revoked.Load(); r >= 0 && ix.Can("w", user(r), View, revoking(r)) {
					failed <- fmt.Sprintf("revocation %d was applied but Can still allows it", r)
					return
				}
				// The same through the lock-free path alone, which must
				// decide some of them for the test to cover it.
				if g := granted.Load(); g >= 0 {
					if got, ok := s.viewFast(user(g), kindDocumentSet(), granting(g).ID); ok {
						lockFree.Add(1)
						if !got {
							failed <- fmt.Sprintf("grant %d was applied but the view tables deny it", g)
							return
						}
					}
				}
				checks.Add(1)
			}
		})
	}
	for i := range int64(writes) {
		if ix.Can("w", user(i), View, granting(i)) || !ix.Can("w", user(i), View, revoking(i)) {
			t.Fatalf("user %d's access changed before the writes", i)
		}
		ix.Apply([]Line{grant(i)}, nil)
		if !ix.Can("w", user(i), View, granting(i)) {
			t.Fatalf("grant %d not visible when Apply returned", i)
		}
		granted.Store(i)
		ix.Apply(nil, []Line{revoke(i)})
		if ix.Can("w", user(i), View, revoking(i)) {
			t.Fatalf("revocation %d not visible when Apply returned", i)
		}
		revoked.Store(i)
	}
	close(done)
	wg.Wait()
	close(failed)
	for msg := range failed {
		t.Error(msg)
	}
	if checks.Load() == 0 || lockFree.Load() == 0 {
		t.Fatalf("readers made %d checks while the writes landed, %d of them decided lock-free; want some of each", checks.Load(), lockFree.Load())
	}
}

func kindDocumentSet() kindIdx {
	k, _ := kindIndex(DocumentSet)
	return k
}
