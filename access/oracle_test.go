package access

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// oracleWorlds is how many random worlds TestOracle checks.
const oracleWorlds = 300

// TestOracle checks every answer of the index against the naive model of
// world_test.go on random worlds: loaded, after random removals, after
// re-adding some of them, and after a role swap applied as one transaction.
func TestOracle(t *testing.T) {
	t.Parallel()
	for seed := range uint64(oracleWorlds) {
		rng := rand.New(rand.NewPCG(seed, 0x0dd5eed))
		w := genWorld(rng)
		ix := NewIndex()
		ix.Apply(w.lines(), nil)
		if n := ix.Ignored(); n != 0 {
			t.Fatalf("seed %d: Apply ignored %d well-formed lines", seed, n)
		}
		checkWorld(t, fmt.Sprintf("seed %d loaded", seed), ix, w)

		removed := w.removeRandom(rng, 0.3)
		ix.Apply(nil, factLines(removed))
		checkWorld(t, fmt.Sprintf("seed %d after removing %d lines", seed, len(removed)), ix, w)

		back := removed[:len(removed)/2]
		w.facts = append(w.facts, back...)
		ix.Apply(factLines(back), nil)
		checkWorld(t, fmt.Sprintf("seed %d after re-adding %d lines", seed, len(back)), ix, w)

		swapRoles(ix, w)
		checkWorld(t, fmt.Sprintf("seed %d after a role swap", seed), ix, w)
	}
}

// swapRoles turns every basic role into admin and every admin into basic in
// one Apply call, as a transaction changing roles would.
func swapRoles(ix *Index, w *world) {
	var added, removed []Line
	for i, f := range w.facts {
		if f.kind != oRole || (f.role != Basic && f.role != Admin) {
			continue
		}
		removed = append(removed, f.line())
		w.facts[i].role = map[Role]Role{Basic: Admin, Admin: Basic}[f.role]
		added = append(added, w.facts[i].line())
	}
	ix.Apply(added, removed)
}

func factLines(fs []oFact) []Line {
	lines := make([]Line, len(fs))
	for i, f := range fs {
		lines[i] = f.line()
	}
	return lines
}

// checkWorld asserts every answer of ix against w.
func checkWorld(t *testing.T, stage string, ix *Index, w *world) {
	t.Helper()
	lines := map[Line]bool{}
	for _, l := range w.lines() {
		lines[l] = true
	}
	for _, ws := range w.spaces {
		checkCan(t, stage, ix, w, ws, lines)
		checkVisible(t, stage, ix, w, ws)
		checkWhoCan(t, stage, ix, w, ws)
		checkACL(t, stage, ix, w, ws)
		checkUserFacts(t, stage, ix, w, ws)
		checkResourceFacts(t, stage, ix, w, ws)
	}
	if got := ix.Len("nowhere"); got != 0 {
		t.Fatalf("%s: Len(unknown workspace) = %d, want 0", stage, got)
	}
}

func checkCan(t *testing.T, stage string, ix *Index, w *world, ws string, lines map[Line]bool) {
	t.Helper()
	for _, u := range w.queryUsers(ws) {
		for _, r := range w.queryResources(ws) {
			for _, act := range []Action{View, Edit, "delete"} {
				want := w.can(ws, u, act, r)
				if got := ix.Can(ws, u, act, r); got != want {
					t.Fatalf("%s: Can(%s, %s, %s, %s) = %v, want %v", stage, ws, u, act, r, got, want)
				}
				checkExplain(t, stage, ix.Explain(ws, u, act, r), want, lines)
			}
		}
	}
}

func checkExplain(t *testing.T, stage string, e Explanation, want bool, lines map[Line]bool) {
	t.Helper()
	if e.Allowed != want || want != (len(e.Lines) > 0) || want != (e.Reason == "") {
		t.Fatalf("%s: Explain = %+v, want allowed %v with lines xor a reason", stage, e, want)
	}
	for _, l := range e.Lines {
		if !lines[l] {
			t.Fatalf("%s: Explain names line %q, which is not in the policy", stage, l)
		}
	}
}

