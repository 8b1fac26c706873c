package access

import (
	"math/rand/v2"
	"strings"
	"sync/atomic"
)

// space is the compiled policy of one workspace. Users, groups and resources
// are interned to small integer slots so that the relations between them are
// short sorted sets of slots (see slots); ids that are listed in order (resources of a
// group or kind, members of a group) are kept in idSets.
//
// Every relation is stored on both sides (a membership is in the user's
// groups and in the group's members), and an entity's slot is freed when the
// last line naming it is removed, so no slot is ever referenced after it is
// freed.
type space struct {
	id string

	// seq is odd while Apply writes the space and moves by two per Apply
	// call; view and viewRes are summaries for View checks that readers
	// read without mu, validated by seq (see viewTable). Apply changes them
	// under mu with seq odd.
	seq     atomic.Uint64
	view    *viewTable // users
	viewRes [numKinds]*viewTable

	// mu guards every field below. It is reader-biased (see readLock): a
	// reader counts itself in its token's counter (tokens are kept per
	// processor), not in one shared count, so checks on different cores do
	// not write the same cache line; a writer waits for the counters to
	// drain, a cost independent of the number of lines.
	mu *readLock

	userIDs   map[string]uint32
	users     table[user]
	freeUsers []uint32

	groupIDs   map[string]uint32
	groups     table[group]
	freeGroups []uint32

	kinds     [numKinds]kindTable
	resources table[resource]
	freeRes   []uint32

	admins idSet // ids of users holding the stored admin role
	lines  int   // number of understood lines held
}

// user is one user's lines. A user with no valid stored role, or with a
// deactivated line, is not active and is denied everything. A View check the
// view tables cannot answer reads the first 40 bytes (roles and groups);
// curator flags and owned and shared resources, which it does not read, live
// behind a pointer, so the struct is 64 bytes and, in a table's page-aligned
// chunks, one cache line (TestRecordsAreOneCacheLine).
type user struct {
	roles       roleSet
	deactivated bool
	groups      slots // group slots the user is a member of
	id          string
	res         *userResources // nil when the user has no flag, owns and shares nothing
}

// userResources are the groups where a user holds the curator flag, the
// resources they own, per kind, and the agents shared with them directly.
type userResources struct {
	flags  slots // group slots where the user holds the curator flag
	owned  [numKinds]idSet
	shared idSet
}

func (r *userResources) empty() bool {
	return r.flags.len() == 0 && r.owned[0].Len() == 0 && r.owned[1].Len() == 0 && r.owned[2].Len() == 0 && r.shared.Len() == 0
}

// flagList returns the group slots where u holds the curator flag.
func (u *user) flagList() []uint32 {
	if u.res == nil {
		return nil
	}
	return u.res.flags.list()
}

// hasFlag reports whether u holds the curator flag of group slot g.
func (u *user) hasFlag(g uint32) bool { return u.res != nil && u.res.flags.has(g) }

// dropEmptyResources frees u.res once it holds nothing.
func (u *user) dropEmptyResources() {
	if u.res != nil && u.res.empty() {
		u.res = nil
	}
}

// resources returns u.res, allocating it. For the write path.
func (u *user) resources() *userResources {
	if u.res == nil {
		u.res = &userResources{}
	}
	return u.res
}

func (u *user) active() bool { return u.roles != 0 && !u.deactivated }

func (u *user) empty() bool {
	return u.roles == 0 && !u.deactivated && u.groups.len() == 0 && u.res == nil
}

// group is one group's lines.
type group struct {
	id       string
	members  idSet // user ids
	curators slots // user slots holding the curator flag
	res      [numKinds]idSet
}

func (g *group) empty() bool {
	if g.members.Len() != 0 || g.curators.len() != 0 {
		return false
	}
	for k := range g.res {
		if g.res[k].Len() != 0 {
			return false
		}
	}
	return true
}

// resource is one resource's lines. Owners and direct shares live behind a
// pointer, nil when there are none, so the struct is 64 bytes: a check the
// view tables cannot answer reads one cache line of a resource without them
// (TestRecordsAreOneCacheLine).
type resource struct {
	exists bool
	public bool
	kind   kindIdx
	groups slots           // attached group slots
	people *resourcePeople // nil when the resource has no owner and no share
	id     string
}

// resourcePeople are the users a resource names directly.
type resourcePeople struct {
	owners slots // user slots (normally at most one)
	shares slots // user slots an agent is shared with
}

func (r *resource) empty() bool {
	return !r.exists && !r.public && r.groups.len() == 0 && r.people == nil
}

// peopleFor returns r.people, allocating it. For the write path.
func (r *resource) peopleFor() *resourcePeople {
	if r.people == nil {
		r.people = &resourcePeople{}
	}
	return r.people
}

// dropEmptyPeople frees r.people once it names no one.
func (r *resource) dropEmptyPeople() {
	if p := r.people; p != nil && p.owners.len() == 0 && p.shares.len() == 0 {
		r.people = nil
	}
}

// hasOwner reports whether user slot us owns r.
func (r *resource) hasOwner(us uint32) bool { return r.people != nil && r.people.owners.has(us) }

