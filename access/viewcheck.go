package access

// The summaries the view tables hold (see viewTable), in slots of 4 words:
// the meta word (key length and encoding, then 56 data bits), the key's two
// words, and one more. Data bits 0-4 are flags, 5-7 the number of groups
// (at most viewGroups), 8-27 and 28-47 the first two group slots; the
// fourth word holds the next three, 20 bits each. A user or resource with
// more groups, or a group slot of 2^20 or more (a million groups in one
// workspace), is not held.
const (
	viewWidth     = 4
	viewGroups    = 5
	viewSlotBits  = 20
	viewSlotLimit = 1 << viewSlotBits

	viewFlagBits = 5
	viewNShift   = viewFlagBits // 3 bits
	viewG0Shift  = 8

	// User flags: the stored roles (roleSet's 4 bits), then deactivation.
	viewDeactivated = 1 << 4
	// Resource flags.
	viewExists = 1 << 0
	viewPublic = 1 << 1
)

// viewFast answers a View check from the view tables without taking mu. It
// reports decided false when it cannot answer (an id the tables do not
// hold, or a write that overlapped its reads); the caller then asks the
// locked index. Like can, it grants to an active user an existing
// resource if they are an admin, any public resource, and any resource
// attached to one of their groups; resources with owners or direct shares
// are never in the tables.
func (s *space) viewFast(userID string, k kindIdx, resID string) (allowed, decided bool) {
	uk, ok := s.view.encodeKey(userID)
	if !ok {
		return false, false
	}
	res := s.viewRes[k]
	rk, ok := res.encodeKey(resID)
	if !ok {
		return false, false
	}
	seq := s.seq.Load()
	if seq&1 != 0 {
		return false, false
	}
	u, ok := s.view.find(&uk)
	if !ok {
		return false, false
	}
	r, ok := res.find(&rk)
	if !ok {
		return false, false
	}
	allowed = viewAllowed(u[0].Load()>>vtDataShift, u[3].Load(), r[0].Load()>>vtDataShift, r[3].Load())
	if testHookViewRead != nil {
		testHookViewRead()
	}
	return allowed, s.seq.Load() == seq
}

// testHookViewRead, when set by a test, runs between viewFast's reads and
// its second look at the sequence counter, so a test can land a write
// exactly there.
var testHookViewRead func()

// viewAllowed decides a View check from a user's and a resource's data
// bits and fourth words.
func viewAllowed(ud, uw, rd, rw uint64) bool {
	roles := roleSet(ud & 0xf)
	if roles == 0 || ud&viewDeactivated != 0 {
		return false
	}
	if roles&bitAdmin != 0 && rd&viewExists != 0 || rd&viewPublic != 0 {
		return true
	}
	un, rn := ud>>viewNShift&7, rd>>viewNShift&7
	for i := range rn {
		g := viewGroup(rd, rw, i)
		for j := range un {
			if viewGroup(ud, uw, j) == g {
				return true
			}
		}
	}
	return false
}

// viewGroup returns group slot i of a summary.
func viewGroup(data, w uint64, i uint64) uint64 {
	if i < 2 {
		return data >> (viewG0Shift + viewSlotBits*i) & (viewSlotLimit - 1)
	}
	return w >> (viewSlotBits * (i - 2)) & (viewSlotLimit - 1)
}

// packView returns the data bits and fourth word of a summary, or false
// when the groups do not fit.
func packView(flags uint64, groups []uint32) (data, w uint64, ok bool) {
	if len(groups) > viewGroups {
		return 0, 0, false
	}
	data = flags | uint64(len(groups))<<viewNShift
	for i, g := range groups {
		if g >= viewSlotLimit {
			return 0, 0, false
		}
		if i < 2 {
			data |= uint64(g) << (viewG0Shift + viewSlotBits*i)
		} else {
			w |= uint64(g) << (viewSlotBits * (i - 2))
		}
	}
	return data, w, true
}

// forgetView removes the summary of an id whose entity is being freed,
// whichever fact freed it (a removed curator flag or ownership frees a user
// too), so the tables never hold ids the index no longer holds; it is the
// one place summaries of freed ids go. s.mu is held for writing and s.seq
// is odd.
func (s *space) forgetView(t *viewTable, id string) {
	if k, ok := t.encodeKey(id); ok {
		t.remove(&k)
	}
}

// syncView brings the view summary of the user or resource f names up to
// date after f changed the index. s.mu is held for writing and s.seq is odd.
func (s *space) syncView(f fact) {
	switch f.op {
	case opRole, opDeactivated, opMember:
		s.syncViewUser(f.user)
	case opAttach, opPublic, opExists, opOwn, opShare:
		s.syncViewResource(f.kind, f.res)
	}
}

func (s *space) syncViewUser(id string) {
	k, ok := s.view.encodeKey(id)
	if !ok {
		return
	}
	slot, held := s.userIDs[id]
	if !held {
		return // freed: gcUser forgot its summary
	}
	u := s.users.at(slot)
	flags := uint64(u.roles)
	if u.deactivated {
		flags |= viewDeactivated
	}
	s.putView(s.view, &k, flags, u.groups.list())
}

func (s *space) syncViewResource(kind kindIdx, id string) {
	t := s.viewRes[kind]
	k, ok := t.encodeKey(id)
	if !ok {
		return
	}
	slot, held := s.kinds[kind].ids[id]
	if !held {
		return // freed: gcResource forgot its summary
	}
	r := s.resources.at(slot)
	if r.people != nil {
		t.remove(&k)
		return
	}
	var flags uint64
	if r.exists {
		flags |= viewExists
	}
	if r.public {
		flags |= viewPublic
	}
	s.putView(t, &k, flags, r.groups.list())
}

// putView holds k's summary in t, or removes it when it does not fit.
func (s *space) putView(t *viewTable, k *vtKey, flags uint64, groups []uint32) {
	data, w, ok := packView(flags, groups)
	if !ok || !t.put(k, data, []uint64{w}) {
		t.remove(k)
	}
}
