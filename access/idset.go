package access

import (
	"slices"
	"strings"
)

// idBlockMax is the most ids one block of an idSet holds before it splits.
// Inserting into a block moves at most this many string headers (8 KiB), so
// an insert costs the same in a set of ten ids and in one of a million.
const idBlockMax = 512

// idSet is an ordered set of ids: a list of sorted blocks, where every id of
// block i sorts before every id of block i+1. It gives O(log n + idBlockMax)
// insert and remove, and ordered iteration from any id, without the O(n)
// memmove of one big sorted slice (which made bulk loading quadratic) and
// without a map's per-entry cost. The zero value is an empty set.
//
// idSet is not safe for concurrent use; the space that holds it locks.
type idSet struct {
	blocks [][]string
	n      int
}

// Len returns the number of ids in the set.
func (s *idSet) Len() int { return s.n }

// blockFor returns the index of the block where id is or would be inserted:
// the first block whose last id is >= id, or the last block.
func (s *idSet) blockFor(id string) int {
	lo, hi := 0, len(s.blocks)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		b := s.blocks[mid]
		if b[len(b)-1] < id {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// Has reports whether id is in the set.
func (s *idSet) Has(id string) bool {
	if s.n == 0 {
		return false
	}
	_, found := slices.BinarySearch(s.blocks[s.blockFor(id)], id)
	return found
}

// Add inserts id and reports whether it was absent.
func (s *idSet) Add(id string) bool {
	if s.n == 0 {
		s.blocks = [][]string{{id}}
		s.n = 1
		return true
	}
	bi, i := len(s.blocks)-1, 0
	b := s.blocks[bi]
	if last := b[len(b)-1]; id > last {
		// Ids often arrive in ascending order (bulk loads): append.
		i = len(b)
	} else {
		var found bool
		bi = s.blockFor(id)
		b = s.blocks[bi]
		if i, found = slices.BinarySearch(b, id); found {
			return false
		}
	}
	b = slices.Insert(b, i, id)
	s.n++
	if len(b) <= idBlockMax {
		s.blocks[bi] = b
		return true
	}
	// Split: the right half gets its own array so that later inserts into
	// the left half cannot write over it.
	half := len(b) / 2
	right := slices.Clone(b[half:])
	clear(b[half:])
	s.blocks[bi] = b[:half]
	s.blocks = slices.Insert(s.blocks, bi+1, right)
	return true
}

// Remove deletes id and reports whether it was present.
func (s *idSet) Remove(id string) bool {
	if s.n == 0 {
		return false
	}
	bi := s.blockFor(id)
	b := s.blocks[bi]
	i, found := slices.BinarySearch(b, id)
	if !found {
		return false
	}
	b = slices.Delete(b, i, i+1)
	s.n--
	switch {
	case s.n == 0:
		s.blocks = nil
	case len(b) == 0:
		s.blocks = slices.Delete(s.blocks, bi, bi+1)
	default:
		s.blocks[bi] = b
		s.mergeNext(bi)
	}
	return true
}

// mergeNext joins block bi with its successor when both together fill at most
// half a block, so that removals cannot leave a long tail of tiny blocks.
func (s *idSet) mergeNext(bi int) {
	if bi+1 >= len(s.blocks) || len(s.blocks[bi])+len(s.blocks[bi+1]) > idBlockMax/2 {
		return
	}
	s.blocks[bi] = append(s.blocks[bi], s.blocks[bi+1]...)
	s.blocks = slices.Delete(s.blocks, bi+1, bi+2)
}

// AppendTo appends every id in ascending order to dst.
func (s *idSet) AppendTo(dst []string) []string {
	for _, b := range s.blocks {
		dst = append(dst, b...)
	}
	return dst
}

// after returns a cursor at the first id greater than after; the empty
// string starts at the beginning.
func (s *idSet) after(after string) idCursor {
	c := idCursor{set: s}
	if s.n == 0 || after == "" {
		return c
	}
	c.bi = s.blockFor(after)
	b := s.blocks[c.bi]
	i, found := slices.BinarySearch(b, after)
	if found {
		i++
	}
	c.i = i
	c.normalize()
	return c
}

// idCursor walks an idSet in ascending order. It is valid only while the set
// is not modified (readers hold the space's read lock).
type idCursor struct {
	set   *idSet
	bi, i int
}

func (c *idCursor) normalize() {
	for c.bi < len(c.set.blocks) && c.i >= len(c.set.blocks[c.bi]) {
		c.bi++
		c.i = 0
	}
}

// done reports whether the cursor is past the last id.
func (c *idCursor) done() bool { return c.bi >= len(c.set.blocks) }

// head returns the id under the cursor; the cursor must not be done.
func (c *idCursor) head() string { return c.set.blocks[c.bi][c.i] }

// next moves the cursor to the following id.
func (c *idCursor) next() {
	c.i++
	c.normalize()
}

// cursorHeap is a min-heap of cursors ordered by head, for merging the sorted
// sources of Visible. It is hand-rolled so that container/heap's interface
// boxing stays off the path.
type cursorHeap []idCursor

func (h cursorHeap) less(i, j int) bool { return strings.Compare(h[i].head(), h[j].head()) < 0 }

func (h cursorHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

func (h cursorHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// advance moves the smallest cursor forward and restores the heap order,
// dropping the cursor when it is done.
func (h *cursorHeap) advance() {
	old := *h
	old[0].next()
	if old[0].done() {
		last := len(old) - 1
		old[0] = old[last]
		*h = old[:last]
	}
	h.down(0)
}
