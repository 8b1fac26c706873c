package access

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/rosterhq/roster/internal/oracle"
)

// This file holds the oracle: a naive model of docs/contract.md ("Roles",
// "Resources and access") over plain slices of facts, answered by brute
// force, and a generator of small random worlds of two workspaces.

// oKind is the kind of a naive fact.
type oKind int

const (
	oRole oKind = iota
	oDeactivated
	oMember
	oFlag
	oAttach
	oPublic
	oOwner
	oShare
	oExists
)

// oFact is one fact of the naive model; each is exactly one policy line.
type oFact struct {
	kind  oKind
	ws    string
	user  string
	group string
	role  Role
	res   Resource
}

func (f oFact) line() Line {
	switch f.kind {
	case oRole:
		return RoleLine(f.ws, f.user, f.role)
	case oDeactivated:
		return DeactivatedLine(f.ws, f.user)
	case oMember:
		return MemberLine(f.ws, f.user, f.group)
	case oFlag:
		return CuratorLine(f.ws, f.user, f.group)
	case oAttach:
		return AttachLine(f.ws, f.group, f.res)
	case oPublic:
		return PublicLine(f.ws, f.res)
	case oOwner:
		return OwnerLine(f.ws, f.user, f.res)
	case oShare:
		return ShareLine(f.ws, f.user, f.res)
	}
	return ExistsLine(f.ws, f.res)
}

// world is two workspaces described by their facts, plus the ids the tests
// ask about (including ids no fact names).
type world struct {
	spaces    []string
	users     map[string][]string
	groups    map[string][]string
	resources map[string][]Resource
	facts     []oFact

	m      *oracle.Model // the model of mFacts (see model)
	mFacts []oFact
}

func (w *world) lines() []Line {
	lines := make([]Line, len(w.facts))
	for i, f := range w.facts {
		lines[i] = f.line()
	}
	return lines
}

func (w *world) has(want oFact) bool { return slices.Contains(w.facts, want) }

func (w *world) hasRole(ws, u string, r Role) bool {
	return w.has(oFact{kind: oRole, ws: ws, user: u, role: r})
}

func (w *world) member(ws, u, g string) bool {
	return w.has(oFact{kind: oMember, ws: ws, user: u, group: g})
}

// model returns the brute-force model of internal/oracle over the world's
// lines: the rules of docs/contract.md live there, shared with the tests
// that drive whole Directories. It is rebuilt when the facts have changed.
func (w *world) model() *oracle.Model {
	if w.m == nil || !slices.Equal(w.mFacts, w.facts) {
		lines := make([]oracle.Line, len(w.facts))
		for i, f := range w.facts {
			l := f.line()
			lines[i] = oracle.Line{l.PType, l.V0, l.V1, l.V2, l.V3, l.V4, l.V5}
		}
		w.m, w.mFacts = oracle.New(lines), slices.Clone(w.facts)
	}
	return w.m
}

// active: a stored role and no deactivation.
func (w *world) active(ws, u string) bool { return w.model().Active(ws, u) }

// mayCurate: see oracle.Model.MayCurate.
func (w *world) mayCurate(ws, u, g string) bool { return w.model().MayCurate(ws, u, g) }

// can is docs/contract.md's View and Edit, by brute force.
func (w *world) can(ws, u string, act Action, r Resource) bool {
	return w.model().Can(ws, u, string(act), string(r.Kind), r.ID)
}

// role is the effective role: curator is a basic user who may curate a group.
func (w *world) role(ws, u string) (Role, bool) {
	r, ok := w.model().Role(ws, u)
	return Role(r), ok
}

// genWorld builds a random world. Users, groups and resources of both
// workspaces are drawn independently; user and group ids are unique across
// workspaces (as docs/contract.md requires), resource ids are not.
func genWorld(rng *rand.Rand) *world {
	w := &world{
		spaces:    []string{"alpha", "beta"},
		users:     map[string][]string{},
		groups:    map[string][]string{},
		resources: map[string][]Resource{},
	}
	for _, ws := range w.spaces {
		w.genUsers(rng, ws)
		w.genGroups(rng, ws)
		for i := range rng.IntN(13) {
			w.genResource(rng, ws, i)
		}
	}
	return w
}

