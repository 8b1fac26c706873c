package roster_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// stepResult is what one operation of the stateful test did and what the
// contract says of it.
type stepResult struct {
	desc string
	err  error
	// allowed: the contract lets the principal do this (in the state
	// before the step); an operation it does not allow must fail.
	allowed bool
	// mustNotForbid: when allowed, a refusal must not be ErrForbidden
	// (other refusals, such as the last-admin rule, remain possible).
	mustNotForbid bool
	// refuseWith, if set, are the errors one of which the refusal must
	// match, whatever else is wrong with the input: the principal may not
	// do this, and authorization comes before validation.
	refuseWith []error
	// post, run after a success, returns what is wrong with its effect.
	post func(s *sim) string
}

type simOp struct {
	name string
	run  func(s *sim, w *roster.Workspace, p principal) stepResult
}

// ops are the stateful test's operations, drawn uniformly.
func (s *sim) ops() []simOp {
	return []simOp{
		{"register", opRegister}, {"register", opRegister},
		{"invite", opInvite}, {"resend", opResend}, {"revoke invite", opRevokeInvite},
		{"set role", opSetRole}, {"set role", opSetRole},
		{"deactivate", opDeactivate}, {"activate", opActivate}, {"delete user", opDeleteUser},
		{"create group", opCreateGroup}, {"create group", opCreateGroup}, {"rename group", opRenameGroup}, {"delete group", opDeleteGroup},
		{"add members", opAddMembers}, {"add members", opAddMembers}, {"remove members", opRemoveMembers},
		{"set curator", opSetCurator}, {"set curator", opSetCurator},
		{"register resource", opRegisterResource}, {"update resource", opUpdateResource},
		{"unregister resource", opUnregisterResource},
		{"attach", opAttach}, {"attach", opAttach}, {"detach", opDetach},
		{"create API key", opCreateAPIKey}, {"delete API key", opDeleteAPIKey},
		{"create SCIM token", opCreateSCIM}, {"revoke SCIM token", opRevokeSCIM},
		{"set members", opSetMembers}, {"set attached", opSetAttached}, {"transfer ownership", opTransfer},
		{"create limit", opCreateLimit}, {"delete limit", opDeleteLimit}, {"set invite mode", opSetMode},
	}
}

func short(id string) string { return id[:min(8, len(id))] }

func adminOnly(s *sim, p principal, desc string, err error) stepResult {
	r := stepResult{desc: desc, err: err, allowed: s.isAdmin(p), mustNotForbid: true}
	if !r.allowed {
		r.refuseWith = []error{roster.ErrForbidden}
	}
	return r
}

// tokensOf returns the known link tokens of email, sorted.
func (s *sim) tokensOf(email string) []string {
	var out []string
	for _, t := range slices.Sorted(maps.Keys(s.tok)) {
		if s.tok[t] == email {
			out = append(out, t)
		}
	}
	return out
}

// killTokens marks every known link of email as one that must be dead.
func (s *sim) killTokens(email string) {
	for _, t := range s.tokensOf(email) {
		s.used[t] = true
	}
}

func opRegister(s *sim, w *roster.Workspace, _ principal) stepResult {
	email := s.pickEmail()
	token := ""
	if toks := slices.Sorted(maps.Keys(s.tok)); len(toks) > 0 && s.rng.IntN(4) > 0 {
		token = toks[s.rng.IntN(len(toks))]
		if s.rng.IntN(2) == 0 {
			email = s.tok[token] // mostly the email the link was sent to
		}
	}
	src := pickOf(s, users.SourcePassword, users.SourceSSO)
	u, err := w.Users().Register(s.ctx, users.Registration{Email: email, Source: src, InviteToken: token, Actor: roster.System})
	desc := fmt.Sprintf("%s via %s, token %v, as System", email, src, token != "")
	// The auto gate requires invites once an invite row was inserted (each
	// inserted invite mails a link); invite_only always, open never.
	invited := s.mode == invites.ModeInviteOnly || s.mode != invites.ModeOpen && len(s.tok) > 0
	pending := slices.ContainsFunc(s.tokensOf(email), func(t string) bool { return !s.used[t] })
	return stepResult{desc: desc, err: err, allowed: true, post: func(s *sim) string {
		s.seen[u.ID] = true
		defer s.killTokens(email) // registration consumes the invite
		switch {
		case !invited:
			return ""
		case src == users.SourceSSO && !pending:
			return "an SSO sign-up of an email without a pending invitation passed the auto gate after the first invitation"
		case src == users.SourceSSO:
			return ""
		case token == "":
			return "a password sign-up without an invite link passed the auto gate after the first invitation"
		case s.tok[token] != email:
			return "a sign-up passed with the invite link of another email"
		case s.used[token]:
			return "a used, rotated or revoked invite link was redeemed"
		}
		return ""
	}}
}

