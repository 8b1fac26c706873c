package access

import (
	"fmt"
	"testing"
)

// factTests pairs each line constructor with the fact ParseLine must read
// from its line.
var factTests = []struct {
	line Line
	want Fact
}{
	{RoleLine("w", "ada", Admin), Fact{Op: FactRole, Workspace: "w", User: "ada", Role: Admin}},
	{RoleLine("w", "bo", GlobalCurator), Fact{Op: FactRole, Workspace: "w", User: "bo", Role: GlobalCurator}},
	{RoleLine("w", "bo", Basic), Fact{Op: FactRole, Workspace: "w", User: "bo", Role: Basic}},
	{RoleLine("w", "li", Limited), Fact{Op: FactRole, Workspace: "w", User: "li", Role: Limited}},
	{DeactivatedLine("w", "ada"), Fact{Op: FactDeactivated, Workspace: "w", User: "ada"}},
	{MemberLine("w", "ada", "G1"), Fact{Op: FactMember, Workspace: "w", User: "ada", Group: "G1"}},
	{CuratorLine("w", "ada", "G1"), Fact{Op: FactCurator, Workspace: "w", User: "ada", Group: "G1"}},
	{AttachLine("w", "G1", Resource{Connector, "c1"}), Fact{Op: FactAttach, Workspace: "w", Group: "G1", Resource: Resource{Connector, "c1"}}},
	{PublicLine("w", Resource{DocumentSet, "d1"}), Fact{Op: FactPublic, Workspace: "w", Resource: Resource{DocumentSet, "d1"}}},
	{OwnerLine("w", "ada", Resource{Agent, "a1"}), Fact{Op: FactOwner, Workspace: "w", User: "ada", Resource: Resource{Agent, "a1"}}},
	{ShareLine("w", "bo", Resource{Agent, "a1"}), Fact{Op: FactShare, Workspace: "w", User: "bo", Resource: Resource{Agent, "a1"}}},
	{ExistsLine("w", Resource{Connector, "c:with:colons"}), Fact{Op: FactExists, Workspace: "w", Resource: Resource{Connector, "c:with:colons"}}},
	// Ids are opaque: one that looks like a prefixed subject stays whole.
	{MemberLine("w", "u:x", "g:y"), Fact{Op: FactMember, Workspace: "w", User: "u:x", Group: "g:y"}},
}

// unparsableLines are lines ParseLine must refuse: each states nothing roster
// writes (the same lines the index ignores, see TestIgnoredLines).
var unparsableLines = []Line{
	{},
	{PType: "p2", V0: "u:bob", V1: "w", V2: "connector:cp", V3: "view"},
	RoleLine("w", "bob", Curator), // curator is derived, never stored
	{PType: "g", V0: "u:bob", V1: "role:owner", V2: "w"},
	{PType: "g", V0: "u:", V1: "role:admin", V2: "w"},
	{PType: "g", V0: "u:bob", V1: "role:admin", V2: ""},
	{PType: "g", V0: "g:G1", V1: "g:G2", V2: "w"}, // nested groups are not in the encoding
	{PType: "g", V0: "u:bob", V1: "role:admin", V2: "w", V3: "x"},
	{PType: "g", V0: "u:bob", V1: "g:", V2: "w"},
	{PType: "p", V0: "u:bob", V1: "w", V2: "widget:x", V3: "view"},
	{PType: "p", V0: "u:bob", V1: "w", V2: "connector:", V3: "view"},
	{PType: "p", V0: "u:bob", V1: "w", V2: "connector:c0", V3: "view"}, // direct share of a connector
	{PType: "p", V0: "u:bob", V1: "w", V2: "connector:c0", V3: "exists"},
	{PType: "p", V0: "u:bob", V1: "w", V2: "connector:c0", V3: "edit"},
	{PType: "p", V0: "u:bob", V1: "w", V2: "connector:c0", V3: "curate"},
	{PType: "p", V0: "public", V1: "w", V2: "connector:c0", V3: "own"},
	{PType: "p", V0: "u:bob", V1: "", V2: "connector:c0", V3: "own"},
	{PType: "p", V0: "-", V1: "w", V2: "connector:c0", V3: "view"},
	{PType: "p", V0: "g:", V1: "w", V2: "connector:c0", V3: "view"},
	{PType: "p", V0: "u:bob", V1: "w", V2: "g:", V3: "curate"},
	// A fifth or sixth value: roster writes four; every constructor's line
	// with one added is refused, whatever it is.
	{PType: "p", V0: "public", V1: "w", V2: "agent:a1", V3: "view", V4: "deny"},
	{PType: "p", V0: "public", V1: "w", V2: "agent:a1", V3: "view", V5: "x"},
	{PType: "g", V0: "u:bob", V1: "role:admin", V2: "w", V4: "x"},
	{PType: "g", V0: "u:bob", V1: "role:admin", V2: "w", V5: " "},
}

