package access

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestIDSet drives an idSet and a plain sorted slice with the same random
// adds and removes, enough to split and merge blocks, and compares contents,
// membership and cursors after every step batch.
func TestIDSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s idSet
	var want []string
	maxBlocks := 0
	for step := range 20000 {
		maxBlocks = max(maxBlocks, len(s.blocks))
		id := fmt.Sprintf("id%05d", rng.IntN(3000))
		// Grow for the first half, then mostly shrink.
		if rng.Float64() < 0.8 == (step < 10000) {
			i, found := slices.BinarySearch(want, id)
			if got := s.Add(id); got == found {
				t.Fatalf("step %d: Add(%s) = %v, want %v", step, id, got, !found)
			}
			if !found {
				want = slices.Insert(want, i, id)
			}
		} else {
			i, found := slices.BinarySearch(want, id)
			if got := s.Remove(id); got != found {
				t.Fatalf("step %d: Remove(%s) = %v, want %v", step, id, got, found)
			}
			if found {
				want = slices.Delete(want, i, i+1)
			}
		}
		if step%500 == 0 {
			checkIDSet(t, rng, &s, want)
		}
	}
	checkIDSet(t, rng, &s, want)
	if maxBlocks < 4 || len(s.blocks) >= maxBlocks {
		t.Fatalf("blocks: at most %d, at the end %d; the test did not split and merge", maxBlocks, len(s.blocks))
	}
}

func checkIDSet(t *testing.T, rng *rand.Rand, s *idSet, want []string) {
	t.Helper()
	if got := s.AppendTo(nil); !slices.Equal(got, want) || s.Len() != len(want) {
		t.Fatalf("set holds %d ids (Len %d), want %d", len(got), s.Len(), len(want))
	}
	for _, b := range s.blocks {
		if len(b) == 0 || len(b) > idBlockMax {
			t.Fatalf("block of %d ids", len(b))
		}
	}
	for range 50 {
		after := fmt.Sprintf("id%05d", rng.IntN(3100))
		if rng.IntN(10) == 0 {
			after = ""
		}
		has := slices.Contains(want, after)
		if s.Has(after) != has {
			t.Fatalf("Has(%s) = %v, want %v", after, !has, has)
		}
		i, found := slices.BinarySearch(want, after)
		if found {
			i++
		}
		var got []string
		for c := s.after(after); !c.done(); c.next() {
			got = append(got, c.head())
		}
		if !slices.Equal(got, want[i:]) {
			t.Fatalf("cursor after %q yields %d ids, want %d", after, len(got), len(want)-i)
		}
	}
}

// TestMergeIDs checks the merge of overlapping sources: distinct, ordered,
// and paged without losing or repeating an id.
func TestMergeIDs(t *testing.T) {
	var a, b, c idSet
	for i := range 2000 {
		id := fmt.Sprintf("%04d", i)
		switch {
		case i%2 == 0:
			a.Add(id)
		case i%3 == 0:
			b.Add(id)
		}
		if i%5 == 0 {
			c.Add(id)
		}
	}
	var want []string
	for i := range 2000 {
		if i%2 == 0 || i%3 == 0 || i%5 == 0 {
			want = append(want, fmt.Sprintf("%04d", i))
		}
	}
	heap := func(after string) cursorHeap {
		var h cursorHeap
		for _, s := range []*idSet{&a, &b, &c} {
			if cur := s.after(after); !cur.done() {
				h = append(h, cur)
			}
		}
		h.init()
		return h
	}
	if got, next := mergeIDs(heap(""), nil, 0); !slices.Equal(got, want) || next != "" {
		t.Fatalf("merge = %d ids, next %q; want %d ids", len(got), next, len(want))
	}
	var got []string
	for after := ""; ; {
		page, next := mergeIDs(heap(after), nil, 97)
		got = append(got, page...)
		if next == "" {
			break
		}
		after = next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged merge = %d ids, want %d", len(got), len(want))
	}
}

// TestSlots drives a slots set and a plain sorted slice with the same random
// inserts and removes, across the inline/spilled boundary.
func TestSlots(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var s, other slots
	var want []uint32
	for step := range 5000 {
		v := uint32(rng.IntN(2 * slotsInline))
		i, found := slices.BinarySearch(want, v)
		if rng.IntN(2) == 0 {
			if got := s.insert(v); got == found {
				t.Fatalf("step %d: insert(%d) = %v, want %v", step, v, got, !found)
			}
			if !found {
				want = slices.Insert(want, i, v)
			}
		} else {
			if got := s.remove(v); got != found {
				t.Fatalf("step %d: remove(%d) = %v, want %v", step, v, got, found)
			}
			if found {
				want = slices.Delete(want, i, i+1)
			}
		}
		if !slices.Equal(s.list(), want) || s.len() != len(want) || (s.more != nil) != (len(want) > slotsInline) {
			t.Fatalf("step %d: slots = %v (spilled %v), want %v", step, s.list(), s.more != nil, want)
		}
		if s.has(v) != slices.Contains(want, v) {
			t.Fatalf("step %d: has(%d) = %v", step, v, !slices.Contains(want, v))
		}
		other.insert(uint32(rng.IntN(4 * slotsInline)))
		meet := slices.ContainsFunc(other.list(), func(x uint32) bool { return slices.Contains(want, x) })
		if intersects(&s, &other) != meet || intersects(&other, &s) != meet {
			t.Fatalf("step %d: intersects(%v, %v) = %v", step, s.list(), other.list(), !meet)
		}
		if step%50 == 0 {
			other = slots{}
		}
	}
}
