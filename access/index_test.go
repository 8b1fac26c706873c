package access

import (
	"slices"
	"testing"
)

// The fixture of the table tests: workspace "w" with one user per row kind
// of the permission matrix.
var (
	d1  = Resource{DocumentSet, "d1"}  // attached to G1
	d12 = Resource{DocumentSet, "d12"} // attached to G1 and G2
	c0  = Resource{Connector, "c0"}    // registered, attached to nothing
	cp  = Resource{Connector, "cp"}    // public
	a1  = Resource{Agent, "a1"}        // owned by bea, attached to G1
	a2  = Resource{Agent, "a2"}        // shared with bob
	a3  = Resource{Agent, "a3"}        // owned by lia
)

func fixtureLines() []Line {
	const ws = "w"
	lines := []Line{
		RoleLine(ws, "ada", Admin),
		RoleLine(ws, "dan", Admin), DeactivatedLine(ws, "dan"),
		RoleLine(ws, "gina", GlobalCurator), MemberLine(ws, "gina", "G1"),
		RoleLine(ws, "gus", GlobalCurator),
		RoleLine(ws, "cora", Basic), MemberLine(ws, "cora", "G1"), CuratorLine(ws, "cora", "G1"),
		MemberLine(ws, "cora", "G2"),
		RoleLine(ws, "carl", Basic), MemberLine(ws, "carl", "G1"), MemberLine(ws, "carl", "G2"),
		CuratorLine(ws, "carl", "G1"), CuratorLine(ws, "carl", "G2"),
		RoleLine(ws, "bob", Basic), MemberLine(ws, "bob", "G1"),
		RoleLine(ws, "bea", Basic),
		RoleLine(ws, "lia", Limited), MemberLine(ws, "lia", "G1"), CuratorLine(ws, "lia", "G1"),
		MemberLine(ws, "nora", "G1"),
		RoleLine(ws, "fred", Basic), CuratorLine(ws, "fred", "G1"),
		AttachLine(ws, "G1", d1), AttachLine(ws, "G1", d12), AttachLine(ws, "G2", d12),
		AttachLine(ws, "G1", a1), OwnerLine(ws, "bea", a1),
		PublicLine(ws, cp), ShareLine(ws, "bob", a2), OwnerLine(ws, "lia", a3),
	}
	for _, r := range []Resource{d1, d12, c0, cp, a1, a2, a3} {
		lines = append(lines, ExistsLine(ws, r))
	}
	return lines
}

func fixtureIndex(t testing.TB) *Index {
	t.Helper()
	ix := NewIndex()
	ix.Apply(fixtureLines(), nil)
	if n := ix.Ignored(); n != 0 {
		t.Fatalf("fixture: %d lines ignored", n)
	}
	return ix
}

func TestCanTable(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		user string
		act  Action
		r    Resource
		want bool
	}{
		{"bob", View, d1, true},
		{"bob", Edit, d1, false}, // basic member cannot edit a group resource (Onyx lets them)
		{"cora", Edit, d1, true},
		{"cora", Edit, d12, false}, // curator of G1 only, and d12 is attached to G2 too
		{"cora", View, d12, true},
		{"carl", Edit, d12, true},
		{"gina", Edit, d1, true},
		{"gina", Edit, d12, false}, // global curator who is not a member of G2
		{"gus", Edit, d1, false},   // global curator who is a member of nothing
		{"gus", View, d1, false},
		{"dan", View, d1, false}, // deactivated admin
		{"dan", View, cp, false}, // deactivated users do not even see public resources
		{"ada", View, c0, true},
		{"ada", Edit, c0, true},
		{"cora", Edit, c0, false}, // attached to no group: no curator edits it
		{"lia", View, d1, true},   // limited is treated like basic
		{"lia", Edit, d1, false},  // a curator flag on a limited user grants nothing
		{"lia", Edit, a3, true},   // a limited user edits what they own
		{"fred", Edit, d1, false}, // a curator flag without the membership grants nothing
		{"bea", Edit, a1, true},
		{"bea", View, d1, false},
		{"bob", View, a2, true}, // direct share
		{"bob", Edit, a2, false},
		{"nora", View, d1, false}, // member without a stored role
		{"bob", View, cp, true},
		{"bob", Edit, cp, false},
		{"bob", "delete", d1, false},                     // unknown action
		{"ada", View, Resource{"widget", "d1"}, false},   // unknown kind
		{"ada", View, Resource{DocumentSet, "x"}, false}, // unknown resource
		{"nobody", View, cp, false},                      // unknown user
	}
	for _, tt := range tests {
		if got := ix.Can("w", tt.user, tt.act, tt.r); got != tt.want {
			t.Errorf("Can(w, %s, %s, %s) = %v, want %v", tt.user, tt.act, tt.r, got, tt.want)
		}
	}
	if ix.Can("other", "ada", View, d1) {
		t.Errorf("Can in an unknown workspace = true, want false")
	}
}

