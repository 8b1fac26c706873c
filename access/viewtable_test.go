package access

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestViewTableMatchesAMap drives one table through random puts and removes
// of ids of every length and spelling, enough of them to split buckets many
// times, and compares every id with a plain map after each round: present
// ids hold exactly their last summary, removed and unencodable ids are
// absent, and no bucket holds more than vtMaxUsed slots.
func TestViewTableMatchesAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var ids []string
	for i := range 6000 {
		switch i % 7 {
		case 0:
			ids = append(ids, fmt.Sprintf("%x", rng.Uint64())[:1+rng.IntN(7)]) // 1-7 bytes
		case 1:
			ids = append(ids, fmt.Sprintf("k%07d", i)) // 8 bytes
		case 2:
			ids = append(ids, fmt.Sprintf("key-%07d", i)[:9+rng.IntN(3)]) // 9-11 bytes
		case 3:
			ids = append(ids, fmt.Sprintf("resource-%07d", i)) // 16 bytes
		case 4:
			ids = append(ids, randomUUID(rng)) // held as 16 bytes
		case 5:
			ids = append(ids, strings.ToUpper(randomUUID(rng))) // not canonical: never held
		default:
			ids = append(ids, fmt.Sprintf("a-longer-id-than-sixteen-%d", i)) // never held
		}
	}
	for _, width := range []int{4, 8} {
		tab := newViewTable(width, &[3]uint64{rng.Uint64(), rng.Uint64(), rng.Uint64()})
		want := map[string][]uint64{}
		for round := range 12 {
			for range 2500 {
				id := ids[rng.IntN(len(ids))]
				k, ok := tab.encodeKey(id)
				if rng.IntN(3) == 0 {
					if ok {
						tab.remove(&k)
					}
					delete(want, id)
					continue
				}
				data := rng.Uint64() >> vtDataShift
				extra := make([]uint64, width-3)
				for i := range extra {
					extra[i] = rng.Uint64()
				}
				if ok && tab.put(&k, data, extra) {
					want[id] = append([]uint64{data}, extra...)
				}
			}
			checkViewTable(t, fmt.Sprintf("width %d round %d", width, round), tab, ids, want)
		}
		if d := tab.dir.Load().depth; d < 4 {
			t.Fatalf("width %d: directory depth %d: the test did not split buckets enough to mean something", width, d)
		}
	}
}

func checkViewTable(t *testing.T, stage string, tab *viewTable, ids []string, want map[string][]uint64) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: nothing held: the test checks nothing", stage)
	}
	for _, id := range ids {
		k, ok := tab.encodeKey(id)
		w, found := tab.find(&k)
		exp, held := want[id]
		if !ok {
			if held || len(id) <= 16 && len(id) > 0 {
				t.Fatalf("%s: %q not encodable but expected held=%v", stage, id, held)
			}
			continue
		}
		if found != held {
			t.Fatalf("%s: find(%q) = %v, want %v", stage, id, found, held)
		}
		if !found {
			continue
		}
		if got := w[0].Load() >> vtDataShift; got != exp[0] {
			t.Fatalf("%s: %q data %x, want %x", stage, id, got, exp[0])
		}
		for i, x := range exp[1:] {
			if got := w[3+i].Load(); got != x {
				t.Fatalf("%s: %q word %d = %x, want %x", stage, id, 3+i, got, x)
			}
		}
	}
	if got := tab.len(); got != len(want) {
		t.Fatalf("%s: len = %d, want %d", stage, got, len(want))
	}
	d := tab.dir.Load()
	for i := range d.buckets {
		if b := d.buckets[i].Load(); b.used > vtMaxUsed || b.depth > d.depth {
			t.Fatalf("%s: bucket %d holds %d slots at depth %d (directory depth %d)", stage, i, b.used, b.depth, d.depth)
		}
	}
}

