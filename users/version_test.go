package users_test

import (
	"errors"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// Every successful mutation raises Directory.Version strictly, to the
// committed version, and writes one changelog row; a refused one raises
// nothing.
func TestVersionsIncrease(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		var admin, bob users.User
		asAdmin := func() roster.Actor { return access.UserActor(admin.ID) }
		steps := []struct {
			name string
			do   func() error
			ok   bool
		}{
			{"register first admin", func() (err error) {
				admin, err = e.us.Register(e.ctx, users.Registration{Email: "admin@x.com"})
				return
			}, true},
			{"register bob", func() (err error) { bob, err = e.us.Register(e.ctx, users.Registration{Email: "bob@x.com"}); return }, true},
			{"duplicate register", func() error { _, err := e.us.Register(e.ctx, users.Registration{Email: "BOB@x.com"}); return err }, false},
			{"set role", func() error { _, err := e.us.SetRole(e.ctx, asAdmin(), bob.ID, users.RoleLimited); return err }, true},
			{"set role on self", func() error { _, err := e.us.SetRole(e.ctx, asAdmin(), admin.ID, users.RoleBasic); return err }, false},
			{"register resource", func() error {
				_, err := e.ws.Resources().Register(e.ctx, roster.System, access.Resource{Kind: access.Agent, ID: "a1"}, resources.Facts{Owner: bob.ID})
				return err
			}, true},
			{"deactivate", func() error { _, err := e.us.Deactivate(e.ctx, asAdmin(), bob.ID); return err }, true},
			{"deactivate last admin", func() error { _, err := e.us.Deactivate(e.ctx, roster.System, admin.ID); return err }, false},
			{"delete owner", func() error { return e.us.Delete(e.ctx, asAdmin(), bob.ID) }, false},
			{"activate", func() error { _, err := e.us.Activate(e.ctx, asAdmin(), bob.ID); return err }, true},
			{"transfer", func() error { _, err := e.us.TransferOwnership(e.ctx, asAdmin(), bob.ID, admin.ID); return err }, true},
			{"deactivate again", func() error { _, err := e.us.Deactivate(e.ctx, asAdmin(), bob.ID); return err }, true},
			{"delete", func() error { return e.us.Delete(e.ctx, asAdmin(), bob.ID) }, true},
			{"create workspace", func() error { _, err := e.d.CreateWorkspace(e.ctx, roster.System, "acme", "Acme"); return err }, true},
			{"create workspace again", func() error { _, err := e.d.CreateWorkspace(e.ctx, roster.System, "acme", "Acme"); return err }, false},
		}
		for _, s := range steps {
			before := e.snapshot()
			err := s.do()
			if !s.ok {
				if err == nil {
					t.Fatalf("%s succeeded, want a refusal", s.name)
				}
				e.unchanged(before, s.name)
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			after := e.snapshot()
			if after.Applied <= before.Applied || after.Applied != after.Version || after.Changes != before.Changes+1 {
				t.Errorf("%s: version %d → %d (committed %d, changelog rows %d → %d); want a strict increase to the committed version and one changelog row",
					s.name, before.Applied, after.Applied, after.Version, before.Changes, after.Changes)
			}
		}
	})
}

// The version a mutation returns is the one Directory.Version reports right
// after it, and AwaitVersion returns at once for it.
func TestReturnedVersionIsApplied(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		owner := e.register("owner@x.com")
		v, err := e.ws.Resources().Register(e.ctx, roster.System, access.Resource{Kind: access.Agent, ID: "a1"}, resources.Facts{Owner: owner.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.d.Version(); got != v {
			t.Errorf("Directory.Version() = %d after a mutation returned version %d", got, v)
		}
		if err := e.d.AwaitVersion(e.ctx, v); err != nil {
			t.Errorf("AwaitVersion(%d): %v", v, err)
		}
		if err := e.d.Close(); err != nil {
			t.Fatal(err)
		}
		if err := e.d.AwaitVersion(e.ctx, v+1); !errors.Is(err, roster.ErrClosed) {
			t.Errorf("AwaitVersion on a closed Directory = %v, want ErrClosed", err)
		}
	})
}
