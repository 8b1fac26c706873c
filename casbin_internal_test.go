package roster

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// Nothing of the casbin view exists after Open, nor after writes or after
// Casbin() is called: the enforcer of a workspace is built by the first
// question asked of it, for that workspace only. Close drops it, and no
// goroutine of casbin's runs at any point (auto-loading is never started).
func TestCasbinEnforcerIsBuiltOnFirstUseOnly(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Config{DSN: "sqlite:" + filepath.Join(t.TempDir(), "roster.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	acme, err := d.CreateWorkspace(ctx, System, "acme", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	w := d.Default()
	u, err := w.Users().Register(ctx, users.Registration{Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	agent := access.Resource{Kind: access.Agent, ID: "a1"}
	if _, err := w.Resources().Register(ctx, System, agent, resources.Facts{Owner: u.ID}); err != nil {
		t.Fatal(err)
	}
	view := w.Casbin()
	if allocs := testing.AllocsPerRun(100, func() { view = w.Casbin() }); allocs != 0 {
		t.Errorf("Workspace.Casbin allocates %v times per call", allocs)
	}
	if d.casbin.Built(DefaultWorkspace) || d.casbin.Built("acme") {
		t.Fatal("an enforcer exists before first use")
	}
	noCasbinGoroutines(t, "before first use")

	if ok, err := view.Enforce(ctx, access.UserSubject(u.ID), agent.String(), "edit"); !ok || err != nil {
		t.Fatalf("owner's Enforce(edit) = %v, %v; want true", ok, err)
	}
	if !d.casbin.Built(DefaultWorkspace) {
		t.Fatal("no enforcer after first use")
	}
	if d.casbin.Built("acme") {
		t.Fatal("first use of the default workspace built acme's enforcer too")
	}
	noCasbinGoroutines(t, "after first use")
	if _, err := acme.Casbin().HasPolicy(ctx, "public", agent.String(), "view"); err != nil || !d.casbin.Built("acme") {
		t.Fatalf("acme's first use: %v, built %v", err, d.casbin.Built("acme"))
	}

	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if d.casbin.Built(DefaultWorkspace) || d.casbin.Built("acme") {
		t.Fatal("an enforcer is kept after Close")
	}
	if _, err := view.Enforce(ctx, access.UserSubject(u.ID), agent.String(), "edit"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Enforce after Close: %v, want ErrClosed", err)
	}
	noCasbinGoroutines(t, "after Close")
}

// noCasbinGoroutines fails the test if any goroutine runs casbin's code or
// the enforcer package's (an auto-loader would).
func noCasbinGoroutines(t *testing.T, when string) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "github.com/casbin/casbin") || strings.Contains(g, "roster/internal/enforcer") {
			t.Fatalf("%s: a goroutine runs casbin's code:\n%s", when, g)
		}
	}
}
