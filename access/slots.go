package access

import "slices"

// slotsInline is how many slots a slots value holds without a pointer: a
// resource is normally attached to one or two groups and a user is in a
// handful, so a check reads them from the struct it already loaded instead
// of from another cache line.
const slotsInline = 5

// slots is a sorted set of entity slots (users or groups). Up to
// slotsInline elements live in inline; beyond that, all of them live in
// *more. The zero value is empty.
type slots struct {
	n      uint32
	inline [slotsInline]uint32
	more   *[]uint32 // every element when n > slotsInline, else nil
}

// list returns the elements in ascending order. The slice aliases s and is
// valid until s changes.
func (s *slots) list() []uint32 {
	if s.more != nil {
		return *s.more
	}
	return s.inline[:s.n]
}

// len returns the number of elements.
func (s *slots) len() int { return int(s.n) }

// has reports whether v is in the set.
func (s *slots) has(v uint32) bool {
	if s.more == nil {
		for _, x := range s.inline[:s.n] {
			if x == v {
				return true
			}
		}
		return false
	}
	_, found := slices.BinarySearch(*s.more, v)
	return found
}

// insert adds v and reports whether it was absent.
func (s *slots) insert(v uint32) bool {
	i, found := slices.BinarySearch(s.list(), v)
	if found {
		return false
	}
	switch {
	case s.more != nil:
		*s.more = slices.Insert(*s.more, i, v)
	case s.n < slotsInline:
		copy(s.inline[i+1:s.n+1], s.inline[i:s.n])
		s.inline[i] = v
	default:
		more := make([]uint32, 0, 2*slotsInline)
		more = append(append(append(more, s.inline[:i]...), v), s.inline[i:]...)
		s.more, s.inline = &more, [slotsInline]uint32{}
	}
	s.n++
	return true
}

// remove deletes v and reports whether it was present.
func (s *slots) remove(v uint32) bool {
	i, found := slices.BinarySearch(s.list(), v)
	if !found {
		return false
	}
	s.n--
	if s.more == nil {
		copy(s.inline[i:], s.inline[i+1:s.n+1])
		s.inline[s.n] = 0
		return true
	}
	*s.more = slices.Delete(*s.more, i, i+1)
	if s.n <= slotsInline {
		copy(s.inline[:], *s.more)
		s.more = nil
	}
	return true
}

// intersects reports whether two sets share an element, iterating the
// smaller one and searching the larger.
func intersects(a, b *slots) bool {
	if a.n > b.n {
		a, b = b, a
	}
	for _, v := range a.list() {
		if b.has(v) {
			return true
		}
	}
	return false
}
