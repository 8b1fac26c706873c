package roster_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/users"
)

// TestSCIMTokenLifecycle: a SCIM token is shown once, authenticates to its
// workspace, and is refused at once after Revoke.
func TestSCIMTokenLifecycle(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		ts := e.W.Tokens()
		tok, raw, err := ts.CreateSCIM(e.Ctx, e.As("admin"), "  Okta  ")
		e.Must("CreateSCIM", err)
		if tok.Name != "Okta" || tok.Kind != tokens.KindSCIM || tok.Workspace != e.W.ID() || tok.UserID != "" || tok.Role != "" {
			t.Errorf("CreateSCIM = %+v, want a SCIM token named Okta of %s", tok, e.W.ID())
		}
		if !strings.HasPrefix(raw, "roster_scim_") || len(raw) != len("roster_scim_")+43 {
			t.Errorf("raw token %q: want roster_scim_ and 43 base64url characters", raw)
		}
		if !strings.HasPrefix(raw, tok.Prefix) || len(tok.Prefix) >= len(raw) {
			t.Errorf("Prefix %q is not a proper prefix of the raw token", tok.Prefix)
		}
		got, err := e.D.Authenticate(e.Ctx, raw)
		e.Must("Authenticate", err)
		if got.ID != tok.ID || got.Workspace != e.W.ID() || got.Kind != tokens.KindSCIM {
			t.Errorf("Authenticate = %+v, want token %s of %s", got, tok.ID, e.W.ID())
		}
		e.Must("Revoke", ts.Revoke(e.Ctx, e.As("admin"), tok.ID))
		if _, err := e.D.Authenticate(e.Ctx, raw); !errors.Is(err, tokens.ErrInvalidToken) {
			t.Errorf("Authenticate after Revoke: %v, want ErrInvalidToken", err)
		}
	})
}

// TestAPIKeyLifecycle: an API key is a service user of its role; deleting
// the key deletes the user and ends its access at once.
func TestAPIKeyLifecycle(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		conn := e.Register(rostertest.Connector("c1"), resources.Facts{})
		g := e.Group("eng")
		key, raw, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "CI", users.RoleBasic)
		e.Must("CreateAPIKey", err)
		if key.Kind != tokens.KindAPIKey || key.Role != users.RoleBasic || key.UserID == "" || !strings.HasPrefix(raw, "roster_key_") {
			t.Fatalf("CreateAPIKey = %+v, %q", key, raw)
		}
		u, err := e.W.Users().Get(e.Ctx, key.UserID)
		e.Must("Get service user", err)
		if u.Kind != users.KindService || u.Role != users.RoleBasic || u.Source != users.SourceService {
			t.Errorf("service user = %+v", u)
		}
		_, err = e.W.Groups().AddMembers(e.Ctx, e.As("admin"), g, []string{key.UserID})
		e.Must("AddMembers", err)
		_, err = e.W.Resources().Attach(e.Ctx, e.As("admin"), g, conn)
		e.Must("Attach", err)
		if ok, err := e.W.Access().Can(e.Ctx, key.UserID, access.View, conn); err != nil || !ok {
			t.Errorf("Can(key, view, c1) = %v, %v; want true through its group", ok, err)
		}
		got, err := e.D.Authenticate(e.Ctx, raw)
		e.Must("Authenticate", err)
		if got.UserID != key.UserID || got.Role != users.RoleBasic {
			t.Errorf("Authenticate = %+v, want the service user %s, basic", got, key.UserID)
		}
		e.Must("DeleteAPIKey", e.W.DeleteAPIKey(e.Ctx, e.As("admin"), key.ID))
		if ok, _ := e.W.Access().Can(e.Ctx, key.UserID, access.View, conn); ok {
			t.Error("the deleted key's user can still view c1")
		}
		if _, err := e.W.Users().Get(e.Ctx, key.UserID); !errors.Is(err, users.ErrUserNotFound) {
			t.Errorf("Get deleted service user: %v, want ErrUserNotFound", err)
		}
		if _, err := e.D.Authenticate(e.Ctx, raw); !errors.Is(err, tokens.ErrInvalidToken) {
			t.Errorf("Authenticate after DeleteAPIKey: %v, want ErrInvalidToken", err)
		}
	})
}
