package access

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// differentialWorlds is how many random worlds TestDifferential checks.
const differentialWorlds = 100

// TestDifferential checks that the index and casbin's own Enforce, with the
// model of model.conf over the same lines, give the same answer to every
// (user, view|edit, resource) of random worlds, and that both agree with the
// naive model. The lines include junk that the encoding does not allow and
// that must grant nothing in either; after random removals the enforcer is
// rebuilt from the remaining lines and the index is updated by Apply.
func TestDifferential(t *testing.T) {
	t.Parallel()
	allowed := 0
	for seed := range uint64(differentialWorlds) {
		rng := rand.New(rand.NewPCG(seed, 0xd1ff))
		w := genWorld(rng)
		junk := junkLines(w)
		ix := NewIndex()
		ix.Apply(append(w.lines(), junk...), nil)
		allowed += compareCasbin(t, fmt.Sprintf("seed %d", seed), ix, w, junk)

		removed := w.removeRandom(rng, 0.3)
		ix.Apply(nil, factLines(removed))
		allowed += compareCasbin(t, fmt.Sprintf("seed %d after removals", seed), ix, w, junk)
	}
	if allowed < 1000 {
		t.Fatalf("only %d checks allowed: the worlds are too sparse to compare anything", allowed)
	}
}

// compareCasbin builds an enforcer over w's lines plus junk and compares it
// with ix and with the naive model. It returns how many checks allowed.
func compareCasbin(t *testing.T, stage string, ix *Index, w *world, junk []Line) int {
	t.Helper()
	e, err := NewEnforcer(append(w.lines(), junk...))
	if err != nil {
		t.Fatalf("%s: NewEnforcer: %v", stage, err)
	}
	allowed := 0
	for _, ws := range w.spaces {
		for _, u := range w.queryUsers(ws) {
			for _, r := range w.queryResources(ws) {
				for _, act := range []Action{View, Edit} {
					want, err := e.Enforce(UserSubject(u), ws, r.String(), string(act))
					if err != nil {
						t.Fatalf("%s: Enforce: %v", stage, err)
					}
					got, naive := ix.Can(ws, u, act, r), w.can(ws, u, act, r)
					if got != want || naive != want {
						t.Fatalf("%s: %s %s %s in %s: index %v, naive %v, casbin %v",
							stage, u, act, r, ws, got, naive, want)
					}
					if want {
						allowed++
					}
				}
			}
		}
	}
	return allowed
}

// junkLines returns lines that casbin_rule could hold but that roster never
// writes, each of which must grant nothing: roles that are not stored, a
// direct share of a non-agent, subjects on the wrong action, unknown kinds
// and actions, curator flags on limited users and on non-members.
func junkLines(w *world) []Line {
	var junk []Line
	for _, ws := range w.spaces {
		for i, u := range w.users[ws] {
			junk = append(junk,
				RoleLine(ws, u, Curator),
				Line{PType: "g", V0: UserSubject(u), V1: "role:owner", V2: ws})
			for _, g := range w.groups[ws] {
				limited := w.hasRole(ws, u, Limited) && !w.hasRole(ws, u, Basic)
				if (limited || !w.member(ws, u, g)) && !w.has(oFact{kind: oFlag, ws: ws, user: u, group: g}) {
					junk = append(junk, CuratorLine(ws, u, g))
				}
			}
			if rs := w.resources[ws]; len(rs) > 0 {
				junk = append(junk, resourceJunk(ws, u, rs[i%len(rs)])...)
			}
		}
	}
	return junk
}

// resourceJunk returns junk lines about one resource and user.
func resourceJunk(ws, u string, r Resource) []Line {
	sub := UserSubject(u)
	junk := []Line{
		{PType: "p", V0: sub, V1: ws, V2: r.String(), V3: "exists"},
		{PType: "p", V0: publicSubject, V1: ws, V2: r.String(), V3: "own"},
		{PType: "p", V0: sub, V1: ws, V2: r.String(), V3: "frobnicate"},
		{PType: "p", V0: sub, V1: ws, V2: "widget:" + r.ID, V3: "view"},
		{PType: "p", V0: sub, V1: ws, V2: r.String(), V3: "curate"},
	}
	if r.Kind != Agent {
		junk = append(junk, ShareLine(ws, u, r))
	}
	return junk
}