func (s *sim) pickEmails() []string {
	out := []string{s.pickEmail()}
	if s.rng.IntN(3) == 0 {
		out = append(out, s.pickEmail())
	}
	return out
}

func opInvite(s *sim, w *roster.Workspace, p principal) stepResult {
	emails := s.pickEmails()
	_, err := w.Invites().Invite(s.ctx, p.actor, emails)
	return adminOnly(s, p, fmt.Sprint(emails), err)
}

// pickInvited draws an email with a pending invitation half the time.
func (s *sim) pickInvited() string {
	var pending []string
	for _, t := range slices.Sorted(maps.Keys(s.tok)) {
		if !s.used[t] {
			pending = append(pending, s.tok[t])
		}
	}
	if len(pending) == 0 || s.rng.IntN(2) == 0 {
		return s.pickEmail()
	}
	return pending[s.rng.IntN(len(pending))]
}

func opResend(s *sim, w *roster.Workspace, p principal) stepResult {
	email := s.pickInvited()
	_, err := w.Invites().Resend(s.ctx, p.actor, email)
	r := adminOnly(s, p, email, err)
	r.post = func(s *sim) string { s.killTokens(email); return "" }
	return r
}

func opRevokeInvite(s *sim, w *roster.Workspace, p principal) stepResult {
	email := s.pickInvited()
	err := w.Invites().Revoke(s.ctx, p.actor, email)
	r := adminOnly(s, p, email, err)
	r.post = func(s *sim) string { s.killTokens(email); return "" }
	return r
}

func opSetRole(s *sim, w *roster.Workspace, p principal) stepResult {
	target := s.pickUser()
	role := pickOf(s, users.RoleAdmin, users.RoleGlobalCurator, users.RoleBasic, users.RoleLimited, users.RoleCurator)
	_, err := w.Users().SetRole(s.ctx, p.actor, target, role)
	r := adminOnly(s, p, fmt.Sprintf("%s to %s", short(target), role), err)
	r.allowed = r.allowed && target != p.id && role != users.RoleCurator
	r.post = func(s *sim) string {
		u, err := w.Users().Get(s.ctx, target)
		if err != nil || u.Role != role {
			return fmt.Sprintf("afterwards the role is %q (%v), want %q", u.Role, err, role)
		}
		return ""
	}
	return r
}

func wantActive(w *roster.Workspace, target string, want bool) func(s *sim) string {
	return func(s *sim) string {
		u, err := w.Users().Get(s.ctx, target)
		if err != nil || u.Active != want {
			return fmt.Sprintf("afterwards active is %v (%v), want %v", u.Active, err, want)
		}
		return ""
	}
}

func opDeactivate(s *sim, w *roster.Workspace, p principal) stepResult {
	target := s.pickUser()
	_, err := w.Users().Deactivate(s.ctx, p.actor, target)
	r := adminOnly(s, p, short(target), err)
	r.allowed = r.allowed && target != p.id
	r.post = wantActive(w, target, false)
	return r
}

func opActivate(s *sim, w *roster.Workspace, p principal) stepResult {
	target := s.pickUser()
	_, err := w.Users().Activate(s.ctx, p.actor, target)
	r := adminOnly(s, p, short(target), err)
	r.post = wantActive(w, target, true)
	return r
}

func opDeleteUser(s *sim, w *roster.Workspace, p principal) stepResult {
	target := s.pickUser()
	owns := false
	for _, res := range s.un.res {
		owns = owns || res.Kind != access.Connector && s.st.model.Owns(s.ws, target, string(res.Kind), res.ID)
	}
	err := w.Users().Delete(s.ctx, p.actor, target)
	r := adminOnly(s, p, short(target), err)
	// Only a deactivated user who owns no document set or agent is deleted.
	r.allowed = r.allowed && target != p.id && s.st.model.Deactivated(s.ws, target) && !owns
	r.post = func(s *sim) string {
		if _, err := w.Users().Get(s.ctx, target); !errors.Is(err, roster.ErrNotFound) {
			return fmt.Sprintf("afterwards Get answers %v, want ErrNotFound", err)
		}
		return ""
	}
	return r
}