func randomUUID(rng *rand.Rand) string {
	a, b := rng.Uint64(), rng.Uint64()
	s := fmt.Sprintf("%016x%016x", a, b)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// TestViewKeysAreOneToOne checks that no two ids share an encoded key: ids
// of 8 to 16 bytes are held as overlapping first and last words, and a
// collision would make one id's summary answer for another.
func TestViewKeysAreOneToOne(t *testing.T) {
	tab := newViewTable(4, &[3]uint64{1, 2, 3})
	seen := map[[3]uint64]string{}
	add := func(id string) {
		k, ok := tab.encodeKey(id)
		if !ok {
			return
		}
		key := [3]uint64{k.meta, k.w1, k.w2}
		if other, dup := seen[key]; dup && other != id {
			t.Fatalf("%q and %q encode to the same key", id, other)
		}
		seen[key] = id
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "ab\x00"
	for range 200_000 {
		b := make([]byte, 1+rng.IntN(16))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		add(string(b))
	}
	for range 1000 {
		add(randomUUID(rng))
	}
	if len(seen) < 50_000 {
		t.Fatalf("only %d distinct ids encoded: the test checks too little", len(seen))
	}
	u := randomUUID(rng)
	for _, bad := range []string{strings.ToUpper(u), strings.ReplaceAll(u, "-", "_"), u[:35] + "g", "", strings.Repeat("x", 17)} {
		if _, ok := tab.encodeKey(bad); ok {
			t.Errorf("encodeKey(%q) accepted an id it cannot hold", bad)
		}
	}
}

// TestViewFastAgreesWithTheLockedIndex asks every View check of random
// worlds both of the lock-free path and of the locked index: whenever the
// lock-free path decides, it must agree.
func TestViewFastAgreesWithTheLockedIndex(t *testing.T) {
	decided, asked := 0, 0
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 0xface))
		w := genWorld(rng)
		ix := NewIndex()
		ix.Apply(w.lines(), nil)
		ix.Apply(nil, factLines(w.removeRandom(rng, 0.2)))
		for _, ws := range w.spaces {
			s := ix.space(ws)
			if s == nil {
				continue
			}
			for _, u := range w.queryUsers(ws) {
				for _, r := range w.queryResources(ws) {
					k, _ := kindIndex(r.Kind)
					got, ok := s.viewFast(u, k, r.ID)
					want := s.canEntry(u, View, k, r.ID)
					asked++
					if !ok {
						continue
					}
					decided++
					if got != want {
						t.Fatalf("seed %d: lock-free View(%s, %s, %s) = %v, locked index says %v", seed, ws, u, r, got, want)
					}
				}
			}
		}
	}
	// Most checks of these worlds are left to the locked index (owners,
	// resources attached to three groups or more, ids of the other
	// workspace); enough must be decided to compare both paths.
	if decided < 2000 {
		t.Fatalf("the lock-free path decided %d of %d checks; want at least 2,000", decided, asked)
	}
}

// TestViewFastLeavesWhatItCannotHold checks the cases the view tables leave
// to the locked index: a user in more groups than a summary holds, a
// resource attached to more groups, one with an owner or a share, ids too
// long to hold, and a check that overlaps a write. Can still answers each.
func TestViewFastLeavesWhatItCannotHold(t *testing.T) {
	ix := NewIndex()
	longUser := strings.Repeat("u", 40)
	many := Resource{DocumentSet, "many-groups"}
	owned := Resource{Agent, "owned"}
	shared := Resource{Agent, "shared"}
	longRes := Resource{Connector, strings.Repeat("c", 20)}
	lines := []Line{
		RoleLine("w", "joiner", Basic), RoleLine("w", longUser, Basic), RoleLine("w", "owner", Basic),
		ExistsLine("w", many), ExistsLine("w", owned), ExistsLine("w", shared), ExistsLine("w", longRes),
		OwnerLine("w", "owner", owned), ShareLine("w", "joiner", shared),
		MemberLine("w", longUser, "g0"), AttachLine("w", "g0", longRes),
	}
	for i := range viewGroups + 1 {
		lines = append(lines, MemberLine("w", "joiner", fmt.Sprintf("g%d", i)))
	}
	for i := range viewGroups + 1 {
		lines = append(lines, AttachLine("w", fmt.Sprintf("g%d", viewGroups-i), many))
	}
	ix.Apply(lines, nil)
	s := ix.space("w")
	undecided := []struct {
		user string
		res  Resource
	}{
		{"joiner", many}, {"owner", owned}, {"joiner", shared}, {longUser, longRes},
	}
	for _, c := range undecided {
		k, _ := kindIndex(c.res.Kind)
		if _, ok := s.viewFast(c.user, k, c.res.ID); ok {
			t.Errorf("viewFast decided View(%s, %s); the tables cannot hold one of them", c.user, c.res)
		}
		if !ix.Can("w", c.user, View, c.res) {
			t.Errorf("Can(%s, view, %s) = false; the locked index grants it", c.user, c.res)
		}
	}

	// A user back within the limit is held again, and decided.
	ix.Apply(nil, []Line{MemberLine("w", "joiner", "g0")})
	single := Resource{DocumentSet, "single"}
	ix.Apply([]Line{ExistsLine("w", single), AttachLine("w", "g1", single)}, nil)
	k, _ := kindIndex(DocumentSet)
	if got, ok := s.viewFast("joiner", k, single.ID); !ok || !got {
		t.Fatalf("viewFast(joiner, single) = %v, %v; want true, decided", got, ok)
	}

	// While a write is under way (seq odd) or after one moved seq, nothing
	// is decided lock-free.
	s.seq.Add(1)
	if _, ok := s.viewFast("joiner", k, single.ID); ok {
		t.Error("viewFast decided while a write was under way")
	}
	s.seq.Add(1)
	if !ix.Can("w", "joiner", View, single) {
		t.Error("Can(joiner, single) = false after the write ended")
	}
}

