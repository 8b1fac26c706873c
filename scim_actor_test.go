package roster_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/users"
)

// scimEnv is an Env with a second admin "ann", a basic user "bob", a group
// "eng" with bob in it, and a live SCIM token whose actor is scim.
type scimEnv struct {
	*rostertest.Env
	tok  tokens.Token
	scim roster.Actor
}

func newSCIMEnv(e *rostertest.Env) *scimEnv {
	e.User("ann", users.RoleAdmin)
	e.User("bob", users.RoleBasic)
	e.Group("eng", "bob")
	tok, _, err := e.W.Tokens().CreateSCIM(e.Ctx, e.As("admin"), "Okta")
	e.Must("CreateSCIM", err)
	return &scimEnv{Env: e, tok: tok, scim: access.SCIMActor(tok.ID)}
}

// lastEvent returns the newest audit event of the workspace.
func (s *scimEnv) lastEvent() roster.AuditEvent {
	s.T.Helper()
	page, err := s.W.Audit(s.Ctx, roster.System, roster.AuditFilter{Limit: 1})
	s.Must("Audit", err)
	if len(page.Events) == 0 {
		s.T.Fatal("the audit trail is empty")
	}
	return page.Events[0]
}

// wantEvent checks the newest audit event: SCIM's actor, action, target, and
// "by": "scim".
func (s *scimEnv) wantEvent(call, action, target string) {
	s.T.Helper()
	ev := s.lastEvent()
	if ev.Actor != s.scim || ev.Action != action || ev.Target != target || ev.Details["by"] != "scim" {
		s.T.Errorf("%s: last event %s %s %s %v, want %s %s %s by scim", call, ev.Actor, ev.Action, ev.Target, ev.Details, s.scim, action, target)
	}
}

// refused checks that a call failed with want and the sentence, and wrote
// nothing (the Env's state and the audit trail are unchanged).
func (s *scimEnv) refused(call string, before map[string]string, err, want error, sentence string) {
	s.T.Helper()
	if !errors.Is(err, want) {
		s.T.Errorf("%s: error %v, want %v", call, err, want)
	}
	if got := access.Sentence(err, nil); got != sentence {
		s.T.Errorf("%s: sentence %q, want %q", call, got, sentence)
	}
	s.unchanged(call, before)
}

// unchanged fails the test if state differs from before.
func (s *scimEnv) unchanged(call string, before map[string]string) {
	s.T.Helper()
	after := s.state()
	for k, v := range before {
		if after[k] != v {
			s.T.Errorf("%s changed %s: %q → %q", call, k, v, after[k])
		}
	}
}

// state is the Env's state plus the size of the audit trail, every user
// and every token of the workspace.
func (s *scimEnv) state() map[string]string {
	out := s.State()
	page, err := s.W.Audit(s.Ctx, roster.System, roster.AuditFilter{Limit: 1})
	s.Must("Audit", err)
	out["audit"] = fmt.Sprint(page.Total)
	all, err := s.W.Users().List(s.Ctx, users.Filter{Kinds: []users.Kind{users.KindPerson, users.KindService}})
	s.Must("List", err)
	out["users"] = fmt.Sprint(all)
	for k, v := range tokenState(s, s.W) {
		out[k] = v
	}
	return out
}

