package access

import (
	"math/bits"
	"sync/atomic"
)

// viewTable maps an id to a summary of what a View check reads of it (a
// user's roles, deactivation and groups; a resource's registration, public
// flag and groups), so that Can answers most View checks without taking the
// workspace's lock: per id, one 32-byte slot (half a cache line) at the end
// of a short chain of dependent loads (table, directory, bucket pointer,
// bucket, its words) whose first links are shared by every check and stay
// in cache.
//
// Readers take no lock and write nothing: every word is read with an atomic
// load, and space.seq, a sequence counter that is odd while Apply writes the
// space, tells a reader whether a write overlapped its reads; if one did,
// the reader discards what it read and asks the locked index instead. So a
// check still sees each Apply call entirely or not at all, and every write
// is visible to a check that starts after Apply returns.
//
// The table is a summary, not the index: an id whose summary does not fit
// (a user or resource in more than viewGroups groups or in a group whose
// slot is 2^20 or more, a resource with an owner or a direct share, an id
// that is neither at most 16 bytes nor a lowercase UUID, an id that lands
// in a full bucket at vtMaxDepth, which a fair hash never fills) is not in
// it, and a check that finds no summary asks the locked index, which holds
// every fact. A summary that is present is exact, and an id the index no
// longer holds has none.
//
// It is written here rather than taken from a library because the
// concurrent maps that exist (sync.Map, xsync.Map) keep a pointer per entry
// and the key's bytes elsewhere, so a lookup reads three cache lines where
// this reads one, and none of them offers the seqlock reads that make one
// Apply call, which touches several entries, atomic to readers.
//
// Layout: extendible hashing. A directory of 1<<depth bucket pointers is
// indexed by the top bits of the id's hash; each bucket is vtSlots slots of
// width words, linear probing on the low bits. A full bucket splits in two,
// so an insert moves at most one bucket's entries. When the bucket was as
// deep as the directory, the directory doubles first: a copy of its
// pointers, one per 150 ids or so, which happens once per doubling of the
// ids held, so an insert costs amortized constant time, and no write ever
// rehashes the table. The table is allocated at its first insert: a
// workspace pays nothing for a kind it does not use.
type viewTable struct {
	width int    // words per slot: the meta word, 2 key words, data words
	shift uint64 // log2(width)
	seed  *[3]uint64
	dir   atomic.Pointer[vtDirectory]
}

const (
	vtSlots    = 256             // slots per bucket, a power of two
	vtMaxUsed  = vtSlots * 7 / 8 // a bucket splits before it holds more
	vtMaxDepth = 24              // deepest directory: 16M buckets, never reached by a fair hash

	// A slot's first word is its meta word: the key's length and encoding
	// in the low byte (zero for an empty slot), the summary's data above.
	vtLenMask   = 0x3f   // key length, at most 36
	vtRaw       = 1 << 6 // key bytes held as they are (at most 16)
	vtUUID      = 2 << 6 // a lowercase UUID held as its 16 bytes
	vtKeyMask   = 0xff
	vtDataShift = 8 // data bits: 56
)

// vtDirectory is one published directory: 1<<depth bucket pointers.
// Readers load it whole; the writer replaces it when it doubles.
type vtDirectory struct {
	depth   uint
	buckets []atomic.Pointer[vtBucket]
}

// vtBucket is vtSlots slots of the table's width. words never changes after
// the bucket is published; its slots' words do, under space.seq.
type vtBucket struct {
	words []atomic.Uint64
	depth uint // local depth; read and written by the writer only
	used  int  // occupied slots; read and written by the writer only
}

// vtKey is an id encoded for the table: the meta word's key bits, the two
// key words and the hash.
type vtKey struct {
	meta, w1, w2, hash uint64
}

// newViewTable returns an empty table of slots of width words: a power of
// two, at least 4 (the meta word, two key words, one data word).
func newViewTable(width int, seed *[3]uint64) *viewTable {
	t := &viewTable{width: width, shift: uint64(bits.TrailingZeros(uint(width))), seed: seed}
	if width < 4 || 1<<t.shift != width {
		panic("access: a view table's width must be a power of two, at least 4")
	}
	return t
}

// directory returns the table's directory, allocating its first bucket.
// For the writer.
func (t *viewTable) directory() *vtDirectory {
	if d := t.dir.Load(); d != nil {
		return d
	}
	d := &vtDirectory{buckets: make([]atomic.Pointer[vtBucket], 1)}
	d.buckets[0].Store(t.newBucket(0))
	t.dir.Store(d)
	return d
}

func (t *viewTable) newBucket(depth uint) *vtBucket {
	return &vtBucket{words: make([]atomic.Uint64, vtSlots*t.width), depth: depth}
}