func (s *sim) pickGroupName() string { return fmt.Sprintf("G%d", s.rng.IntN(5)) }

func opCreateGroup(s *sim, w *roster.Workspace, p principal) stepResult {
	name := s.pickGroupName()
	g, err := w.CreateGroup(s.ctx, p.actor, name, roster.GroupContents{})
	r := adminOnly(s, p, name, err)
	r.post = func(s *sim) string { s.group = append(s.group, g.ID); return "" }
	return r
}

func opRenameGroup(s *sim, w *roster.Workspace, p principal) stepResult {
	g, name := s.pickGroup(), s.pickGroupName()
	_, err := w.Groups().Rename(s.ctx, p.actor, g, name)
	return adminOnly(s, p, fmt.Sprintf("%s to %s", short(g), name), err)
}

func opDeleteGroup(s *sim, w *roster.Workspace, p principal) stepResult {
	g := s.pickGroup()
	_, err := w.Groups().Delete(s.ctx, p.actor, g)
	return adminOnly(s, p, short(g), err)
}

func (s *sim) pickUsers() []string {
	out := []string{s.pickUser()}
	if s.rng.IntN(3) == 0 {
		out = append(out, s.pickUser())
	}
	return out
}

// groupScoped: admins, and those who may curate the group. Others are
// refused: forbidden, or, when they are not members, told the group does
// not exist.
func groupScoped(s *sim, p principal, g, desc string, err error) stepResult {
	r := stepResult{desc: desc, err: err, allowed: s.mayCurate(p, g), mustNotForbid: s.isAdmin(p)}
	switch {
	case r.allowed:
	case s.st.model.Member(s.ws, p.id, g) && s.st.model.Active(s.ws, p.id):
		r.refuseWith = []error{roster.ErrForbidden}
	default:
		r.refuseWith = []error{roster.ErrForbidden, roster.ErrNotFound}
	}
	return r
}

func opAddMembers(s *sim, w *roster.Workspace, p principal) stepResult {
	g, us := s.pickGroup(), s.pickUsers()
	_, err := w.Groups().AddMembers(s.ctx, p.actor, g, us)
	return groupScoped(s, p, g, fmt.Sprintf("%v to %s", us, short(g)), err)
}

func opRemoveMembers(s *sim, w *roster.Workspace, p principal) stepResult {
	g, us := s.pickGroup(), s.pickUsers()
	_, err := w.Groups().RemoveMembers(s.ctx, p.actor, g, us)
	return groupScoped(s, p, g, fmt.Sprintf("%v from %s", us, short(g)), err)
}

func opSetCurator(s *sim, w *roster.Workspace, p principal) stepResult {
	g, u, on := s.pickGroup(), s.pickUser(), s.rng.IntN(3) > 0
	var members []string
	for _, id := range s.un.users {
		if s.st.model.Member(s.ws, id, g) {
			members = append(members, id)
		}
	}
	if len(members) > 0 && s.rng.IntN(4) > 0 {
		u = members[s.rng.IntN(len(members))]
	}
	_, err := w.Groups().SetCurator(s.ctx, p.actor, g, u, on)
	r := groupScoped(s, p, g, fmt.Sprintf("%s in %s to %v", short(u), short(g), on), err)
	// Only a member who is basic (or curator) gets the flag.
	role, _ := s.st.model.StoredRole(s.ws, u)
	r.allowed = r.allowed && (!on || s.st.model.Member(s.ws, u, g) && role == "basic")
	return r
}

// pickFacts draws a resource's facts: an owner, a public flag, groups,
// shares for agents, connectors for document sets.
func (s *sim) pickFacts(r access.Resource) resources.Facts {
	var f resources.Facts
	if s.rng.IntN(2) == 0 {
		f.Owner = s.pickUser()
	}
	f.Public = s.rng.IntN(4) == 0
	for range s.rng.IntN(3) {
		f.Groups = append(f.Groups, s.pickGroup())
	}
	if r.Kind == access.Agent && s.rng.IntN(2) == 0 {
		f.SharedWith = s.pickUsers()
	}
	if r.Kind == access.DocumentSet {
		f.Connectors = []string{fmt.Sprintf("c%d", s.rng.IntN(4))}
	}
	return f
}

