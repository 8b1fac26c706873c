package access

// add records one fact and reports whether it was new. s.mu must be held for
// writing.
func (s *space) add(f fact) bool {
	var changed bool
	switch f.op {
	case opRole, opDeactivated:
		changed = s.addUserFlag(f)
	case opMember:
		changed = s.addMember(s.userSlot(f.user), s.groupSlot(f.group))
	case opCurate:
		u, g := s.userSlot(f.user), s.groupSlot(f.group)
		changed = s.users.at(u).resources().flags.insert(g)
		s.groups.at(g).curators.insert(u)
	case opAttach:
		r, g := s.resourceSlot(f.kind, f.res), s.groupSlot(f.group)
		res := s.resources.at(r)
		changed = res.groups.insert(g)
		s.groups.at(g).res[f.kind].Add(res.id)
	case opPublic, opExists:
		changed = s.addResourceFlag(f)
	case opOwn:
		u, r := s.userSlot(f.user), s.resourceSlot(f.kind, f.res)
		changed = s.resources.at(r).peopleFor().owners.insert(u)
		s.users.at(u).resources().owned[f.kind].Add(s.resources.at(r).id)
	case opShare:
		u, r := s.userSlot(f.user), s.resourceSlot(f.kind, f.res)
		changed = s.resources.at(r).peopleFor().shares.insert(u)
		s.users.at(u).resources().shared.Add(s.resources.at(r).id)
	}
	if changed {
		s.lines++
	}
	return changed
}

func (s *space) addUserFlag(f fact) bool {
	u := s.users.at(s.userSlot(f.user))
	if f.op == opDeactivated {
		was := u.deactivated
		u.deactivated = true
		return !was
	}
	if u.roles&f.role != 0 {
		return false
	}
	u.roles |= f.role
	if f.role == bitAdmin {
		s.admins.Add(u.id)
	}
	return true
}

func (s *space) addMember(u, g uint32) bool {
	if !s.users.at(u).groups.insert(g) {
		return false
	}
	s.groups.at(g).members.Add(s.users.at(u).id)
	return true
}

func (s *space) addResourceFlag(f fact) bool {
	res := s.resources.at(s.resourceSlot(f.kind, f.res))
	kt := &s.kinds[f.kind]
	if f.op == opPublic {
		was := res.public
		res.public = true
		kt.public.Add(res.id)
		return !was
	}
	was := res.exists
	res.exists = true
	kt.existing.Add(res.id)
	return !was
}

// remove forgets one fact and reports whether it was held. Entities left
// without lines are freed. s.mu must be held for writing.
func (s *space) remove(f fact) bool {
	var changed bool
	switch f.op {
	case opRole, opDeactivated:
		changed = s.removeUserFlag(f)
	case opMember, opCurate:
		changed = s.removeMembership(f)
	case opAttach:
		changed = s.removeAttach(f)
	case opPublic, opExists:
		changed = s.removeResourceFlag(f)
	case opOwn, opShare:
		changed = s.removeUserResource(f)
	}
	if changed {
		s.lines--
	}
	return changed
}

func (s *space) removeUserFlag(f fact) bool {
	slot, ok := s.userSlotOf(f.user)
	if !ok {
		return false
	}
	u := s.users.at(slot)
	changed := false
	switch {
	case f.op == opDeactivated:
		changed, u.deactivated = u.deactivated, false
	case u.roles&f.role != 0:
		u.roles &^= f.role
		changed = true
		if f.role == bitAdmin {
			s.admins.Remove(u.id)
		}
	}
	s.gcUser(slot)
	return changed
}

func (s *space) removeMembership(f fact) bool {
	us, ok1 := s.userSlotOf(f.user)
	gs, ok2 := s.groupIDs[f.group]
	if !ok1 || !ok2 {
		return false
	}
	u, g := s.users.at(us), s.groups.at(gs)
	var changed bool
	if f.op == opMember {
		if changed = u.groups.remove(gs); changed {
			g.members.Remove(u.id)
		}
	} else if changed = u.res != nil && u.res.flags.remove(gs); changed {
		g.curators.remove(us)
		u.dropEmptyResources()
	}
	s.gcUser(us)
	s.gcGroup(gs)
	return changed
}

func (s *space) removeAttach(f fact) bool {
	rs, ok1 := s.resourceSlotOf(f.kind, f.res)
	gs, ok2 := s.groupIDs[f.group]
	if !ok1 || !ok2 {
		return false
	}
	changed := s.resources.at(rs).groups.remove(gs)
	if changed {
		s.groups.at(gs).res[f.kind].Remove(f.res)
	}
	s.gcResource(rs)
	s.gcGroup(gs)
	return changed
}

func (s *space) removeResourceFlag(f fact) bool {
	rs, ok := s.resourceSlotOf(f.kind, f.res)
	if !ok {
		return false
	}
	res, kt := s.resources.at(rs), &s.kinds[f.kind]
	changed := false
	if f.op == opPublic {
		changed, res.public = res.public, false
		kt.public.Remove(f.res)
	} else {
		changed, res.exists = res.exists, false
		kt.existing.Remove(f.res)
	}
	s.gcResource(rs)
	return changed
}

func (s *space) removeUserResource(f fact) bool {
	us, ok1 := s.userSlotOf(f.user)
	rs, ok2 := s.resourceSlotOf(f.kind, f.res)
	if !ok1 || !ok2 {
		return false
	}
	res, u := s.resources.at(rs), s.users.at(us)
	var changed bool
	if p := res.people; p != nil && f.op == opOwn {
		if changed = p.owners.remove(us); changed {
			u.res.owned[f.kind].Remove(f.res)
		}
	} else if p != nil {
		if changed = p.shares.remove(us); changed {
			u.res.shared.Remove(f.res)
		}
	}
	res.dropEmptyPeople()
	u.dropEmptyResources()
	s.gcUser(us)
	s.gcResource(rs)
	return changed
}
