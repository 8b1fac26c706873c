package roster_test

import (
	"fmt"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/users"
)

// tokenState returns w's tokens (both kinds, as System), which a refused
// call must leave alone.
func tokenState(s *scimEnv, w *roster.Workspace) map[string]string {
	s.T.Helper()
	out := map[string]string{}
	for _, k := range []tokens.Kind{tokens.KindSCIM, tokens.KindAPIKey} {
		l, err := w.Tokens().List(s.Ctx, roster.System, k)
		s.Must("List", err)
		out["tokens "+string(k)+" of "+w.ID()] = fmt.Sprintf("%+v", l)
	}
	return out
}

// tokenCalls are every admin call on tokens, against workspace w's SCIM
// token scimID and API key keyID.
func tokenCalls(s *scimEnv, w *roster.Workspace, scimID, keyID string) map[string]func(roster.Actor) error {
	ctx := s.Ctx
	return map[string]func(roster.Actor) error{
		"List SCIM":    func(a roster.Actor) error { _, err := w.Tokens().List(ctx, a, tokens.KindSCIM); return err },
		"List API":     func(a roster.Actor) error { _, err := w.Tokens().List(ctx, a, tokens.KindAPIKey); return err },
		"CreateSCIM":   func(a roster.Actor) error { _, _, err := w.Tokens().CreateSCIM(ctx, a, "new"); return err },
		"Revoke":       func(a roster.Actor) error { return w.Tokens().Revoke(ctx, a, scimID) },
		"CreateAPIKey": func(a roster.Actor) error { _, _, err := w.CreateAPIKey(ctx, a, "new", users.RoleAdmin); return err },
		"UpdateAPIKey": func(a roster.Actor) error {
			_, err := w.UpdateAPIKey(ctx, a, keyID, "renamed", users.RoleAdmin)
			return err
		},
		"DeleteAPIKey": func(a roster.Actor) error { return w.DeleteAPIKey(ctx, a, keyID) },
	}
}

// TestTokenCallsRefuseNonAdmins: every admin call on tokens refuses a basic
// user, a curator, a global curator, a limited user, a deactivated admin,
// a stranger and a basic API key's user, and writes nothing.
func TestTokenCallsRefuseNonAdmins(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		s := &scimEnv{Env: e}
		e.User("bob", users.RoleBasic)
		e.User("cur", users.RoleBasic)
		e.User("gc", users.RoleGlobalCurator)
		e.User("lim", users.RoleLimited)
		e.User("old", users.RoleAdmin)
		e.Group("eng", "cur", "gc")
		e.Curator("eng", "cur", true)
		_, err := e.W.Users().Deactivate(e.Ctx, e.As("admin"), e.Users["old"])
		e.Must("Deactivate old", err)
		tok, _, err := e.W.Tokens().CreateSCIM(e.Ctx, e.As("admin"), "Okta")
		e.Must("CreateSCIM", err)
		key, _, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "CI", users.RoleBasic)
		e.Must("CreateAPIKey", err)
		e.WantRole("cur", users.RoleCurator, "setup")
		const notAdmin = "Only an admin may do this."
		actors := []struct {
			name     string
			actor    roster.Actor
			sentence string
		}{
			{"basic", e.As("bob"), notAdmin},
			{"curator", e.As("cur"), notAdmin},
			{"global curator", e.As("gc"), notAdmin},
			{"limited", e.As("lim"), notAdmin},
			{"basic API key", access.UserActor(key.UserID), notAdmin},
			{"deactivated admin", e.As("old"), "Your account is deactivated."},
			{"stranger", access.UserActor("no-such-user"), "You are not a user of this workspace."},
		}
		before := s.state()
		for name, call := range tokenCalls(s, e.W, tok.ID, key.ID) {
			for _, a := range actors {
				err := call(a.actor)
				s.refused(name+" by "+a.name, before, err, roster.ErrForbidden, a.sentence)
			}
		}
		// The same calls succeed for an admin API key's user.
		adminKey, _, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "Ops", users.RoleAdmin)
		e.Must("CreateAPIKey admin", err)
		for _, name := range []string{"List SCIM", "List API", "CreateSCIM", "Revoke", "UpdateAPIKey", "DeleteAPIKey"} {
			e.Must(name+" by an admin key", tokenCalls(s, e.W, tok.ID, key.ID)[name](access.UserActor(adminKey.UserID)))
		}
	})
}