func opRegisterResource(s *sim, w *roster.Workspace, _ principal) stepResult {
	r := s.pickRes()
	f := s.pickFacts(r)
	_, err := w.Resources().Register(s.ctx, roster.System, r, f)
	return stepResult{desc: fmt.Sprintf("%s %+v by System", r, f), err: err, allowed: true}
}

func opUpdateResource(s *sim, w *roster.Workspace, p principal) stepResult {
	r := s.pickRes()
	f := s.pickFacts(r)
	m := s.st.model
	// Making a resource public or changing an agent's shares is for its
	// owner and admins only.
	sharing := f.Public != m.Public(s.ws, string(r.Kind), r.ID) ||
		r.Kind == access.Agent && !slices.Equal(slices.Compact(slices.Sorted(slices.Values(f.SharedWith))), m.SharedWith(s.ws, r.ID))
	_, err := w.Resources().Update(s.ctx, p.actor, r, f)
	allowed := s.isAdmin(p) || s.can(p.id, access.Edit, r) && (!sharing || m.Owns(s.ws, p.id, string(r.Kind), r.ID))
	return denied(stepResult{desc: fmt.Sprintf("%s %+v", r, f), err: err, allowed: allowed})
}

func opUnregisterResource(s *sim, w *roster.Workspace, p principal) stepResult {
	r := s.pickRes()
	_, err := w.Resources().Unregister(s.ctx, p.actor, r)
	return denied(stepResult{desc: r.String(), err: err, allowed: s.isAdmin(p) || s.can(p.id, access.Edit, r)})
}

// denied: an operation on a resource that the contract does not allow is
// refused as forbidden, or as not found (the resource, or the group, is not
// the principal's to see), whatever else is wrong with the input.
func denied(r stepResult) stepResult {
	if !r.allowed {
		r.refuseWith = []error{roster.ErrForbidden, roster.ErrNotFound}
	}
	return r
}

// attachAllowed: group scope and edit access to the resource; a basic user
// may attach what they own to groups they belong to.
func (s *sim) attachAllowed(p principal, g string, r access.Resource) bool {
	if s.isAdmin(p) {
		return true
	}
	return s.can(p.id, access.Edit, r) && (s.mayCurate(p, g) || s.st.model.Member(s.ws, p.id, g))
}

func opAttach(s *sim, w *roster.Workspace, p principal) stepResult {
	g, r := s.pickGroup(), s.pickRes()
	_, err := w.Resources().Attach(s.ctx, p.actor, g, r)
	return denied(stepResult{desc: fmt.Sprintf("%s to %s", r, short(g)), err: err, allowed: s.attachAllowed(p, g, r)})
}

func opDetach(s *sim, w *roster.Workspace, p principal) stepResult {
	g, r := s.pickGroup(), s.pickRes()
	_, err := w.Resources().Detach(s.ctx, p.actor, g, r)
	return denied(stepResult{desc: fmt.Sprintf("%s from %s", r, short(g)), err: err, allowed: s.attachAllowed(p, g, r)})
}

func pickID(s *sim, ids []string) string {
	if len(ids) == 0 || s.rng.IntN(10) == 0 {
		return unknownID
	}
	return ids[s.rng.IntN(len(ids))]
}

func opCreateAPIKey(s *sim, w *roster.Workspace, p principal) stepResult {
	role := pickOf(s, users.RoleBasic, users.RoleLimited, users.RoleAdmin)
	name := fmt.Sprintf("key%d", s.rng.IntN(6))
	tok, _, err := w.CreateAPIKey(s.ctx, p.actor, name, role)
	r := adminOnly(s, p, fmt.Sprintf("%s as %s", name, role), err)
	r.post = func(s *sim) string {
		s.keys = append(s.keys, tok.ID)
		s.seen[tok.UserID] = true
		return ""
	}
	return r
}

func opDeleteAPIKey(s *sim, w *roster.Workspace, p principal) stepResult {
	id := pickID(s, s.keys)
	err := w.DeleteAPIKey(s.ctx, p.actor, id)
	return adminOnly(s, p, short(id), err)
}