// TestPackViewRoundTrips checks that a summary's groups read back as
// packed, and that what does not fit is refused rather than truncated.
func TestPackViewRoundTrips(t *testing.T) {
	for _, groups := range [][]uint32{nil, {0}, {7, viewSlotLimit - 1}, {1, 2, 3}, {viewSlotLimit - 1, 5, 0, 9, 42}} {
		data, w, ok := packView(viewExists|viewPublic, groups)
		if !ok {
			t.Fatalf("packView(%v) refused groups that fit", groups)
		}
		if n := data >> viewNShift & 7; n != uint64(len(groups)) || data&(1<<viewFlagBits-1) != viewExists|viewPublic {
			t.Fatalf("packView(%v): %d groups, flags %b", groups, n, data&(1<<viewFlagBits-1))
		}
		for i, g := range groups {
			if got := viewGroup(data, w, uint64(i)); got != uint64(g) {
				t.Fatalf("packView(%v): group %d reads back %d", groups, i, got)
			}
		}
		if data >= 1<<(64-vtDataShift) {
			t.Fatalf("packView(%v): data %x does not fit the meta word", groups, data)
		}
	}
	for _, groups := range [][]uint32{{1, 2, 3, 4, 5, 6}, {viewSlotLimit}, {1, 2, viewSlotLimit}} {
		if _, _, ok := packView(0, groups); ok {
			t.Errorf("packView(%v) accepted groups a summary cannot hold", groups)
		}
	}
}

// TestParseUUIDMatchesAReference compares parseUUID with a digit-at-a-time
// reference on valid UUIDs and on each of them with one byte replaced by
// every other byte value: exactly the canonical lowercase spellings are
// accepted, with their 16 bytes.
func TestParseUUIDMatchesAReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	accepted, refused := 0, 0
	for range 200 {
		valid := randomUUID(rng)
		pos := rng.IntN(36)
		for c := range 256 {
			id := valid[:pos] + string([]byte{byte(c)}) + valid[pos+1:]
			w1, w2, ok := parseUUID(id)
			r1, r2, rok := referenceUUID(id)
			if ok != rok || ok && (w1 != r1 || w2 != r2) {
				t.Fatalf("parseUUID(%q) = %x %x %v; reference %x %x %v", id, w1, w2, ok, r1, r2, rok)
			}
			if ok {
				accepted++
			} else {
				refused++
			}
		}
	}
	if accepted < 200 || refused < 200*200 {
		t.Fatalf("%d accepted, %d refused: the test checks too little", accepted, refused)
	}
}

// referenceUUID is parseUUID a character at a time.
func referenceUUID(s string) (w1, w2 uint64, ok bool) {
	var b [16]byte
	j := 0
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return 0, 0, false
			}
			continue
		}
		v := strings.IndexByte("0123456789abcdef", s[i])
		if v < 0 {
			return 0, 0, false
		}
		b[j/2] |= byte(v) << (4 * (1 - j%2))
		j++
	}
	for i := range 8 {
		w1 |= uint64(b[i]) << (8 * i)
		w2 |= uint64(b[8+i]) << (8 * i)
	}
	return w1, w2, true
}