func TestSCIMActorProvisionsUsers(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		s := newSCIMEnv(e)
		us := e.W.Users()
		u, err := us.Register(e.Ctx, users.Registration{Email: "carol@example.com", Source: users.SourceSCIM, Actor: s.scim})
		e.Must("Register by SCIM", err)
		if ev := s.lastEvent(); ev.Actor != s.scim || ev.Action != "user.register" {
			t.Errorf("register event %+v, want by %s", ev, s.scim)
		}
		u, err = us.ChangeEmail(e.Ctx, s.scim, u.ID, " Carol.Smith@Example.ORG ")
		e.Must("ChangeEmail by SCIM", err)
		if u.Email != "carol.smith@example.org" {
			t.Errorf("ChangeEmail: email %q, want carol.smith@example.org", u.Email)
		}
		s.wantEvent("ChangeEmail", "user.email", u.ID)
		if ev := s.lastEvent(); ev.Details["from_domain"] != "example.com" || ev.Details["to_domain"] != "example.org" {
			t.Errorf("user.email details %v, want the old and new domains", ev.Details)
		}
		if got, err := us.ByEmail(e.Ctx, "carol.smith@example.org"); err != nil || got.ID != u.ID {
			t.Errorf("ByEmail(new) = %+v, %v", got, err)
		}
		before := s.state()
		_, err = us.ChangeEmail(e.Ctx, s.scim, u.ID, "BOB@example.com")
		s.refused("ChangeEmail to bob's", before, err, users.ErrDuplicate, "A user with this email address already exists.")
		_, err = us.ChangeEmail(e.Ctx, s.scim, u.ID, "not an email")
		if !errors.Is(err, users.ErrInvalidEmail) {
			t.Errorf("ChangeEmail to a bad address: %v, want ErrInvalidEmail", err)
		}
		s.unchanged("ChangeEmail to a bad address", before)

		_, err = us.Deactivate(e.Ctx, s.scim, e.Users["bob"])
		e.Must("Deactivate bob by SCIM", err)
		s.wantEvent("Deactivate", "user.deactivate", e.Users["bob"])
		_, err = us.Activate(e.Ctx, s.scim, e.Users["bob"])
		e.Must("Activate bob by SCIM", err)
		s.wantEvent("Activate", "user.activate", e.Users["bob"])
		_, err = us.Deactivate(e.Ctx, e.As("admin"), e.Users["bob"])
		e.Must("Deactivate bob by admin", err)
		if ev := s.lastEvent(); ev.Actor != e.As("admin") || ev.Details["by"] != nil {
			t.Errorf("an admin's deactivation: event %+v, want the admin's, without by", ev)
		}
	})
}

func TestSCIMActorRefusals(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		s := newSCIMEnv(e)
		us, ann, bob := e.W.Users(), e.Users["ann"], e.Users["bob"]
		const notAllowed = "SCIM provisioning may not do this."
		before := s.state()
		_, err := us.Deactivate(e.Ctx, s.scim, ann)
		s.refused("Deactivate an admin", before, err, users.ErrSCIMAdminStatus, "Provisioning never changes an admin's status; an admin must demote them first.")
		if !errors.Is(err, roster.ErrForbidden) {
			t.Errorf("Deactivate an admin by SCIM: %v, want ErrForbidden (403)", err)
		}
		_, err = us.Deactivate(e.Ctx, e.As("admin"), ann)
		e.Must("Deactivate ann by admin", err)
		before = s.state()
		_, err = us.Activate(e.Ctx, s.scim, ann)
		s.refused("Activate an admin", before, err, users.ErrSCIMAdminStatus, "Provisioning never changes an admin's status; an admin must demote them first.")
		_, err = us.SetRole(e.Ctx, s.scim, bob, users.RoleAdmin)
		s.refused("SetRole", before, err, users.ErrSCIMNotAllowed, notAllowed)
		_, err = us.Deactivate(e.Ctx, e.As("admin"), bob)
		e.Must("Deactivate bob", err)
		before = s.state()
		err = us.Delete(e.Ctx, s.scim, bob)
		s.refused("Delete", before, err, users.ErrSCIMNotAllowed, notAllowed)
		_, err = us.TransferOwnership(e.Ctx, s.scim, bob, ann)
		s.refused("TransferOwnership", before, err, users.ErrSCIMNotAllowed, notAllowed)
		_, err = e.GS.SetCurator(e.Ctx, s.scim, e.Groups["eng"], bob, true)
		s.refused("SetCurator", before, err, users.ErrSCIMNotAllowed, notAllowed)
		_, _, err = e.W.Tokens().CreateSCIM(e.Ctx, s.scim, "another")
		s.refused("CreateSCIM", before, err, users.ErrSCIMNotAllowed, notAllowed)
		_, err = e.W.Tokens().List(e.Ctx, s.scim, tokens.KindSCIM)
		s.refused("List tokens", before, err, users.ErrSCIMNotAllowed, notAllowed)
		_, _, err = e.W.CreateAPIKey(e.Ctx, s.scim, "k", users.RoleBasic)
		s.refused("CreateAPIKey", before, err, users.ErrSCIMNotAllowed, notAllowed)
		_, err = e.W.CreateGroup(e.Ctx, s.scim, "with a connector", roster.GroupContents{Connectors: []string{"c1"}})
		s.refused("CreateGroup with connectors", before, err, users.ErrSCIMNotAllowed, notAllowed)
		_, err = e.W.Audit(e.Ctx, s.scim, roster.AuditFilter{})
		s.refused("Audit", before, err, users.ErrSCIMNotAllowed, notAllowed)
		for _, src := range []users.Source{users.SourcePassword, users.SourceSSO, users.SourceService} {
			_, err = us.Register(e.Ctx, users.Registration{Email: "dave@example.com", Source: src, Actor: s.scim})
			s.refused("Register by SCIM as "+string(src), before, err, users.ErrSCIMNotAllowed, notAllowed)
		}
	})
}

