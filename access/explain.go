package access

// Reason says why [Index.Explain] denied a check.
type Reason string

// The reasons of a denial, from the first test that fails.
const (
	ReasonInvalid          Reason = "unknown kind or action"
	ReasonUnknownWorkspace Reason = "unknown workspace"
	ReasonUnknownUser      Reason = "unknown user"
	ReasonNoRole           Reason = "user has no valid stored role"
	ReasonDeactivated      Reason = "user is deactivated"
	ReasonUnknownResource  Reason = "unknown resource"
	ReasonNoGrant          Reason = "not admin, owner, shared with, public, nor member of an attached group"
	ReasonNotAttached      Reason = "not admin or owner, and the resource is attached to no group"
	ReasonNotCurator       Reason = "not admin or owner, and not curator of every attached group"
)

// Explanation is the answer of [Index.Explain].
type Explanation struct {
	// Allowed is what [Index.Can] answers.
	Allowed bool
	// Lines are, when allowed, the user's stored role lines followed by the
	// lines of every rule that grants: the exists line for an admin,
	// the owner line, the public line, the share line, member and attach
	// lines of each group that grants View, or the member, attach and curator
	// lines of every attached group that grants Edit. Empty when denied.
	Lines []Line
	// Reason says why the check was denied; empty when allowed.
	Reason Reason
}

// Explain answers the same question as [Index.Can] and says why: the policy
// lines that granted, or the reason of the denial.
func (ix *Index) Explain(ws, userID string, act Action, r Resource) Explanation {
	k, ok := kindIndex(r.Kind)
	if !ok || !act.Valid() {
		return Explanation{Reason: ReasonInvalid}
	}
	s := ix.space(ws)
	if s == nil {
		return Explanation{Reason: ReasonUnknownWorkspace}
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	us, ok := s.userSlotOf(userID)
	if !ok {
		return Explanation{Reason: ReasonUnknownUser}
	}
	switch u := s.users.at(us); {
	case u.roles == 0:
		return Explanation{Reason: ReasonNoRole}
	case u.deactivated:
		return Explanation{Reason: ReasonDeactivated}
	}
	rs, ok := s.resourceSlotOf(k, r.ID)
	if !ok {
		return Explanation{Reason: ReasonUnknownResource}
	}
	return s.explain(us, act, rs)
}

// explain collects the granting lines of an active user. s.mu must be held.
func (s *space) explain(us uint32, act Action, rs uint32) Explanation {
	u, res := s.users.at(us), s.resources.at(rs)
	r := Resource{Kind: kindOf(res.kind), ID: res.id}
	lines := s.roleLines(u)
	base := len(lines)
	if u.roles&bitAdmin != 0 && res.exists {
		lines = append(lines, ExistsLine(s.id, r))
	}
	if res.hasOwner(us) {
		lines = append(lines, OwnerLine(s.id, u.id, r))
	}
	if act == View {
		lines = s.viewLines(lines, us, res, r)
	} else if curatesAll(u, res) {
		lines = s.curatorLines(lines, u, res, r)
	}
	if len(lines) > base {
		return Explanation{Allowed: true, Lines: lines}
	}
	switch {
	case act == View:
		return Explanation{Reason: ReasonNoGrant}
	case res.groups.len() == 0:
		return Explanation{Reason: ReasonNotAttached}
	}
	return Explanation{Reason: ReasonNotCurator}
}

// roleLines returns the user's stored role lines.
func (s *space) roleLines(u *user) []Line {
	var lines []Line
	for _, role := range []Role{Admin, GlobalCurator, Basic, Limited} {
		if u.roles&roleBit(role) != 0 {
			lines = append(lines, RoleLine(s.id, u.id, role))
		}
	}
	return lines
}

// viewLines appends the public, share and group lines that grant View.
func (s *space) viewLines(lines []Line, us uint32, res *resource, r Resource) []Line {
	u := s.users.at(us)
	if res.public {
		lines = append(lines, PublicLine(s.id, r))
	}
	if res.hasShare(us) {
		lines = append(lines, ShareLine(s.id, u.id, r))
	}
	for _, g := range res.groups.list() {
		if u.groups.has(g) {
			gid := s.groups.at(g).id
			lines = append(lines, MemberLine(s.id, u.id, gid), AttachLine(s.id, gid, r))
		}
	}
	return lines
}

// curatorLines appends, for every attached group, the lines that make u its
// curator.
func (s *space) curatorLines(lines []Line, u *user, res *resource, r Resource) []Line {
	for _, g := range res.groups.list() {
		gid := s.groups.at(g).id
		lines = append(lines, MemberLine(s.id, u.id, gid), AttachLine(s.id, gid, r))
		if u.roles&bitGlobalCurator == 0 {
			lines = append(lines, CuratorLine(s.id, u.id, gid))
		}
	}
	return lines
}