// TestViewTablesForgetFreedIds removes every line of a workspace in random
// orders, so that users are freed by each kind of fact (a role, a
// membership, a curator flag, an ownership, a share) and resources by each
// of theirs: the view tables must never hold more ids than the index and
// must end empty, or churned ids would grow them forever.
func TestViewTablesForgetFreedIds(t *testing.T) {
	var lines []Line
	for i := range 200 {
		u, g := fmt.Sprintf("u%d", i), fmt.Sprintf("g%d", i%7)
		d, a := Resource{DocumentSet, fmt.Sprintf("d%d", i)}, Resource{Agent, fmt.Sprintf("a%d", i)}
		lines = append(lines, RoleLine("w", u, Basic), MemberLine("w", u, g), CuratorLine("w", u, g),
			ShareLine("w", u, a), ExistsLine("w", d), AttachLine("w", g, d), PublicLine("w", a))
		if i%2 == 0 {
			lines = append(lines, OwnerLine("w", u, d))
		}
	}
	for seed := range uint64(5) {
		ix := NewIndex()
		ix.Apply(lines, nil)
		s := ix.space("w")
		if s.view.len() == 0 || s.viewRes[kindDocumentSet()].len() == 0 {
			t.Fatal("nothing in the view tables after loading: the test checks nothing")
		}
		order := append([]Line(nil), lines...)
		rng := rand.New(rand.NewPCG(seed, 9))
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for len(order) > 0 {
			n := min(len(order), 1+rng.IntN(5))
			ix.Apply(nil, order[:n])
			order = order[n:]
			if held, summaries := len(s.userIDs), s.view.len(); summaries > held {
				t.Fatalf("seed %d: %d users held, %d user summaries", seed, held, summaries)
			}
			for k := range s.kinds {
				if held, summaries := len(s.kinds[k].ids), s.viewRes[k].len(); summaries > held {
					t.Fatalf("seed %d: kind %s: %d resources held, %d summaries", seed, kindOf(kindIdx(k)), held, summaries)
				}
			}
		}
		if s.view.len() != 0 || s.viewRes[0].len()+s.viewRes[1].len()+s.viewRes[2].len() != 0 {
			t.Fatalf("seed %d: view tables hold %d users and %d resources after every line was removed", seed, s.view.len(), s.viewRes[0].len()+s.viewRes[1].len()+s.viewRes[2].len())
		}
	}
}

// TestViewFastDiscardsReadsAWriteOverlapped lands a revocation between the
// lock-free reads of a check and its second look at the sequence counter:
// the check must not decide on what it read, and Can must deny once the
// revocation has returned. (Not parallel: it sets a package-level hook.)
func TestViewFastDiscardsReadsAWriteOverlapped(t *testing.T) {
	ix := NewIndex()
	d := Resource{DocumentSet, "d"}
	ix.Apply([]Line{RoleLine("w", "ann", Basic), MemberLine("w", "ann", "g"), ExistsLine("w", d), AttachLine("w", "g", d)}, nil)
	s := ix.space("w")
	if got, ok := s.viewFast("ann", kindDocumentSet(), d.ID); !ok || !got {
		t.Fatalf("viewFast(ann, d) = %v, %v before the write; want true, decided", got, ok)
	}
	t.Cleanup(func() { testHookViewRead = nil })
	landed := false
	testHookViewRead = func() {
		testHookViewRead = nil
		ix.Apply(nil, []Line{MemberLine("w", "ann", "g")})
		landed = true
	}
	if got, ok := s.viewFast("ann", kindDocumentSet(), d.ID); ok {
		t.Fatalf("viewFast decided %v from reads a revocation overlapped", got)
	}
	if !landed {
		t.Fatal("the hook did not run: the test checked nothing")
	}
	if ix.Can("w", "ann", View, d) {
		t.Fatal("Can(ann, view, d) = true after the revocation returned")
	}
}

// TestViewTablesAreAllocatedAtTheirFirstId checks that a workspace pays for
// a view table only once it holds an id of its kind: a workspace of one
// user has no resource tables, and its first document set allocates that
// kind's table alone.
func TestViewTablesAreAllocatedAtTheirFirstId(t *testing.T) {
	ix := NewIndex()
	ix.Apply([]Line{RoleLine("w", "ann", Basic)}, nil)
	s := ix.space("w")
	if s.view.dir.Load() == nil {
		t.Fatal("the users' table has no directory after a user was added")
	}
	for k := range s.viewRes {
		if s.viewRes[k].dir.Load() != nil {
			t.Fatalf("kind %s: table allocated before any resource of the kind", kindOf(kindIdx(k)))
		}
	}
	ix.Apply([]Line{ExistsLine("w", Resource{DocumentSet, "d"})}, nil)
	for k := range s.viewRes {
		if got, want := s.viewRes[k].dir.Load() != nil, kindIdx(k) == kindDocumentSet(); got != want {
			t.Fatalf("kind %s: table allocated = %v, want %v", kindOf(kindIdx(k)), got, want)
		}
	}
	// An unallocated table answers nothing and removes nothing.
	if _, ok := s.viewFast("ann", kindDocumentSet(), "d"); !ok {
		t.Fatal("viewFast did not decide a check both tables hold")
	}
	k, _ := s.viewRes[0].encodeKey("c")
	if _, found := s.viewRes[0].find(&k); found {
		t.Fatal("an unallocated table found an id")
	}
	s.viewRes[0].remove(&k)
	if s.viewRes[0].len() != 0 || s.viewRes[0].dir.Load() != nil {
		t.Fatal("remove on an unallocated table allocated it")
	}
}
