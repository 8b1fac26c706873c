package oracle_test

import (
	"testing"

	"github.com/rosterhq/roster/internal/oracle"
)

// TestModel checks the model's answers on a small workspace written out by
// hand, one row per rule of docs/contract.md it encodes.
func TestModel(t *testing.T) {
	g := func(v0, v1 string) oracle.Line { return oracle.Line{"g", v0, v1, "ws"} }
	p := func(v0, v2, v3 string) oracle.Line { return oracle.Line{"p", v0, "ws", v2, v3} }
	m := oracle.New([]oracle.Line{
		g("u:adm", "role:admin"),
		g("u:dead", "role:admin"), g("u:dead", "deactivated"),
		g("u:gc", "role:global_curator"), g("u:gc", "g:G1"),
		g("u:cur", "role:basic"), g("u:cur", "g:G1"), p("u:cur", "g:G1", "curate"),
		g("u:stale", "role:basic"), p("u:stale", "g:G2", "curate"), // a flag without membership
		g("u:bas", "role:basic"), g("u:bas", "g:G2"),
		g("u:lim", "role:limited"), g("u:lim", "g:G1"),
		p("-", "connector:c1", "exists"), p("g:G1", "connector:c1", "view"),
		p("-", "connector:c12", "exists"), p("g:G1", "connector:c12", "view"), p("g:G2", "connector:c12", "view"),
		p("-", "agent:a1", "exists"), p("u:bas", "agent:a1", "own"), p("u:lim", "agent:a1", "view"),
		p("-", "connector:pub", "exists"), p("public", "connector:pub", "view"),
		p("-", "connector:lonely", "exists"),
	})
	for _, c := range []struct {
		user, act, kind, id string
		want                bool
	}{
		{"adm", "view", "connector", "lonely", true},   // admin: everything registered
		{"adm", "edit", "connector", "missing", false}, // ... but not what does not exist
		{"dead", "view", "connector", "pub", false},    // deactivated: nothing
		{"gc", "edit", "connector", "c1", true},        // global curator of a member group
		{"gc", "edit", "connector", "c12", false},      // every attached group must be curated
		{"cur", "edit", "connector", "c1", true},       // curator flag and membership
		{"stale", "view", "connector", "c12", false},   // a flag alone is no membership
		{"bas", "view", "connector", "c12", true},      // member of an attached group
		{"bas", "edit", "connector", "c12", false},     // a member is no curator
		{"bas", "edit", "agent", "a1", true},           // the owner
		{"lim", "view", "agent", "a1", true},           // shared directly
		{"lim", "edit", "agent", "a1", false},          // a share grants view only
		{"lim", "view", "connector", "pub", true},      // public
		{"nobody", "view", "connector", "pub", false},  // unknown users: nothing
		{"adm", "delete", "connector", "c1", false},    // unknown action
		{"adm", "view", "dashboard", "c1", false},      // unknown kind
	} {
		if got := m.Can("ws", c.user, c.act, c.kind, c.id); got != c.want {
			t.Errorf("Can(%s, %s, %s:%s) = %v, want %v", c.user, c.act, c.kind, c.id, got, c.want)
		}
	}
	for user, want := range map[string]string{"adm": "admin", "gc": "global_curator", "cur": "curator", "stale": "basic", "lim": "limited", "nobody": ""} {
		if got, _ := m.Role("ws", user); got != want {
			t.Errorf("Role(%s) = %q, want %q", user, got, want)
		}
	}
	if m.Active("ws", "dead") || !m.Active("ws", "lim") || m.Active("other", "lim") {
		t.Error("Active: want dead inactive, lim active in ws only")
	}
	if got := m.Flags("ws"); len(got) != 2 {
		t.Errorf("Flags = %v, want the flags of cur and stale", got)
	}
}