func TestSCIMActorManagesGroups(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		s := newSCIMEnv(e)
		gs, bob, ann := e.GS, e.Users["bob"], e.Users["ann"]
		g, err := e.W.CreateGroup(e.Ctx, s.scim, "Sales", roster.GroupContents{Members: []string{bob}})
		e.Must("CreateGroup by SCIM", err)
		e.Groups["Sales"] = g.ID
		_, err = gs.AddMembers(e.Ctx, s.scim, g.ID, []string{ann})
		e.Must("AddMembers by SCIM", err)
		if got := fmt.Sprint(e.Members("Sales")); got != "[ann bob]" {
			t.Errorf("members after AddMembers = %s, want [ann bob]", got)
		}
		_, err = gs.RemoveMembers(e.Ctx, s.scim, g.ID, []string{bob})
		e.Must("RemoveMembers by SCIM", err)
		_, err = gs.SetMembers(e.Ctx, s.scim, g.ID, []string{bob})
		e.Must("SetMembers by SCIM", err)
		if got := fmt.Sprint(e.Members("Sales")); got != "[bob]" {
			t.Errorf("members after SetMembers = %s, want [bob]", got)
		}
		_, err = gs.Rename(e.Ctx, s.scim, g.ID, "Sales EMEA")
		e.Must("Rename by SCIM", err)
		if ev := s.lastEvent(); ev.Actor != s.scim || ev.Action != "group.rename" {
			t.Errorf("rename event %+v, want by %s", ev, s.scim)
		}
		_, err = gs.Delete(e.Ctx, s.scim, g.ID)
		e.Must("Delete by SCIM", err)
		delete(e.Groups, "Sales")
		if _, err := gs.Get(e.Ctx, g.ID); !errors.Is(err, groups.ErrGroupNotFound) {
			t.Errorf("Get after Delete by SCIM: %v, want ErrGroupNotFound", err)
		}
	})
}

// TestRevokedSCIMActorIsRefused: once its token is revoked, the SCIM actor
// is refused by every call it could make, and nothing is written.
func TestRevokedSCIMActorIsRefused(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		s := newSCIMEnv(e)
		e.Must("Revoke", e.W.Tokens().Revoke(e.Ctx, e.As("admin"), s.tok.ID))
		checkSCIMActorRefused(s, s.scim, "revoked")
	})
}

// TestSCIMActorOfAnotherWorkspaceIsRefused: a live SCIM token of one
// workspace gives its actor nothing in another, and an API key's id is no
// SCIM token.
func TestSCIMActorOfAnotherWorkspaceIsRefused(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		s := newSCIMEnv(e)
		other, err := e.D.CreateWorkspace(e.Ctx, roster.System, "other", "Other")
		e.Must("CreateWorkspace", err)
		tok, _, err := other.Tokens().CreateSCIM(e.Ctx, roster.System, "Okta")
		e.Must("CreateSCIM in other", err)
		checkSCIMActorRefused(s, access.SCIMActor(tok.ID), "another workspace's")
		key, _, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "CI", users.RoleAdmin)
		e.Must("CreateAPIKey", err)
		checkSCIMActorRefused(s, access.SCIMActor(key.ID), "an API key's id")
		checkSCIMActorRefused(s, access.SCIMActor("no-such-token"), "an unknown id")
	})
}