func (w *world) genUsers(rng *rand.Rand, ws string) {
	roles := []Role{Admin, GlobalCurator, Basic, Basic, Limited}
	for i := range 1 + rng.IntN(7) {
		u := fmt.Sprintf("%s-u%d", ws, i)
		w.users[ws] = append(w.users[ws], u)
		switch p := rng.Float64(); {
		case p < 0.05: // no role: never active
		case p < 0.10: // two stored roles: the stronger wins
			w.facts = append(w.facts,
				oFact{kind: oRole, ws: ws, user: u, role: roles[rng.IntN(len(roles)-1)]},
				oFact{kind: oRole, ws: ws, user: u, role: Limited})
		default:
			w.facts = append(w.facts, oFact{kind: oRole, ws: ws, user: u, role: roles[rng.IntN(len(roles))]})
		}
		if rng.Float64() < 0.15 {
			w.facts = append(w.facts, oFact{kind: oDeactivated, ws: ws, user: u})
		}
	}
}

func (w *world) genGroups(rng *rand.Rand, ws string) {
	for i := range rng.IntN(5) {
		g := fmt.Sprintf("%s-g%d", ws, i)
		w.groups[ws] = append(w.groups[ws], g)
		for _, u := range w.users[ws] {
			if rng.Float64() >= 0.4 {
				continue
			}
			w.facts = append(w.facts, oFact{kind: oMember, ws: ws, user: u, group: g})
			basicOnly := w.hasRole(ws, u, Basic) && !w.hasRole(ws, u, Limited)
			if basicOnly && rng.Float64() < 0.5 {
				w.facts = append(w.facts, oFact{kind: oFlag, ws: ws, user: u, group: g})
			}
		}
	}
}

func (w *world) genResource(rng *rand.Rand, ws string, i int) {
	r := Resource{Kind: Kinds()[rng.IntN(3)], ID: fmt.Sprintf("r%d", i)}
	w.resources[ws] = append(w.resources[ws], r)
	users := w.users[ws]
	if rng.Float64() < 0.95 {
		w.facts = append(w.facts, oFact{kind: oExists, ws: ws, res: r})
	}
	if rng.Float64() < 0.5 {
		w.facts = append(w.facts, oFact{kind: oOwner, ws: ws, user: users[rng.IntN(len(users))], res: r})
	}
	if rng.Float64() < 0.2 {
		w.facts = append(w.facts, oFact{kind: oPublic, ws: ws, res: r})
	}
	for _, g := range w.groups[ws] {
		if rng.Float64() < 0.35 {
			w.facts = append(w.facts, oFact{kind: oAttach, ws: ws, group: g, res: r})
		}
	}
	for _, u := range users {
		if r.Kind == Agent && rng.Float64() < 0.2 {
			w.facts = append(w.facts, oFact{kind: oShare, ws: ws, user: u, res: r})
		}
	}
}

// removeRandom removes about frac of the facts and returns them.
func (w *world) removeRandom(rng *rand.Rand, frac float64) []oFact {
	var removed []oFact
	kept := w.facts[:0]
	for _, f := range w.facts {
		if rng.Float64() < frac {
			removed = append(removed, f)
		} else {
			kept = append(kept, f)
		}
	}
	w.facts = kept
	return removed
}

// queryUsers are the users asked about in ws: its own, one unknown id, and
// the first user of every other workspace.
func (w *world) queryUsers(ws string) []string {
	us := append(slices.Clone(w.users[ws]), "nobody")
	for _, other := range w.spaces {
		if other != ws && len(w.users[other]) > 0 {
			us = append(us, w.users[other][0])
		}
	}
	return us
}

// queryResources are the resources asked about in ws: its own, those of
// the other workspace (ids collide on purpose) and one of each kind that no
// line names.
func (w *world) queryResources(ws string) []Resource {
	var rs []Resource
	for _, sp := range w.spaces {
		rs = append(rs, w.resources[sp]...)
	}
	for _, k := range Kinds() {
		rs = append(rs, Resource{Kind: k, ID: "unregistered"})
	}
	slices.SortFunc(rs, func(a, b Resource) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(rs)
}
