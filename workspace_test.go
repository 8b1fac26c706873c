package roster_test

import (
	"context"
	"testing"

	"github.com/rosterhq/roster/internal/rostertest"
)

// TestWorkspaceAccessorsReturnOneHandle holds the accessors of a workspace to
// one behaviour: each returns the same handle on every call, built once with
// the workspace, without allocating.
func TestWorkspaceAccessorsReturnOneHandle(t *testing.T) {
	ctx := context.Background()
	d := open(t, rostertest.SQLiteDSN(t))
	ws := d.Default()
	again, err := d.Workspace(ctx, ws.ID())
	if err != nil {
		t.Fatal(err)
	}
	if again != ws {
		t.Fatal("Directory.Workspace returned another handle than Default for the default workspace")
	}
	same := map[string]bool{
		"Users":     ws.Users() == again.Users(),
		"Groups":    ws.Groups() == again.Groups(),
		"Resources": ws.Resources() == again.Resources(),
		"Invites":   ws.Invites() == again.Invites(),
		"Limits":    ws.Limits() == again.Limits(),
		"Access":    ws.Access() == again.Access(),
		"Tokens":    ws.Tokens() == again.Tokens(),
	}
	for name, ok := range same {
		if !ok {
			t.Errorf("Workspace.%s returned two handles", name)
		}
	}
	var sink [7]any // keeps the handles escaping, as a caller's would
	allocs := testing.AllocsPerRun(100, func() {
		w := d.Default()
		sink = [7]any{w.Users(), w.Groups(), w.Resources(), w.Invites(), w.Limits(), w.Access(), w.Tokens()}
	})
	if sink[0] == nil {
		t.Fatal("no handle")
	}
	if allocs != 0 {
		t.Fatalf("Default and the workspace accessors allocate %v times per call, want 0", allocs)
	}
}