func checkSCIMActorRefused(s *scimEnv, actor roster.Actor, what string) {
	s.T.Helper()
	e, us, gs := s.Env, s.W.Users(), s.GS
	bob, eng := e.Users["bob"], e.Groups["eng"]
	const sentence = "The SCIM token has been revoked."
	before := s.state()
	call := func(name string, err error) {
		s.T.Helper()
		s.refused(what+" SCIM actor: "+name, before, err, tokens.ErrTokenRevoked, sentence)
	}
	_, err := us.Register(e.Ctx, users.Registration{Email: "dave@example.com", Source: users.SourceSCIM, Actor: actor})
	call("Register", err)
	_, err = us.ChangeEmail(e.Ctx, actor, bob, "robert@example.com")
	call("ChangeEmail", err)
	_, err = us.Deactivate(e.Ctx, actor, bob)
	call("Deactivate", err)
	_, err = us.Activate(e.Ctx, actor, bob)
	call("Activate", err)
	_, err = e.W.CreateGroup(e.Ctx, actor, "Sales", roster.GroupContents{})
	call("CreateGroup", err)
	_, err = gs.Rename(e.Ctx, actor, eng, "Engineering")
	call("Rename", err)
	_, err = gs.AddMembers(e.Ctx, actor, eng, []string{e.Users["ann"]})
	call("AddMembers", err)
	_, err = gs.RemoveMembers(e.Ctx, actor, eng, []string{bob})
	call("RemoveMembers", err)
	_, err = gs.SetMembers(e.Ctx, actor, eng, nil)
	call("SetMembers", err)
	_, err = gs.Delete(e.Ctx, actor, eng)
	call("Delete group", err)
}

// TestChangeEmail: an admin changes a user's email (normalized, audited
// without "by"); the same email changes nothing; non-admins, unknown ids and
// another workspace's users are refused, writing nothing.
func TestChangeEmail(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		s := newSCIMEnv(e)
		us, bob := e.W.Users(), e.Users["bob"]
		u, err := us.ChangeEmail(e.Ctx, e.As("admin"), bob, "Robert@Example.com")
		e.Must("ChangeEmail by admin", err)
		if u.Email != "robert@example.com" || u.ID != bob {
			t.Errorf("ChangeEmail = %+v, want robert@example.com", u)
		}
		ev := s.lastEvent()
		if ev.Action != "user.email" || ev.Actor != e.As("admin") || ev.Target != bob || ev.Details["by"] != nil {
			t.Errorf("an admin's email change: event %+v", ev)
		}
		for _, v := range ev.Details {
			if strings.Contains(fmt.Sprint(v), "robert") || strings.Contains(fmt.Sprint(v), "bob@") {
				t.Errorf("the audit event names an address: %v", ev.Details)
			}
		}
		before := s.state()
		if _, err := us.ChangeEmail(e.Ctx, e.As("admin"), bob, " ROBERT@example.com"); err != nil {
			t.Errorf("ChangeEmail to the same address: %v", err)
		}
		s.unchanged("ChangeEmail to the same address", before)
		other, err := e.D.CreateWorkspace(e.Ctx, roster.System, "other", "Other")
		e.Must("CreateWorkspace", err)
		stranger, err := other.Users().Register(e.Ctx, users.Registration{Email: "carol@example.com"})
		e.Must("Register in other", err)
		before = s.state()
		_, err = us.ChangeEmail(e.Ctx, e.As("bob"), bob, "bob@example.com")
		s.refused("ChangeEmail by a basic user", before, err, users.ErrNotAdmin, "Only an admin may do this.")
		_, err = us.ChangeEmail(e.Ctx, e.As("admin"), "no-such-user", "x@example.com")
		s.refused("ChangeEmail of an unknown id", before, err, users.ErrUserNotFound, "The user does not exist.")
		_, err = us.ChangeEmail(e.Ctx, e.As("admin"), stranger.ID, "x@example.com")
		s.refused("ChangeEmail of another workspace's user", before, err, users.ErrUserNotFound, "The user does not exist.")
		_, err = us.ChangeEmail(e.Ctx, s.scim, stranger.ID, "x@example.com")
		s.refused("ChangeEmail by SCIM of another workspace's user", before, err, users.ErrUserNotFound, "The user does not exist.")
		if got, err := other.Users().Get(e.Ctx, stranger.ID); err != nil || got.Email != "carol@example.com" {
			t.Errorf("another workspace's user after the refusals = %+v, %v", got, err)
		}
	})
}