// encodeKey encodes id, or reports false when the table cannot hold it.
// An id of 8 to 16 bytes is held as its first and its last 8 bytes (which
// overlap below 16; with the length, they still spell one id), a shorter
// one as its bytes, a lowercase UUID as its 16 bytes.
func (t *viewTable) encodeKey(id string) (vtKey, bool) {
	var k vtKey
	switch n := len(id); {
	case n >= 8 && n <= 16:
		k = vtKey{meta: uint64(n) | vtRaw, w1: le64(id), w2: le64(id[n-8:])}
	case n > 0 && n < 8:
		for i := n - 1; i >= 0; i-- {
			k.w1 = k.w1<<8 | uint64(id[i])
		}
		k.meta = uint64(n) | vtRaw
	case n == 36:
		var ok bool
		if k.w1, k.w2, ok = parseUUID(id); !ok {
			return k, false
		}
		k.meta = 36 | vtUUID
	default:
		return k, false
	}
	k.hash = t.hash(k.meta, k.w1, k.w2)
	return k, true
}

// le32 reads the first 4 bytes of s, little-endian.
func le32(s string) uint64 {
	_ = s[3]
	return uint64(uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24)
}

// le64 reads the first 8 bytes of s, little-endian (the compiler makes it
// one load).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// hash mixes the key words with the space's random seed (the folded
// 128-bit multiply of wyhash), so ids chosen by users cannot be made to
// collide.
func (t *viewTable) hash(meta, w1, w2 uint64) uint64 {
	h := mix(w1^t.seed[0], w2^t.seed[1]) ^ mix(meta^t.seed[2], 0x9e3779b97f4a7c15)
	return mix(h, 0xbf58476d1ce4e5b9)
}

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// parseUUID reads a UUID in its canonical lowercase spelling into two
// words (its 16 bytes, little-endian); any other spelling is refused, so
// each encoded key has one id. It decodes eight digits at a time (hex8):
// user ids are UUIDs, and a digit at a time cost a check 30 ns.
func parseUUID(s string) (w1, w2 uint64, ok bool) {
	if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return 0, 0, false
	}
	a, okA := hex8(le64(s[0:8]))
	b, okB := hex8(le32(s[9:13]) | le32(s[14:18])<<32)
	c, okC := hex8(le32(s[19:23]) | le32(s[24:28])<<32)
	d, okD := hex8(le64(s[28:36]))
	return a | b<<32, c | d<<32, okA && okB && okC && okD
}

// hex8 decodes eight lowercase hex digits, one per byte of x (the first in
// the low byte), into 32 bits, or reports false if a byte is anything else.
func hex8(x uint64) (uint64, bool) {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	if x&high != 0 {
		return 0, false
	}
	// With every byte below 0x80, adding 0x80-c sets a byte's high bit
	// exactly when the byte is at least c, and never carries into the next.
	digit := (x + ones*(0x80-'0')) &^ (x + ones*(0x80-'9'-1))
	letter := (x + ones*(0x80-'a')) &^ (x + ones*(0x80-'f'-1))
	if (digit|letter)&high != high {
		return 0, false
	}
	v := x&(ones*0x0f) + (x>>6&ones)*9 // '0'-'9' → 0-9, 'a'-'f' → 10-15
	w := (v<<4 | v>>8) & 0x00ff00ff00ff00ff
	w = (w | w>>8) & 0x0000ffff0000ffff
	return (w | w>>16) & 0xffffffff, true
}

// bucketOf returns the bucket a hash belongs to in d.
func (d *vtDirectory) bucketOf(h uint64) *vtBucket {
	return d.buckets[h>>(64-d.depth)&(1<<d.depth-1)].Load()
}

// slot returns slot i of b.
func (t *viewTable) slot(b *vtBucket, i uint64) []atomic.Uint64 {
	return b.words[int(i)*t.width : int(i+1)*t.width]
}

// find returns the slot holding k, or false. Without the writer's lock,
// what it returns is meaningful only if space.seq did not move meanwhile;
// it never panics nor loops forever on a table being written.
func (t *viewTable) find(k *vtKey) ([]atomic.Uint64, bool) {
	d := t.dir.Load()
	if d == nil {
		return nil, false
	}
	b := d.bucketOf(k.hash)
	i, found := t.probe(b, k)
	if !found {
		return nil, false
	}
	return t.slot(b, i), true
}

// put sets k's summary: data (at most 56 bits) in its meta word and extra in
// the words after the key. The caller holds the space's write lock and has
// made space.seq odd. It reports false when the table cannot take a new id
// (a bucket at vtMaxDepth is full), which leaves k out: checks of it then
// ask the locked index.
func (t *viewTable) put(k *vtKey, data uint64, extra []uint64) bool {
	for {
		d := t.directory()
		b := d.bucketOf(k.hash)
		i, found := t.probe(b, k)
		if !found && b.used >= vtMaxUsed {
			if !t.split(d, k.hash, b) {
				return false
			}
			continue
		}
		w := t.slot(b, i)
		for i, x := range extra {
			w[3+i].Store(x)
		}
		for i := 3 + len(extra); i < t.width; i++ {
			w[i].Store(0)
		}
		if !found {
			w[1].Store(k.w1)
			w[2].Store(k.w2)
			b.used++
		}
		w[0].Store(k.meta | data<<vtDataShift)
		return true
	}
}