func TestExplainTable(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		ws, user string
		act      Action
		r        Resource
		want     Reason
	}{
		{"w", "dan", View, d1, ReasonDeactivated},
		{"w", "gus", Edit, d1, ReasonNotCurator},
		{"w", "cora", Edit, d12, ReasonNotCurator},
		{"w", "cora", Edit, c0, ReasonNotAttached},
		{"w", "bea", View, d1, ReasonNoGrant},
		{"w", "nora", View, d1, ReasonNoRole},
		{"w", "nobody", View, d1, ReasonUnknownUser},
		{"w", "ada", View, Resource{DocumentSet, "x"}, ReasonUnknownResource},
		{"w", "ada", View, Resource{"widget", "d1"}, ReasonInvalid},
		{"w", "ada", "delete", d1, ReasonInvalid},
		{"other", "ada", View, d1, ReasonUnknownWorkspace},
	}
	for _, tt := range tests {
		got := ix.Explain(tt.ws, tt.user, tt.act, tt.r)
		if got.Allowed || got.Reason != tt.want || got.Lines != nil {
			t.Errorf("Explain(%s, %s, %s, %s) = %+v, want denied: %q", tt.ws, tt.user, tt.act, tt.r, got, tt.want)
		}
	}
}

func TestExplainLines(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		user string
		act  Action
		r    Resource
		want []Line
	}{
		{"ada", View, c0, []Line{RoleLine("w", "ada", Admin), ExistsLine("w", c0)}},
		{"bob", View, d1, []Line{RoleLine("w", "bob", Basic), MemberLine("w", "bob", "G1"), AttachLine("w", "G1", d1)}},
		{"carl", Edit, d12, []Line{
			RoleLine("w", "carl", Basic),
			MemberLine("w", "carl", "G1"), AttachLine("w", "G1", d12), CuratorLine("w", "carl", "G1"),
			MemberLine("w", "carl", "G2"), AttachLine("w", "G2", d12), CuratorLine("w", "carl", "G2"),
		}},
		{"gina", Edit, d1, []Line{RoleLine("w", "gina", GlobalCurator), MemberLine("w", "gina", "G1"), AttachLine("w", "G1", d1)}},
		{"bea", Edit, a1, []Line{RoleLine("w", "bea", Basic), OwnerLine("w", "bea", a1)}},
		{"bob", View, a2, []Line{RoleLine("w", "bob", Basic), ShareLine("w", "bob", a2)}},
	}
	for _, tt := range tests {
		got := ix.Explain("w", tt.user, tt.act, tt.r)
		if !got.Allowed || !slices.Equal(got.Lines, tt.want) || got.Reason != "" {
			t.Errorf("Explain(w, %s, %s, %s) = %+v, want allowed by %v", tt.user, tt.act, tt.r, got, tt.want)
		}
	}
}

func TestRoleTable(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		user   string
		role   Role
		ok     bool
		active bool
	}{
		{"ada", Admin, true, true},
		{"dan", Admin, true, false}, // Role reports the stored role; Active says deactivated
		{"gina", GlobalCurator, true, true},
		{"cora", Curator, true, true}, // derived from the flag
		{"bob", Basic, true, true},
		{"lia", Limited, true, true}, // a flag never makes a limited user a curator
		{"fred", Basic, true, true},  // nor a flag without the membership
		{"nora", "", false, false},
		{"nobody", "", false, false},
	}
	for _, tt := range tests {
		role, ok := ix.Role("w", tt.user)
		if role != tt.role || ok != tt.ok || ix.Active("w", tt.user) != tt.active {
			t.Errorf("Role, Active(w, %s) = %q, %v, %v; want %q, %v, %v",
				tt.user, role, ok, ix.Active("w", tt.user), tt.role, tt.ok, tt.active)
		}
	}
}

