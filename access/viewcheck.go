package access

import "sync/atomic"

// The summaries a space's view tables hold (see viewTable). A user's slot
// is 8 words: its roles, deactivation and number of groups in the meta
// word's data bits, and up to viewUserGroups group slots, two per word. A
// resource's slot is 4 words: registration, public flag and number of
// groups, and up to viewResGroups group slots in one word.
const (
	viewUserWidth  = 8
	viewUserGroups = 2 * (viewUserWidth - 3)
	viewResWidth   = 4
	viewResGroups  = 2 * (viewResWidth - 3)

	viewDeactivated = 1 << 8 // user data: roles in bits 0-7, then these
	viewUserNShift  = 9
	viewExists      = 1 << 0 // resource data
	viewPublic      = 1 << 1
	viewResNShift   = 2
)

// viewFast answers a View check from the view tables without taking mu. It
// reports decided false when it cannot answer (an id the tables do not
// hold, or a write that overlapped its reads); the caller then asks the
// locked index. Like canEntry, it grants to an active user an existing
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
	allowed = viewAllowed(u, r)
	return allowed, s.seq.Load() == seq
}

// viewAllowed decides a View check from a user's and a resource's slots.
func viewAllowed(u, r []atomic.Uint64) bool {
	ud, rd := u[0].Load()>>vtDataShift, r[0].Load()>>vtDataShift
	roles := roleSet(ud)
	if roles == 0 || ud&viewDeactivated != 0 {
		return false
	}
	if roles&bitAdmin != 0 && rd&viewExists != 0 || rd&viewPublic != 0 {
		return true
	}
	rn, un := rd>>viewResNShift&3, ud>>viewUserNShift&15
	rw := r[3].Load()
	for i := range rn {
		g := uint32(rw >> (32 * i))
		for j := range un {
			if uint32(u[3+j/2].Load()>>(32*(j%2))) == g {
				return true
			}
		}
	}
	return false
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
		s.view.remove(&k)
		return
	}
	u := s.users.at(slot)
	groups := u.groups.list()
	if len(groups) > viewUserGroups {
		s.view.remove(&k)
		return
	}
	data := uint64(u.roles) | uint64(len(groups))<<viewUserNShift
	if u.deactivated {
		data |= viewDeactivated
	}
	var extra [viewUserWidth - 3]uint64
	packSlots(extra[:], groups)
	s.view.put(&k, data, extra[:])
}

func (s *space) syncViewResource(kind kindIdx, id string) {
	t := s.viewRes[kind]
	k, ok := t.encodeKey(id)
	if !ok {
		return
	}
	slot, held := s.kinds[kind].ids[id]
	if !held {
		t.remove(&k)
		return
	}
	r := s.resources.at(slot)
	groups := r.groups.list()
	if r.people != nil || len(groups) > viewResGroups {
		t.remove(&k)
		return
	}
	data := uint64(len(groups)) << viewResNShift
	if r.exists {
		data |= viewExists
	}
	if r.public {
		data |= viewPublic
	}
	var extra [viewResWidth - 3]uint64
	packSlots(extra[:], groups)
	t.put(&k, data, extra[:])
}

// packSlots writes slots into words, two per word, low half first.
func packSlots(words []uint64, slots []uint32) {
	for i, g := range slots {
		words[i/2] |= uint64(g) << (32 * (i % 2))
	}
}