func checkVisible(t *testing.T, stage string, ix *Index, w *world, ws string) {
	t.Helper()
	for _, u := range w.queryUsers(ws) {
		for _, k := range Kinds() {
			var want []string
			for _, r := range w.resources[ws] {
				if r.Kind == k && w.can(ws, u, View, r) {
					want = append(want, r.ID)
				}
			}
			slices.Sort(want)
			got, next := ix.Visible(ws, u, k, "", 0)
			if !slices.Equal(got, want) || next != "" {
				t.Fatalf("%s: Visible(%s, %s, %s) = %q, %q; want %q", stage, ws, u, k, got, next, want)
			}
			for limit := 1; limit <= 3; limit++ {
				if got := pages(t, ix, ws, u, k, limit); !slices.Equal(got, want) {
					t.Fatalf("%s: Visible(%s, %s, %s) by pages of %d = %q, want %q", stage, ws, u, k, limit, got, want)
				}
			}
		}
	}
}

// pages reads a full Visible list page by page.
func pages(t *testing.T, ix *Index, ws, u string, k Kind, limit int) []string {
	t.Helper()
	var all []string
	after := ""
	for range 100 {
		page, next := ix.Visible(ws, u, k, after, limit)
		if len(page) > limit || (next != "" && (len(page) != limit || next != page[len(page)-1])) {
			t.Fatalf("Visible(after %q, limit %d) = %q, next %q: bad page", after, limit, page, next)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		after = next
	}
	t.Fatalf("Visible(%s, %s, %s) by pages of %d does not end", ws, u, k, limit)
	return nil
}

func checkWhoCan(t *testing.T, stage string, ix *Index, w *world, ws string) {
	t.Helper()
	for _, r := range w.queryResources(ws) {
		for _, act := range []Action{View, Edit} {
			var want []string
			for _, u := range w.users[ws] {
				if w.can(ws, u, act, r) {
					want = append(want, u)
				}
			}
			slices.Sort(want)
			if got := ix.WhoCan(ws, r, act); !slices.Equal(got, want) {
				t.Fatalf("%s: WhoCan(%s, %s, %s) = %q, want %q", stage, ws, r, act, got, want)
			}
		}
	}
}

func checkACL(t *testing.T, stage string, ix *Index, w *world, ws string) {
	t.Helper()
	for _, u := range w.queryUsers(ws) {
		held := ix.ACLFor(ws, u)
		if (len(held) > 0) != w.active(ws, u) {
			t.Fatalf("%s: ACLFor(%s, %s) = %q, want a set exactly when active (%v)", stage, ws, u, held, w.active(ws, u))
		}
		for _, sp := range w.spaces {
			for _, r := range w.queryResources(sp) {
				want := sp == ws && w.can(ws, u, View, r)
				if got := intersect(held, ix.ACLOf(sp, r)); got != want {
					t.Fatalf("%s: ACLFor(%s, %s) %q meets ACLOf(%s, %s) %q: %v, want %v",
						stage, ws, u, held, sp, r, ix.ACLOf(sp, r), got, want)
				}
			}
		}
	}
}

func intersect(a, b []string) bool {
	return slices.ContainsFunc(a, func(s string) bool { return slices.Contains(b, s) })
}

func checkUserFacts(t *testing.T, stage string, ix *Index, w *world, ws string) {
	t.Helper()
	for _, u := range w.queryUsers(ws) {
		wantRole, wantOK := w.role(ws, u)
		if got, ok := ix.Role(ws, u); got != wantRole || ok != wantOK {
			t.Fatalf("%s: Role(%s, %s) = %q, %v; want %q, %v", stage, ws, u, got, ok, wantRole, wantOK)
		}
		if got, want := ix.Active(ws, u), w.active(ws, u); got != want {
			t.Fatalf("%s: Active(%s, %s) = %v, want %v", stage, ws, u, got, want)
		}
		var groups, curated []string
		for _, g := range w.groups[ws] {
			if w.member(ws, u, g) {
				groups = append(groups, g)
			}
			scoped := w.active(ws, u) && (w.hasRole(ws, u, Admin) || w.mayCurate(ws, u, g))
			if got := ix.Curates(ws, u, g); got != scoped {
				t.Fatalf("%s: Curates(%s, %s, %s) = %v, want %v", stage, ws, u, g, got, scoped)
			}
			if scoped && !w.hasRole(ws, u, Admin) {
				curated = append(curated, g)
			}
		}
		if got := ix.Groups(ws, u); !slices.Equal(got, groups) {
			t.Fatalf("%s: Groups(%s, %s) = %q, want %q", stage, ws, u, got, groups)
		}
		if got := ix.CuratedGroups(ws, u); !slices.Equal(got, curated) {
			t.Fatalf("%s: CuratedGroups(%s, %s) = %q, want %q", stage, ws, u, got, curated)
		}
		var owned []Resource
		for _, f := range w.facts {
			if f.kind == oOwner && f.ws == ws && f.user == u {
				owned = append(owned, f.res)
			}
		}
		slices.SortFunc(owned, compareResources)
		if got := ix.Owned(ws, u); !slices.Equal(got, owned) {
			t.Fatalf("%s: Owned(%s, %s) = %v, want %v", stage, ws, u, got, owned)
		}
	}
}

// compareResources orders resources as the index lists them: by kind in
// Kinds order, then id.
func compareResources(a, b Resource) int {
	ka, kb := slices.Index(Kinds(), a.Kind), slices.Index(Kinds(), b.Kind)
	if ka != kb {
		return ka - kb
	}
	switch {
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

func checkResourceFacts(t *testing.T, stage string, ix *Index, w *world, ws string) {
	t.Helper()
	n := 0
	groups := map[string]*GroupFacts{}
	facts := map[Resource]*ResourceFacts{}
	for _, f := range w.facts {
		if f.ws != ws {
			continue
		}
		n++
		collectFact(f, groups, facts)
	}
	if got := ix.Len(ws); got != n {
		t.Fatalf("%s: Len(%s) = %d, want %d", stage, ws, got, n)
	}
	for _, r := range w.queryResources(ws) {
		want, wantOK := facts[r]
		if want == nil {
			want = &ResourceFacts{}
		}
		sortResourceFacts(want)
		got, ok := ix.ResourceFacts(ws, r)
		if ok != wantOK || fmt.Sprint(got) != fmt.Sprint(*want) {
			t.Fatalf("%s: ResourceFacts(%s, %s) = %+v, %v; want %+v, %v", stage, ws, r, got, ok, *want, wantOK)
		}
		if got := ix.Exists(ws, r); got != want.Exists {
			t.Fatalf("%s: Exists(%s, %s) = %v, want %v", stage, ws, r, got, want.Exists)
		}
	}
	for _, g := range append(slices.Clone(w.groups[ws]), "no-such-group") {
		want, wantOK := groups[g]
		if want == nil {
			want = &GroupFacts{}
		}
		slices.Sort(want.Members)
		slices.Sort(want.Curators)
		slices.SortFunc(want.Resources, compareResources)
		got, ok := ix.GroupFacts(ws, g)
		if ok != wantOK || fmt.Sprint(got) != fmt.Sprint(*want) {
			t.Fatalf("%s: GroupFacts(%s, %s) = %+v, %v; want %+v, %v", stage, ws, g, got, ok, *want, wantOK)
		}
	}
}

// collectFact adds one fact to the expected group and resource facts.
func collectFact(f oFact, groups map[string]*GroupFacts, facts map[Resource]*ResourceFacts) {
	group := func() *GroupFacts {
		if groups[f.group] == nil {
			groups[f.group] = &GroupFacts{}
		}
		return groups[f.group]
	}
	res := func() *ResourceFacts {
		if facts[f.res] == nil {
			facts[f.res] = &ResourceFacts{}
		}
		return facts[f.res]
	}
	switch f.kind {
	case oMember:
		group().Members = append(group().Members, f.user)
	case oFlag:
		group().Curators = append(group().Curators, f.user)
	case oAttach:
		group().Resources = append(group().Resources, f.res)
		res().Groups = append(res().Groups, f.group)
	case oPublic:
		res().Public = true
	case oExists:
		res().Exists = true
	case oOwner:
		res().Owners = append(res().Owners, f.user)
	case oShare:
		res().Shares = append(res().Shares, f.user)
	}
}

func sortResourceFacts(f *ResourceFacts) {
	slices.Sort(f.Owners)
	slices.Sort(f.Groups)
	slices.Sort(f.Shares)
}