// TestTokensDoNotCrossWorkspaces: another workspace's admin neither sees
// nor changes a workspace's tokens and keys, and its calls on their ids
// are ErrNotFound, writing nothing; Authenticate names each token's own
// workspace.
func TestTokensDoNotCrossWorkspaces(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		s := &scimEnv{Env: e}
		other, err := e.D.CreateWorkspace(e.Ctx, roster.System, "other", "Other")
		e.Must("CreateWorkspace", err)
		boss, err := other.Users().Register(e.Ctx, users.Registration{Email: "boss@example.com"})
		e.Must("Register boss", err)
		bossActor := access.UserActor(boss.ID)
		tok, scimRaw, err := e.W.Tokens().CreateSCIM(e.Ctx, e.As("admin"), "Okta")
		e.Must("CreateSCIM", err)
		key, keyRaw, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "CI", users.RoleAdmin)
		e.Must("CreateAPIKey", err)
		otherTok, otherRaw, err := other.Tokens().CreateSCIM(e.Ctx, bossActor, "Okta")
		e.Must("CreateSCIM in other", err)

		for _, k := range []tokens.Kind{tokens.KindSCIM, tokens.KindAPIKey} {
			l, err := other.Tokens().List(e.Ctx, bossActor, k)
			e.Must("List in other", err)
			for _, x := range l {
				if x.Workspace != "other" {
					t.Errorf("other's List(%s) shows %+v of %s", k, x, x.Workspace)
				}
			}
		}
		before := s.state()
		beforeOther := tokenState(s, other)
		calls := tokenCalls(s, other, tok.ID, key.ID)
		for _, name := range []string{"Revoke", "UpdateAPIKey", "DeleteAPIKey"} {
			err := calls[name](bossActor)
			rostertest.WantErr(t, name+" of another workspace's id", err, roster.ErrNotFound)
			rostertest.WantErr(t, name+" of another workspace's id", err, tokens.ErrTokenNotFound)
		}
		// The key id as a SCIM token, and the SCIM token id as a key.
		rostertest.WantErr(t, "DeleteAPIKey of a SCIM token", e.W.DeleteAPIKey(e.Ctx, e.As("admin"), tok.ID), tokens.ErrTokenNotFound)
		s.unchanged("calls from another workspace", before)
		if fmt.Sprint(tokenState(s, other)) != fmt.Sprint(beforeOther) {
			t.Error("calls on another workspace's ids changed tokens")
		}
		// Another workspace's admin is nobody here.
		for name, call := range tokenCalls(s, e.W, tok.ID, key.ID) {
			s.refused(name+" by another workspace's admin", before, call(bossActor), roster.ErrForbidden, "You are not a user of this workspace.")
		}
		for raw, want := range map[string]string{scimRaw: e.W.ID(), keyRaw: e.W.ID(), otherRaw: "other"} {
			got, err := e.D.Authenticate(e.Ctx, raw)
			e.Must("Authenticate", err)
			if got.Workspace != want {
				t.Errorf("Authenticate: workspace %q, want %q", got.Workspace, want)
			}
		}
		// Revoking in other leaves this workspace's token working.
		e.Must("Revoke in other", other.Tokens().Revoke(e.Ctx, bossActor, otherTok.ID))
		if _, err := e.D.Authenticate(e.Ctx, scimRaw); err != nil {
			t.Errorf("Authenticate after another workspace's revoke: %v", err)
		}
	})
}
