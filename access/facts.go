package access

import "slices"

// ResourceFacts are the access facts the index holds for one resource.
type ResourceFacts struct {
	Exists bool     // registered: the resource has its exists line
	Public bool     // visible to every active user of the workspace
	Owners []string // owner user ids, sorted (normally at most one)
	Groups []string // attached group ids, sorted
	Shares []string // ids of the users an agent is shared with directly, sorted
}

// ResourceFacts returns the facts of a resource, and false when the index
// holds no line about it.
func (ix *Index) ResourceFacts(ws string, r Resource) (ResourceFacts, bool) {
	s := ix.space(ws)
	if s == nil {
		return ResourceFacts{}, false
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	res := s.lookupResource(r)
	if res == nil {
		return ResourceFacts{}, false
	}
	return ResourceFacts{
		Exists: res.exists,
		Public: res.public,
		Owners: s.userIDList(res.ownerList()),
		Groups: s.groupIDList(res.groups.list()),
		Shares: s.userIDList(res.shareList()),
	}, true
}

// GroupFacts are the facts the index holds for one group.
type GroupFacts struct {
	Members   []string   // member user ids, sorted
	Curators  []string   // ids of the users holding the group's curator flag, sorted
	Resources []Resource // attached resources, by kind (in Kinds order), then id
}

// GroupFacts returns the facts of a group, and false when the index holds no
// line about it (a group without members, flags or attachments).
func (ix *Index) GroupFacts(ws, groupID string) (GroupFacts, bool) {
	s := ix.space(ws)
	if s == nil {
		return GroupFacts{}, false
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	slot, ok := s.groupIDs[groupID]
	if !ok {
		return GroupFacts{}, false
	}
	g := s.groups.at(slot)
	return GroupFacts{
		Members:   g.members.AppendTo(nil),
		Curators:  s.userIDList(g.curators.list()),
		Resources: resourceList(&g.res),
	}, true
}

// Groups returns the ids of the groups the user is a member of, sorted.
func (ix *Index) Groups(ws, userID string) []string {
	s := ix.space(ws)
	if s == nil {
		return nil
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	u := s.lookupUser(userID)
	if u == nil {
		return nil
	}
	return s.groupIDList(u.groups.list())
}

// CuratedGroups returns the ids of the groups an active curator or global
// curator may curate, sorted: for a global curator every group they are a
// member of, for a basic user each group where they are a member holding
// the curator flag. It is empty for every other user, admins included:
// admins curate every group, which the index does not list (check
// [Index.Role] first).
func (ix *Index) CuratedGroups(ws, userID string) []string {
	s := ix.space(ws)
	if s == nil {
		return nil
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	u := s.lookupUser(userID)
	if u == nil || !u.active() || u.roles&bitAdmin != 0 {
		return nil
	}
	var ids []string
	for _, g := range u.groups.list() {
		if curates(u, g) {
			ids = append(ids, s.groups.at(g).id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Owned returns the resources the user owns, by kind (in Kinds order), then
// id: what blocks deleting the user until ownership is transferred.
func (ix *Index) Owned(ws, userID string) []Resource {
	s := ix.space(ws)
	if s == nil {
		return nil
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	u := s.lookupUser(userID)
	if u == nil || u.res == nil {
		return nil
	}
	return resourceList(&u.res.owned)
}

// userIDList maps user slots to their ids, sorted. s.mu must be held.
func (s *space) userIDList(slots []uint32) []string {
	if len(slots) == 0 {
		return nil
	}
	ids := make([]string, len(slots))
	for i, slot := range slots {
		ids[i] = s.users.at(slot).id
	}
	slices.Sort(ids)
	return ids
}

// groupIDList maps group slots to their ids, sorted. s.mu must be held.
func (s *space) groupIDList(slots []uint32) []string {
	if len(slots) == 0 {
		return nil
	}
	ids := make([]string, len(slots))
	for i, slot := range slots {
		ids[i] = s.groups.at(slot).id
	}
	slices.Sort(ids)
	return ids
}

// resourceList flattens per-kind id sets into resources.
func resourceList(sets *[numKinds]idSet) []Resource {
	var out []Resource
	for k := range sets {
		for _, b := range sets[k].blocks {
			for _, id := range b {
				out = append(out, Resource{Kind: kindOf(kindIdx(k)), ID: id})
			}
		}
	}
	return out
}
