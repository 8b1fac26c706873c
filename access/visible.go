package access

import "slices"

// Visible returns, in ascending order, the ids of the resources of kind the
// user may view (exactly those for which [Index.Can] allows View), starting
// after the id after ("" starts at the beginning) and returning at most limit
// ids (limit <= 0 means all). next is the cursor for the following page: the
// last id returned when more remain, "" when the list is complete. The list
// is never truncated silently.
//
// Visible merges the user's sorted sources (every registered resource for
// an admin, public resources, owned, shared, and each group's attachments)
// from the cursor on, so a page costs O(page × log sources) and does not
// depend on the size of the workspace.
func (ix *Index) Visible(ws, userID string, kind Kind, after string, limit int) (ids []string, next string) {
	k, ok := kindIndex(kind)
	if !ok {
		return nil, ""
	}
	s := ix.space(ws)
	if s == nil {
		return nil, ""
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	u := s.lookupUser(userID)
	if u == nil || !u.active() {
		return nil, ""
	}
	h, total := s.visibleSources(u, k, after)
	if limit > 0 && limit < total {
		total = limit
	}
	return mergeIDs(h, make([]string, 0, total), limit)
}

// visibleSources returns a heap of cursors over every set that grants u
// View on resources of kind k, positioned after the cursor, and an upper
// bound of the ids they hold. s.mu must be held.
func (s *space) visibleSources(u *user, k kindIdx, after string) (cursorHeap, int) {
	h := make(cursorHeap, 0, u.groups.len()+4)
	total := 0
	push := func(set *idSet) {
		if c := set.after(after); !c.done() {
			h = append(h, c)
			total += set.Len()
		}
	}
	if u.roles&bitAdmin != 0 {
		push(&s.kinds[k].existing)
	}
	push(&s.kinds[k].public)
	if u.res != nil {
		push(&u.res.owned[k])
		if kindOf(k) == Agent {
			push(&u.res.shared)
		}
	}
	for _, g := range u.groups.list() {
		push(&s.groups.at(g).res[k])
	}
	h.init()
	return h, total
}

// mergeIDs appends the distinct ids of the heap's cursors to out in order,
// stopping at limit ids when limit > 0. It returns the last id as the next
// cursor only when another id remains.
func mergeIDs(h cursorHeap, out []string, limit int) ([]string, string) {
	for len(h) > 0 {
		id := h[0].head()
		if len(out) > 0 && out[len(out)-1] == id {
			h.advance()
			continue
		}
		if limit > 0 && len(out) == limit {
			return out, out[len(out)-1]
		}
		out = append(out, id)
		h.advance()
	}
	return out, ""
}

// WhoCan returns the ids of the users that [Index.Can] allows act on the
// resource, sorted. It is empty for an unknown resource, kind or action.
// Its cost is proportional to the users it considers: admins, owners,
// shares and the members of attached groups, or every user of the workspace
// for viewing a public resource.
func (ix *Index) WhoCan(ws string, r Resource, act Action) []string {
	k, ok := kindIndex(r.Kind)
	if !ok || !act.Valid() {
		return nil
	}
	s := ix.space(ws)
	if s == nil {
		return nil
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	rs, ok := s.resourceSlotOf(k, r.ID)
	if !ok {
		return nil
	}
	var out []string
	for _, us := range s.candidates(s.resources.at(rs), act) {
		if s.can(us, act, rs) {
			out = append(out, s.users.at(us).id)
		}
	}
	slices.Sort(out)
	return out
}

// candidates returns, without duplicates, a superset of the user slots that
// may perform act on res. s.mu must be held.
func (s *space) candidates(res *resource, act Action) []uint32 {
	var c []uint32
	if act == View && res.public {
		for slot := range uint32(s.users.len()) {
			if s.users.at(slot).id != "" {
				c = append(c, uint32(slot))
			}
		}
		return c
	}
	c = s.appendSlots(c, &s.admins)
	c = append(c, res.ownerList()...)
	groups := res.groups.list()
	if act == View {
		c = append(c, res.shareList()...)
	} else if len(groups) > 0 {
		groups = groups[:1] // a curator is a member of every attached group
	}
	for _, g := range groups {
		c = s.appendSlots(c, &s.groups.at(g).members)
	}
	slices.Sort(c)
	return slices.Compact(c)
}

// appendSlots appends the slots of the user ids in set. s.mu must be held.
func (s *space) appendSlots(dst []uint32, set *idSet) []uint32 {
	for _, b := range set.blocks {
		for _, id := range b {
			dst = append(dst, s.userIDs[id])
		}
	}
	return dst
}