func opCreateSCIM(s *sim, w *roster.Workspace, p principal) stepResult {
	name := fmt.Sprintf("idp%d", s.rng.IntN(4))
	tok, _, err := w.Tokens().CreateSCIM(s.ctx, p.actor, name)
	r := adminOnly(s, p, name, err)
	r.post = func(s *sim) string { s.scims = append(s.scims, tok.ID); return "" }
	return r
}

func opRevokeSCIM(s *sim, w *roster.Workspace, p principal) stepResult {
	id := pickID(s, s.scims)
	err := w.Tokens().Revoke(s.ctx, p.actor, id)
	return adminOnly(s, p, short(id), err)
}

func opSetMembers(s *sim, w *roster.Workspace, p principal) stepResult {
	g := s.pickGroup()
	var now []string
	for _, id := range s.un.users {
		if s.st.model.Member(s.ws, id, g) {
			now = append(now, id)
		}
	}
	us := s.pickUsers()
	if len(now) > 0 && s.rng.IntN(2) == 0 {
		us = append(slices.Clone(now[:s.rng.IntN(len(now))]), us...)
	}
	_, err := w.Groups().SetMembers(s.ctx, p.actor, g, us)
	r := groupScoped(s, p, g, fmt.Sprintf("%s to %v", short(g), us), err)
	// Replacing checks permission only for what changes.
	r.allowed = r.allowed || slices.Equal(slices.Compact(slices.Sorted(slices.Values(us))), now)
	return r
}

func opSetAttached(s *sim, w *roster.Workspace, p principal) stepResult {
	g := s.pickGroup()
	kind := pickOf(s, access.Connector, access.Agent)
	var ids []string
	for _, r := range s.un.res {
		if r.Kind == kind && s.rng.IntN(3) == 0 {
			ids = append(ids, r.ID)
		}
	}
	_, err := w.Resources().SetAttached(s.ctx, p.actor, g, kind, ids)
	// Each resource whose attachment changes needs what Attach needs.
	allowed := true
	for _, r := range s.un.res {
		if r.Kind != kind {
			continue
		}
		attached := slices.Contains(s.st.model.Attached(s.ws, string(r.Kind), r.ID), g)
		if attached != slices.Contains(ids, r.ID) && !s.attachAllowed(p, g, r) {
			allowed = false
		}
	}
	return stepResult{desc: fmt.Sprintf("%s %v to %s", kind, ids, short(g)), err: err, allowed: allowed && (s.isAdmin(p) || s.mayCurate(p, g) || s.st.model.Member(s.ws, p.id, g))}
}

func opTransfer(s *sim, w *roster.Workspace, p principal) stepResult {
	from, to := s.pickUser(), s.pickUser()
	_, err := w.Users().TransferOwnership(s.ctx, p.actor, from, to)
	return adminOnly(s, p, fmt.Sprintf("%s to %s", short(from), short(to)), err)
}

func opCreateLimit(s *sim, w *roster.Workspace, p principal) stepResult {
	l := ratelimit.Limit{Scope: ratelimit.ScopeGroup, GroupID: s.pickGroup(), Budget: 1000, Period: time.Hour, Enabled: true}
	if s.rng.IntN(3) == 0 {
		l.Scope, l.GroupID = ratelimit.ScopeGlobal, ""
	}
	got, err := w.Limits().CreateLimit(s.ctx, p.actor, l)
	r := adminOnly(s, p, fmt.Sprintf("%s %s", l.Scope, short(l.GroupID)), err)
	r.post = func(s *sim) string { s.limits = append(s.limits, got.ID); return "" }
	return r
}

func opDeleteLimit(s *sim, w *roster.Workspace, p principal) stepResult {
	id := pickID(s, s.limits)
	err := w.Limits().DeleteLimit(s.ctx, p.actor, id)
	return adminOnly(s, p, short(id), err)
}

func opSetMode(s *sim, w *roster.Workspace, p principal) stepResult {
	mode := pickOf(s, invites.ModeAuto, invites.ModeAuto, invites.ModeInviteOnly, invites.ModeOpen)
	_, err := w.Invites().SetSettings(s.ctx, p.actor, invites.Settings{Mode: mode})
	r := adminOnly(s, p, string(mode), err)
	r.post = func(s *sim) string { s.mode = mode; return "" }
	return r
}
