// Package oracle is the brute-force model of the access rules of
// docs/contract.md ("Roles", "Resources and access") that roster's tests
// compare the access index and the Directory with. A Model holds policy
// lines as plain strings, spelled as access.Line documents them, and answers
// each question by looking for the lines the contract says grant it: no
// index, no caches, nothing shared with the code under test. It imports
// nothing of roster's, so package access's own tests can use it as well as
// the tests that drive whole Directories.
package oracle

import (
	"slices"
	"strings"
)

// Line is one policy line: the policy type and the six values of a
// casbin_rule row.
type Line [7]string

// Model is a set of policy lines and the contract's answers over them. The
// zero value is not usable; call New. A Model never changes after New, so
// it is safe for concurrent use. Most callers want Can.
type Model struct {
	lines map[Line]bool
}

// New returns the model of lines.
func New(lines []Line) *Model {
	m := &Model{lines: make(map[Line]bool, len(lines))}
	for _, l := range lines {
		m.lines[l] = true
	}
	return m
}

// storedRoles are the roles a user may hold as a role line, in the order
// StoredRole reports them.
func storedRoles() []string { return []string{"admin", "global_curator", "basic", "limited"} }

func g(v0, v1, ws string) Line                    { return Line{"g", v0, v1, ws} }
func p(v0, ws, v2, v3 string) Line                { return Line{"p", v0, ws, v2, v3} }
func obj(kind, id string) string                  { return kind + ":" + id }
func (m *Model) has(l Line) bool                  { return m.lines[l] }
func (m *Model) roleLine(ws, u, role string) bool { return m.has(g("u:"+u, "role:"+role, ws)) }

// Deactivated reports whether u carries the deactivation line.
func (m *Model) Deactivated(ws, u string) bool { return m.has(g("u:"+u, "deactivated", ws)) }

// Member reports whether u is a member of group gr.
func (m *Model) Member(ws, u, gr string) bool { return m.has(g("u:"+u, "g:"+gr, ws)) }

// Flag reports whether u holds the curator flag of group gr.
func (m *Model) Flag(ws, u, gr string) bool { return m.has(p("u:"+u, ws, "g:"+gr, "curate")) }

// StoredRole returns u's stored role; false if u holds none. A user holding
// two is reported with the first of admin, global_curator, basic, limited.
func (m *Model) StoredRole(ws, u string) (string, bool) {
	for _, r := range storedRoles() {
		if m.roleLine(ws, u, r) {
			return r, true
		}
	}
	return "", false
}

// RoleLines returns how many role lines u holds (one for every user).
func (m *Model) RoleLines(ws, u string) int {
	n := 0
	for l := range m.lines {
		if l[0] == "g" && l[1] == "u:"+u && l[3] == ws && strings.HasPrefix(l[2], "role:") {
			n++
		}
	}
	return n
}

// Active: a stored role and no deactivation ("Deactivated users see
// nothing"; "an unknown role ... answers no").
func (m *Model) Active(ws, u string) bool {
	_, ok := m.StoredRole(ws, u)
	return ok && !m.Deactivated(ws, u)
}

// MayCurate: a global curator over every group they are a member of; a
// curator (stored basic) over the member groups where they hold the flag.
func (m *Model) MayCurate(ws, u, gr string) bool {
	if !m.Member(ws, u, gr) {
		return false
	}
	return m.roleLine(ws, u, "global_curator") || m.roleLine(ws, u, "basic") && m.Flag(ws, u, gr)
}

// Role is the effective role: curator is a stored basic user who holds the
// flag of a group they are a member of.
func (m *Model) Role(ws, u string) (string, bool) {
	r, ok := m.StoredRole(ws, u)
	if r != "basic" {
		return r, ok
	}
	for l := range m.lines {
		if l[0] == "p" && l[1] == "u:"+u && l[2] == ws && l[4] == "curate" && strings.HasPrefix(l[3], "g:") &&
			m.Member(ws, u, strings.TrimPrefix(l[3], "g:")) {
			return "curator", true
		}
	}
	return r, true
}

// Exists reports whether the resource is registered.
func (m *Model) Exists(ws, kind, id string) bool { return m.has(p("-", ws, obj(kind, id), "exists")) }

// Owns reports whether u owns the resource.
func (m *Model) Owns(ws, u, kind, id string) bool { return m.has(p("u:"+u, ws, obj(kind, id), "own")) }

// Attached returns the groups the resource is attached to, sorted.
func (m *Model) Attached(ws, kind, id string) []string {
	var gs []string
	for l := range m.lines {
		if l[0] == "p" && l[2] == ws && l[3] == obj(kind, id) && l[4] == "view" && strings.HasPrefix(l[1], "g:") {
			gs = append(gs, strings.TrimPrefix(l[1], "g:"))
		}
	}
	slices.Sort(gs)
	return gs
}

// Can is docs/contract.md's view and edit, by brute force. Any other action
// or kind is denied.
func (m *Model) Can(ws, u, act, kind, id string) bool {
	if !m.Active(ws, u) || !slices.Contains([]string{"connector", "document_set", "agent"}, kind) ||
		(act != "view" && act != "edit") {
		return false
	}
	if m.roleLine(ws, u, "admin") && m.Exists(ws, kind, id) {
		return true
	}
	if m.Owns(ws, u, kind, id) {
		return true
	}
	groups := m.Attached(ws, kind, id)
	if act == "view" {
		if m.has(p("public", ws, obj(kind, id), "view")) ||
			kind == "agent" && m.has(p("u:"+u, ws, obj(kind, id), "view")) {
			return true
		}
		return slices.ContainsFunc(groups, func(gr string) bool { return m.Member(ws, u, gr) })
	}
	return len(groups) > 0 && !slices.ContainsFunc(groups, func(gr string) bool { return !m.MayCurate(ws, u, gr) })
}

// Flags returns every (user, group) curator flag of the workspace.
func (m *Model) Flags(ws string) [][2]string {
	var out [][2]string
	for l := range m.lines {
		if l[0] == "p" && l[2] == ws && l[4] == "curate" && strings.HasPrefix(l[1], "u:") && strings.HasPrefix(l[3], "g:") {
			out = append(out, [2]string{strings.TrimPrefix(l[1], "u:"), strings.TrimPrefix(l[3], "g:")})
		}
	}
	return out
}

// Public reports whether the resource is public.
func (m *Model) Public(ws, kind, id string) bool {
	return m.has(p("public", ws, obj(kind, id), "view"))
}

// SharedWith returns the users an agent is shared with directly, sorted.
func (m *Model) SharedWith(ws, id string) []string {
	var us []string
	for l := range m.lines {
		if l[0] == "p" && l[2] == ws && l[3] == obj("agent", id) && l[4] == "view" && strings.HasPrefix(l[1], "u:") {
			us = append(us, strings.TrimPrefix(l[1], "u:"))
		}
	}
	slices.Sort(us)
	return us
}