func TestACLTable(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"ACLFor ada", ix.ACLFor("w", "ada"), []string{"admin:w", "public:w", "user:ada"}},
		{"ACLFor cora", ix.ACLFor("w", "cora"), []string{"group:G1", "group:G2", "public:w", "user:cora"}},
		{"ACLFor dan (deactivated)", ix.ACLFor("w", "dan"), nil},
		{"ACLFor nora (no role)", ix.ACLFor("w", "nora"), nil},
		{"ACLOf a1", ix.ACLOf("w", a1), []string{"admin:w", "group:G1", "user:bea"}},
		{"ACLOf cp", ix.ACLOf("w", cp), []string{"admin:w", "public:w"}},
		{"ACLOf a2", ix.ACLOf("w", a2), []string{"admin:w", "user:bob"}},
		{"ACLOf unknown", ix.ACLOf("w", Resource{Agent, "x"}), nil},
		{"ACLOf other workspace", ix.ACLOf("other", a1), nil},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestIgnoredLines(t *testing.T) {
	ix := fixtureIndex(t)
	junk := []Line{
		{PType: "p2", V0: "u:bob", V1: "w", V2: "connector:cp", V3: "view"},
		RoleLine("w", "bob", Curator), // curator is derived, never stored
		{PType: "g", V0: "u:bob", V1: "role:owner", V2: "w"},
		{PType: "g", V0: "u:", V1: "role:admin", V2: "w"},
		{PType: "g", V0: "u:bob", V1: "role:admin", V2: ""},
		{PType: "g", V0: "g:G1", V1: "g:G2", V2: "w"}, // nested groups are not in the encoding
		{PType: "g", V0: "u:bob", V1: "role:admin", V2: "w", V3: "x"},
		{PType: "p", V0: "u:bob", V1: "w", V2: "widget:x", V3: "view"},
		{PType: "p", V0: "u:bob", V1: "w", V2: "connector:", V3: "view"},
		{PType: "p", V0: "u:bob", V1: "w", V2: "connector:c0", V3: "view"}, // direct share of a connector
		{PType: "p", V0: "u:bob", V1: "w", V2: "connector:c0", V3: "exists"},
		{PType: "p", V0: "u:bob", V1: "w", V2: "connector:c0", V3: "edit"},
		{PType: "p", V0: "u:bob", V1: "w", V2: "connector:c0", V3: "curate"},
		{PType: "p", V0: "public", V1: "w", V2: "connector:c0", V3: "own"},
		{PType: "p", V0: "u:bob", V1: "", V2: "connector:c0", V3: "own"},
	}
	before := ix.Len("w")
	ix.Apply(junk, nil)
	if got := ix.Ignored(); got != int64(len(junk)) {
		t.Errorf("Ignored() = %d, want %d", got, len(junk))
	}
	ix.Apply(nil, junk)
	if got := ix.Ignored(); got != 2*int64(len(junk)) {
		t.Errorf("Ignored() after removing them = %d, want %d", got, 2*len(junk))
	}
	if got := ix.Len("w"); got != before {
		t.Errorf("Len(w) = %d, want %d", got, before)
	}
	for _, r := range []Resource{c0, cp} {
		if got := ix.WhoCan("w", r, Edit); !slices.Equal(got, []string{"ada"}) {
			t.Errorf("WhoCan(w, %s, edit) after junk = %q, want [ada]", r, got)
		}
	}
}

func TestApplyIdempotent(t *testing.T) {
	ix := fixtureIndex(t)
	lines := fixtureLines()
	n := ix.Len("w")
	ix.Apply(lines, nil)
	if got := ix.Len("w"); got != n || got != len(lines) {
		t.Errorf("Len(w) after applying every line twice = %d, want %d", got, len(lines))
	}
	ix.Apply(nil, lines)
	ix.Apply(nil, lines)
	if got := ix.Len("w"); got != 0 {
		t.Errorf("Len(w) after removing every line = %d, want 0", got)
	}
	s := ix.space("w")
	if len(s.userIDs) != 0 || len(s.groupIDs) != 0 || len(s.kinds[0].ids)+len(s.kinds[1].ids)+len(s.kinds[2].ids) != 0 {
		t.Errorf("an emptied workspace still holds entities: %d users, %d groups", len(s.userIDs), len(s.groupIDs))
	}
	// Freed slots are reused, and a removal and an addition of the same line
	// in one call leaves the line in place.
	ix.Apply(lines, nil)
	ix.Apply([]Line{lines[0]}, []Line{lines[0]})
	if got := ix.Len("w"); got != len(lines) {
		t.Errorf("Len(w) = %d, want %d", got, len(lines))
	}
	if got := ix.space("w").users.len(); got > 12 {
		t.Errorf("user slots = %d after reload, want them reused (at most 12)", got)
	}
}