// probe returns the index of k's slot in b and true, or of the empty slot
// where k would go and false. It stops after vtSlots slots, so a reader
// probing a bucket being written never loops forever; the writer's buckets
// always have an empty slot, so it never stops there.
func (t *viewTable) probe(b *vtBucket, k *vtKey) (uint64, bool) {
	words, shift := b.words, t.shift
	i := k.hash & (vtSlots - 1)
	for range vtSlots {
		w := words[i<<shift : i<<shift+3 : i<<shift+3]
		m := w[0].Load() & vtKeyMask
		if m == 0 {
			return i, false
		}
		if m == k.meta && w[1].Load() == k.w1 && w[2].Load() == k.w2 {
			return i, true
		}
		i = (i + 1) & (vtSlots - 1)
	}
	return i, false
}

// remove deletes k's summary, if any, closing the gap it leaves in its
// probe sequence (backward-shift deletion, so no tombstones build up). The
// caller holds the write lock and has made space.seq odd.
func (t *viewTable) remove(k *vtKey) {
	d := t.dir.Load()
	if d == nil {
		return
	}
	b := d.bucketOf(k.hash)
	hole, found := t.probe(b, k)
	if !found {
		return
	}
	for j := (hole + 1) & (vtSlots - 1); ; j = (j + 1) & (vtSlots - 1) {
		next := t.slot(b, j)
		m := next[0].Load()
		if m&vtKeyMask == 0 {
			break
		}
		home := t.hash(m&vtKeyMask, next[1].Load(), next[2].Load()) & (vtSlots - 1)
		// The entry at j may fill the hole unless its home lies cyclically
		// in (hole, j]: then moving it before its home would hide it.
		if (j-home)&(vtSlots-1) >= (j-hole)&(vtSlots-1) {
			copySlot(t.slot(b, hole), next)
			hole = j
		}
	}
	w := t.slot(b, hole)
	for i := range w {
		w[i].Store(0)
	}
	b.used--
}

func copySlot(dst, src []atomic.Uint64) {
	for i := range dst {
		dst[i].Store(src[i].Load())
	}
}

// split replaces full bucket b, which hash h falls in, by two buckets one
// bit deeper, doubling the directory first when b is as deep as it. It
// reports false when b is at vtMaxDepth.
func (t *viewTable) split(d *vtDirectory, h uint64, b *vtBucket) bool {
	if b.depth >= vtMaxDepth {
		return false
	}
	if b.depth == d.depth {
		d = t.double(d)
	}
	halves := [2]*vtBucket{t.newBucket(b.depth + 1), t.newBucket(b.depth + 1)}
	for i := range uint64(vtSlots) {
		w := t.slot(b, i)
		m := w[0].Load()
		if m&vtKeyMask == 0 {
			continue
		}
		eh := t.hash(m&vtKeyMask, w[1].Load(), w[2].Load())
		half := halves[eh>>(63-b.depth)&1]
		dst, _ := t.probe(half, &vtKey{meta: m & vtKeyMask, w1: w[1].Load(), w2: w[2].Load(), hash: eh})
		copySlot(t.slot(half, dst), w)
		half.used++
	}
	// The directory entries that pointed to b are a run of 1<<(d.depth -
	// b.depth) entries: its first half now points to halves[0], the second
	// to halves[1].
	shift := d.depth - b.depth
	first := (h >> (64 - d.depth)) &^ (1<<shift - 1)
	n := uint64(1) << shift
	for j := range n {
		d.buckets[first+j].Store(halves[j/(n/2)])
	}
	return true
}

// double publishes a directory twice as large, each bucket pointed to by
// two neighbouring entries, and returns it.
func (t *viewTable) double(d *vtDirectory) *vtDirectory {
	nd := &vtDirectory{depth: d.depth + 1, buckets: make([]atomic.Pointer[vtBucket], 2*len(d.buckets))}
	for i := range d.buckets {
		b := d.buckets[i].Load()
		nd.buckets[2*i].Store(b)
		nd.buckets[2*i+1].Store(b)
	}
	t.dir.Store(nd)
	return nd
}

// len returns the number of ids held. For the writer and tests.
func (t *viewTable) len() int {
	n := 0
	d := t.dir.Load()
	if d == nil {
		return 0
	}
	var last *vtBucket
	for i := range d.buckets {
		if b := d.buckets[i].Load(); b != last {
			n += b.used
			last = b
		}
	}
	return n
}