// hasShare reports whether r is shared with user slot us directly.
func (r *resource) hasShare(us uint32) bool { return r.people != nil && r.people.shares.has(us) }

// ownerList returns the user slots owning r.
func (r *resource) ownerList() []uint32 {
	if r.people == nil {
		return nil
	}
	return r.people.owners.list()
}

// shareList returns the user slots r is shared with directly.
func (r *resource) shareList() []uint32 {
	if r.people == nil {
		return nil
	}
	return r.people.shares.list()
}

// kindTable indexes the resources of one kind.
type kindTable struct {
	ids      map[string]uint32 // resource id → slot in space.resources
	existing idSet             // ids with an exists line
	public   idSet             // ids with a public line
}

func newSpace(id string) *space {
	s := &space{
		id:       id,
		mu:       newReadLock(),
		userIDs:  make(map[string]uint32),
		groupIDs: make(map[string]uint32),
	}
	seed := &[3]uint64{rand.Uint64(), rand.Uint64(), rand.Uint64()}
	s.view = newViewTable(viewWidth, seed)
	for k := range s.kinds {
		s.kinds[k].ids = make(map[string]uint32)
		s.viewRes[k] = newViewTable(viewWidth, seed)
	}
	return s
}

// tableChunk is how many entities a table allocates at a time.
const tableChunk = 1024

// table holds entities by slot in fixed-size chunks, so that growing it
// never copies nor drops the entities it holds: a million resources grown
// by append would allocate about five times their size while loading and
// hold the old and new array at once. Slots are dense from 0 to len-1.
type table[T any] struct {
	chunks []*[tableChunk]T
	n      uint32
}

// at returns the entity of a slot below t.len().
func (t *table[T]) at(slot uint32) *T {
	return &t.chunks[slot/tableChunk][slot%tableChunk]
}

// len returns the number of slots, free or used.
func (t *table[T]) len() int { return int(t.n) }

// allocSlot returns a free slot of items, growing it when none is free. The
// entity of a new slot is the zero value; a freed slot was zeroed by its gc.
func allocSlot[T any](items *table[T], free *[]uint32) uint32 {
	if n := len(*free); n > 0 {
		slot := (*free)[n-1]
		*free = (*free)[:n-1]
		return slot
	}
	if items.n%tableChunk == 0 {
		items.chunks = append(items.chunks, new([tableChunk]T))
	}
	items.n++
	return items.n - 1
}

// userSlotOf returns the slot of a user, if the space holds one.
func (s *space) userSlotOf(id string) (uint32, bool) {
	slot, ok := s.userIDs[id]
	return slot, ok
}

// resourceSlotOf returns the slot of a resource, if the space holds one.
func (s *space) resourceSlotOf(k kindIdx, id string) (uint32, bool) {
	slot, ok := s.kinds[k].ids[id]
	return slot, ok
}

// userSlot returns the slot of a user, creating it if needed.
func (s *space) userSlot(id string) uint32 {
	if slot, ok := s.userSlotOf(id); ok {
		return slot
	}
	slot := allocSlot(&s.users, &s.freeUsers)
	id = strings.Clone(id)
	*s.users.at(slot) = user{id: id}
	s.userIDs[id] = slot
	return slot
}

// groupSlot returns the slot of a group, creating it if needed.
func (s *space) groupSlot(id string) uint32 {
	if slot, ok := s.groupIDs[id]; ok {
		return slot
	}
	slot := allocSlot(&s.groups, &s.freeGroups)
	id = strings.Clone(id)
	*s.groups.at(slot) = group{id: id}
	s.groupIDs[id] = slot
	return slot
}

// resourceSlot returns the slot of a resource, creating it if needed.
func (s *space) resourceSlot(k kindIdx, id string) uint32 {
	if slot, ok := s.resourceSlotOf(k, id); ok {
		return slot
	}
	slot := allocSlot(&s.resources, &s.freeRes)
	id = strings.Clone(id)
	*s.resources.at(slot) = resource{id: id, kind: k}
	s.kinds[k].ids[id] = slot
	return slot
}

// gcUser frees the slot of a user that no line names any more.
func (s *space) gcUser(slot uint32) {
	if u := s.users.at(slot); u.empty() {
		s.forgetView(s.view, u.id)
		delete(s.userIDs, u.id)
		*u = user{}
		s.freeUsers = append(s.freeUsers, slot)
	}
}

// gcGroup frees the slot of a group that no line names any more.
func (s *space) gcGroup(slot uint32) {
	if g := s.groups.at(slot); g.empty() {
		delete(s.groupIDs, g.id)
		*g = group{}
		s.freeGroups = append(s.freeGroups, slot)
	}
}

// gcResource frees the slot of a resource that no line names any more.
func (s *space) gcResource(slot uint32) {
	if r := s.resources.at(slot); r.empty() {
		s.forgetView(s.viewRes[r.kind], r.id)
		delete(s.kinds[r.kind].ids, r.id)
		*r = resource{}
		s.freeRes = append(s.freeRes, slot)
	}
}