func TestParseLineReadsEveryConstructor(t *testing.T) {
	for _, tt := range factTests {
		got, ok := ParseLine(tt.line)
		if !ok || got != tt.want {
			t.Errorf("ParseLine(%s) = %+v, %v; want %+v, true", tt.line, got, ok, tt.want)
		}
		if back := tt.want.Line(); back != tt.line {
			t.Errorf("%+v.Line() = %s, want %s", tt.want, back, tt.line)
		}
	}
}

func TestParseLineRefusesWhatRosterNeverWrites(t *testing.T) {
	for _, l := range unparsableLines {
		if f, ok := ParseLine(l); ok {
			t.Errorf("ParseLine(%#v) = %+v, true; want false", l, f)
		}
	}
	for _, tt := range factTests {
		l := tt.line
		l.V4 = "deny"
		if f, ok := ParseLine(l); ok {
			t.Errorf("ParseLine(%#v) = %+v, true; want false (a V4)", l, f)
		}
		l.V4, l.V5 = "", "deny"
		if f, ok := ParseLine(l); ok {
			t.Errorf("ParseLine(%#v) = %+v, true; want false (a V5)", l, f)
		}
	}
	if l := (Fact{}).Line(); l != (Line{}) {
		t.Errorf("the zero Fact's Line = %#v, want the zero Line", l)
	}
}

// FuzzParseLine feeds ParseLine arbitrary strings in all six values, as a
// corrupted or foreign casbin_rule table would: it must never panic, and a
// line it accepts has one spelling, so writing the fact back gives the very
// same line (which has no V4 or V5: a line with either is refused).
func FuzzParseLine(f *testing.F) {
	for _, tt := range factTests {
		f.Add(tt.line.PType, tt.line.V0, tt.line.V1, tt.line.V2, tt.line.V3, "", "")
		f.Add(tt.line.PType, tt.line.V0, tt.line.V1, tt.line.V2, tt.line.V3, "deny", "")
		f.Add(tt.line.PType, tt.line.V0, tt.line.V1, tt.line.V2, tt.line.V3, "", "x")
	}
	for _, l := range unparsableLines {
		f.Add(l.PType, l.V0, l.V1, l.V2, l.V3, l.V4, l.V5)
	}
	f.Fuzz(func(t *testing.T, ptype, v0, v1, v2, v3, v4, v5 string) {
		l := Line{PType: ptype, V0: v0, V1: v1, V2: v2, V3: v3, V4: v4, V5: v5}
		fact, ok := ParseLine(l)
		if !ok {
			if fact != (Fact{}) {
				t.Fatalf("ParseLine(%#v) refused the line but returned %+v", l, fact)
			}
			return
		}
		if back := fact.Line(); back != l {
			t.Fatalf("ParseLine(%#v) = %+v, whose Line is %#v", l, fact, back)
		}
		// The casbin view keeps exactly the lines ParseLine accepts, and
		// must be able to hold each.
		ptype, rule, holds := l.Rule()
		if back, ok := RuleLine(ptype, rule); !holds || !ok || back != l {
			t.Fatalf("ParseLine accepts %#v, but Rule gives %q %q %v, and RuleLine gives %#v %v back", l, ptype, rule, holds, back, ok)
		}
		if again, ok := ParseLine(fact.Line()); !ok || again != fact {
			t.Fatalf("ParseLine(ParseLine(%#v).Line()) = %+v, %v; want %+v", l, again, ok, fact)
		}
	})
}

