package access

// Can reports whether the user may perform act on the resource in workspace
// ws, as docs/contract.md defines it:
//
//   - View: an admin, if the resource is registered; its owner; anyone, if it
//     is public; a member of any attached group; for agents, a user it is
//     shared with directly.
//   - Edit: an admin, if the resource is registered; its owner; a curator or
//     global curator, if the resource is attached to at least one group and
//     they may curate every attached group (see [Index.Curates]). A basic or
//     limited user edits only what they own.
//
// It answers false for an unknown workspace, user, resource, kind or action,
// for a user without a valid stored role, and for a deactivated user. userID
// is the bare id (no "u:" prefix). Can is constant time and does not
// allocate. A View check is usually answered from the workspace's view
// tables without a lock and without writing memory other checks read (see
// viewTable); Edit checks, and View checks the tables cannot answer, take
// the workspace's read lock, do a few map lookups and walk the shorter of
// the user's and the resource's group lists. Either way a check sees every
// Apply call that returned before it started, each whole or not at all.
func (ix *Index) Can(ws, userID string, act Action, r Resource) bool {
	k, ok := kindIndex(r.Kind)
	if !ok || !act.Valid() {
		return false
	}
	s := ix.space(ws)
	if s == nil {
		return false
	}
	if act == View {
		if allowed, decided := s.viewFast(userID, k, r.ID); decided {
			return allowed
		}
	}
	tok := s.mu.RLock()
	ok = s.canEntry(userID, act, k, r.ID)
	s.mu.RUnlock(tok)
	return ok
}

// canEntry is Can by ids. s.mu must be held.
func (s *space) canEntry(userID string, act Action, k kindIdx, resID string) bool {
	us, ok := s.userIDs[userID]
	if !ok {
		return false
	}
	rs, ok := s.kinds[k].ids[resID]
	return ok && s.can(us, act, rs)
}

// can is Can on slots; act must be valid. s.mu must be held.
func (s *space) can(us uint32, act Action, rs uint32) bool {
	u, r := s.users.at(us), s.resources.at(rs)
	if !u.active() {
		return false
	}
	if u.roles&bitAdmin != 0 && r.exists || r.hasOwner(us) {
		return true
	}
	if act == Edit {
		return curatesAll(u, r)
	}
	return r.public || r.hasShare(us) || intersects(&u.groups, &r.groups)
}

// curatesAll reports whether the resource is attached to at least one group
// and u may curate every one of them.
func curatesAll(u *user, r *resource) bool {
	for _, g := range r.groups.list() {
		if !curates(u, g) {
			return false
		}
	}
	return r.groups.len() > 0
}

// curates reports whether u holds curator powers over group slot g: as a
// member who is a global curator, or as a member who is basic and holds the
// group's curator flag. A flag without the membership it belongs to, or held
// by a limited user (neither can be written), grants nothing.
func curates(u *user, g uint32) bool {
	if !u.groups.has(g) {
		return false
	}
	return u.roles&bitGlobalCurator != 0 || u.roles&bitBasic != 0 && u.hasFlag(g)
}

// Curates reports whether the user has group scope over the group: an
// active admin (for any group id: the caller checks that the group exists),
// or an active curator or global curator who may curate it (see
// [Index.CuratedGroups]). It answers false for deactivated and unknown users.
func (ix *Index) Curates(ws, userID, groupID string) bool {
	s := ix.space(ws)
	if s == nil {
		return false
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	u := s.lookupUser(userID)
	if u == nil || !u.active() {
		return false
	}
	if u.roles&bitAdmin != 0 {
		return true
	}
	g, ok := s.groupIDs[groupID]
	return ok && curates(u, g)
}

// lookupUser returns the user or nil. s.mu must be held.
func (s *space) lookupUser(id string) *user {
	if slot, ok := s.userSlotOf(id); ok {
		return s.users.at(slot)
	}
	return nil
}

// lookupResource returns the resource or nil. s.mu must be held.
func (s *space) lookupResource(r Resource) *resource {
	k, ok := kindIndex(r.Kind)
	if !ok {
		return nil
	}
	if slot, ok := s.resourceSlotOf(k, r.ID); ok {
		return s.resources.at(slot)
	}
	return nil
}

// Role returns the user's effective role: the most powerful stored role
// (admin, global curator, basic, limited), with a basic user who may curate
// at least one group reported as Curator. It returns false when the user has
// no valid stored role. Role does not look at deactivation; see
// [Index.Active].
func (ix *Index) Role(ws, userID string) (Role, bool) {
	s := ix.space(ws)
	if s == nil {
		return "", false
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	u := s.lookupUser(userID)
	if u == nil {
		return "", false
	}
	switch {
	case u.roles&bitAdmin != 0:
		return Admin, true
	case u.roles&bitGlobalCurator != 0:
		return GlobalCurator, true
	case u.roles&bitBasic != 0:
		for _, g := range u.flagList() {
			if curates(u, g) {
				return Curator, true
			}
		}
		return Basic, true
	case u.roles&bitLimited != 0:
		return Limited, true
	}
	return "", false
}

// Active reports whether the user has a valid stored role and is not
// deactivated: the users every check may allow.
func (ix *Index) Active(ws, userID string) bool {
	s := ix.space(ws)
	if s == nil {
		return false
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	u := s.lookupUser(userID)
	return u != nil && u.active()
}

// Exists reports whether the resource is registered (has its exists line).
func (ix *Index) Exists(ws string, r Resource) bool {
	s := ix.space(ws)
	if s == nil {
		return false
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	res := s.lookupResource(r)
	return res != nil && res.exists
}