// FuzzFactLine goes the other way: a well-formed fact (known op, non-empty
// workspace and ids, a stored role, a known kind, shares of agents only)
// written as a line and read back is the same fact.
func FuzzFactLine(f *testing.F) {
	for _, tt := range factTests {
		w := tt.want
		f.Add(uint8(w.Op), w.Workspace, w.User, w.Group, string(w.Role), string(w.Resource.Kind), w.Resource.ID)
	}
	f.Fuzz(func(t *testing.T, op uint8, ws, user, group, role, kind, id string) {
		fact := wellFormed(FactOp(op), ws, user, group, Role(role), Resource{Kind(kind), id})
		if fact == nil {
			return
		}
		got, ok := ParseLine(fact.Line())
		if !ok || got != *fact {
			t.Fatalf("ParseLine(%+v.Line() = %#v) = %+v, %v", *fact, fact.Line(), got, ok)
		}
	})
}

// wellFormed returns the fact of op with only the fields op uses, or nil if
// those fields do not make a fact roster writes.
func wellFormed(op FactOp, ws, user, group string, role Role, r Resource) *Fact {
	if ws == "" {
		return nil
	}
	f := Fact{Op: op, Workspace: ws}
	usesUser, usesGroup, usesRes := false, false, false
	switch op {
	case FactRole:
		if !role.Stored() {
			return nil
		}
		f.Role, usesUser = role, true
	case FactDeactivated:
		usesUser = true
	case FactMember, FactCurator:
		usesUser, usesGroup = true, true
	case FactAttach:
		usesGroup, usesRes = true, true
	case FactPublic, FactExists:
		usesRes = true
	case FactOwner:
		usesUser, usesRes = true, true
	case FactShare:
		if r.Kind != Agent {
			return nil
		}
		usesUser, usesRes = true, true
	default:
		return nil
	}
	if usesUser {
		if user == "" {
			return nil
		}
		f.User = user
	}
	if usesGroup {
		if group == "" {
			return nil
		}
		f.Group = group
	}
	if usesRes {
		if !r.Kind.Valid() || r.ID == "" {
			return nil
		}
		f.Resource = r
	}
	return &f
}

func TestPatternSQLTestsOnlyTheGivenValues(t *testing.T) {
	cond, args := PatternSQL(GroupCuratorsPattern("w", "G1"))
	if want := "ptype = ? AND v1 = ? AND v2 = ? AND v3 = ?"; cond != want {
		t.Errorf("PatternSQL = %q, want %q", cond, want)
	}
	if want := []any{"p", "w", "g:G1", "curate"}; fmt.Sprint(args) != fmt.Sprint(want) {
		t.Errorf("PatternSQL args = %v, want %v", args, want)
	}
	cond, args = LineSQL(MemberLine("w", "ada", "G1"))
	if want := "ptype = ? AND v0 = ? AND v1 = ? AND v2 = ? AND v3 = ? AND v4 = ? AND v5 = ?"; cond != want {
		t.Errorf("LineSQL = %q, want %q", cond, want)
	}
	if want := []any{"g", "u:ada", "g:G1", "w", "", "", ""}; fmt.Sprint(args) != fmt.Sprint(want) {
		t.Errorf("LineSQL args = %v, want %v", args, want)
	}
}

// RuleLine is Line.Rule's inverse and refuses every rule Rule never gives.
func TestRuleLineInvertsRule(t *testing.T) {
	for _, tt := range factTests {
		ptype, rule, ok := tt.line.Rule()
		if back, okBack := RuleLine(ptype, rule); !ok || !okBack || back != tt.line {
			t.Errorf("RuleLine(%s.Rule()) = %#v, %v (Rule ok: %v)", tt.line, back, okBack, ok)
		}
	}
	for _, bad := range []struct {
		ptype string
		rule  []string
	}{
		{PolicyType, []string{"u:x", "w", "agent:a1"}},
		{PolicyType, []string{"u:x", "w", "agent:a1", ""}},
		{PolicyType, []string{"u:x", "w", "agent:a1", "view", "deny"}},
		{GroupingType, []string{"u:x", "role:admin"}},
		{GroupingType, []string{"u:x", "role:admin", "w", "x"}},
		{"p2", []string{"u:x", "w", "agent:a1", "view"}},
		{"", nil},
	} {
		if l, ok := RuleLine(bad.ptype, bad.rule); ok {
			t.Errorf("RuleLine(%q, %q) = %#v, true; want false", bad.ptype, bad.rule, l)
		}
	}
	if _, _, ok := (Line{PType: PolicyType, V0: "public", V1: "w", V2: "agent:a1", V3: "view", V4: "deny"}).Rule(); ok {
		t.Error("Rule accepts a line with a V4")
	}
}
