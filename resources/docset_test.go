package resources_test

import (
	"slices"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// docSetEnv: cur curates G1 and G2; connectors p1 (private, G1), p12
// (private, G1 and G2), pub (public, G1); d is a private document set of G1
// holding p1 and pub; open is a public document set of G2 holding p1.
func docSetEnv(e *env) {
	e.User("cur", users.RoleBasic)
	e.Group("G1", "cur")
	e.Group("G2", "cur")
	e.Curator("G1", "cur", true)
	e.Curator("G2", "cur", true)
	e.Register(rostertest.Connector("p1"), resources.Facts{Groups: e.gids("G1")})
	e.Register(rostertest.Connector("p12"), resources.Facts{Groups: e.gids("G1", "G2")})
	e.Register(rostertest.Connector("pub"), resources.Facts{Public: true, Groups: e.gids("G1")})
	e.Register(docSet("d"), resources.Facts{Groups: e.gids("G1"), Connectors: []string{"pub", "p1"}})
	e.Register(docSet("open"), resources.Facts{Public: true, Groups: e.gids("G2"), Connectors: []string{"p1"}})
}

// TestDocumentSetRuleOnEveryWrite: the writes that change an input of the
// document-set rule without naming the set's connectors (the reviewer's
// bypasses) are refused when they would break it, and write nothing.
func TestDocumentSetRuleOnEveryWrite(t *testing.T) {
	forEachStore(t, func(e *env) {
		docSetEnv(e)
		wantFacts(t, e, docSet("d"), resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p1", "pub"}})
		g1, g2 := e.Groups["G1"], e.Groups["G2"]
		for _, actor := range []string{"admin", "cur"} {
			a := e.As(actor)
			calls := []struct {
				call string
				do   func() error
			}{
				{"Attach(G2, d): p1 is not in G2", func() error { return second(e.rs.Attach(e.Ctx, a, g2, docSet("d"))) }},
				{"Detach(G1, p1): d in G1 holds it", func() error { return second(e.rs.Detach(e.Ctx, a, g1, rostertest.Connector("p1"))) }},
				{"SetAttached(G2, document sets, d)", func() error {
					return second(e.rs.SetAttached(e.Ctx, a, g2, access.DocumentSet, []string{"d"}))
				}},
				{"SetAttached(G1, connectors, without p1)", func() error {
					return second(e.rs.SetAttached(e.Ctx, a, g1, access.Connector, []string{"p12", "pub"}))
				}},
				{"ReplaceGroupContents(G1) without p1", func() error {
					return second(e.W.ReplaceGroupContents(e.Ctx, a, g1, roster.GroupContents{Members: e.IDs("cur"), Connectors: []string{"p12", "pub"}}))
				}},
				{"Update(p1) to another group", func() error {
					return second(e.rs.Update(e.Ctx, a, rostertest.Connector("p1"), resources.Facts{Groups: e.gids("G2")}))
				}},
				{"Update(p1) to no group (an admin's call: a curator must name a group)", func() error {
					return second(e.rs.Update(e.Ctx, e.As("admin"), rostertest.Connector("p1"), resources.Facts{}))
				}},
				{"Update(d) adding G2 and keeping p1", func() error {
					return second(e.rs.Update(e.Ctx, a, docSet("d"), resources.Facts{Groups: e.gids("G1", "G2"), Connectors: []string{"p1", "pub"}}))
				}},
				{"Update(open) to private in G2 holding p1", func() error {
					return second(e.rs.Update(e.Ctx, a, docSet("open"), resources.Facts{Groups: e.gids("G2"), Connectors: []string{"p1"}}))
				}},
			}
			for _, c := range calls {
				before := e.State()
				err := c.do()
				call := c.call + " as " + actor
				rostertest.WantErr(t, call, err, resources.ErrDocumentSetRule)
				rostertest.WantErr(t, call, err, roster.ErrInvalid)
				e.Unchanged(call, before)
			}
		}
		// Making a held public connector private counts too (admin only:
		// curators make nothing public they do not own, and pub must stay
		// attachable by them below).
		before := e.State()
		_, err := e.rs.Update(e.Ctx, roster.System, rostertest.Connector("pub"), resources.Facts{Groups: e.gids("G2")})
		rostertest.WantErr(t, "Update(pub) private in G2 only", err, resources.ErrDocumentSetRule)
		e.Unchanged("Update(pub) private in G2 only", before)
		// The sentence names the document set, but the connector, which the
		// caller may not see, by kind only.
		names := func(r access.Resource) string { return map[string]string{"d": "Handbook", "pub": "Wiki"}[r.ID] }
		if got, want := access.Sentence(err, names), `A private connector of the document set "Handbook" is not attached to every group of the set.`; got != want {
			e.T.Errorf("sentence %q, want %q", got, want)
		}
		wantFacts(t, e, docSet("d"), resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p1", "pub"}})
	})
}

// TestDocumentSetRuleAllows: public connectors, public document sets and
// connectors attached to every group of the set pass every write.
func TestDocumentSetRuleAllows(t *testing.T) {
	forEachStore(t, func(e *env) {
		docSetEnv(e)
		g1, g2 := e.Groups["G1"], e.Groups["G2"]
		cur := e.As("cur")
		e.Register(docSet("wide"), resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p12", "pub"}})
		steps := []struct {
			step string
			err  error
		}{
			// p12 is in G1 and G2, pub is public: wide may join G2.
			{"Attach(G2, wide)", second(e.rs.Attach(e.Ctx, cur, g2, docSet("wide")))},
			// open is public: p1 leaving G2 (it was never there) or joining it is fine.
			{"Attach(G2, p1)", second(e.rs.Attach(e.Ctx, cur, g2, rostertest.Connector("p1")))},
			{"Detach(G2, p1): open is public", second(e.rs.Detach(e.Ctx, cur, g2, rostertest.Connector("p1")))},
			// pub is public: it may leave G1 though d holds it.
			{"Detach(G1, pub)", second(e.rs.Detach(e.Ctx, roster.System, g1, rostertest.Connector("pub")))},
			// p1 attached to every group of d after the change.
			{"Update(p1) to G1 and G2", second(e.rs.Update(e.Ctx, cur, rostertest.Connector("p1"), resources.Facts{Groups: e.gids("G1", "G2")}))},
			{"Attach(G2, d) now that p1 is in G2", second(e.rs.Attach(e.Ctx, cur, g2, docSet("d")))},
			// A public connector needs no group.
			{"Update(p1) public, no group", second(e.rs.Update(e.Ctx, roster.System, rostertest.Connector("p1"), resources.Facts{Public: true}))},
			// A public document set holds any connector.
			{"Update(d) public", second(e.rs.Update(e.Ctx, roster.System, docSet("d"), resources.Facts{Public: true, Groups: e.gids("G2"), Connectors: []string{"p1", "pub", "p12"}}))},
		}
		for _, s := range steps {
			if s.err != nil {
				t.Errorf("%s: %v, want allowed", s.step, s.err)
			}
		}
		wantFacts(t, e, docSet("d"), resources.Facts{Public: true, Groups: e.gids("G2"), Connectors: []string{"p1", "p12", "pub"}})
		wantFacts(t, e, docSet("wide"), resources.Facts{Groups: sorted(e.gids("G1", "G2")), Connectors: []string{"p12", "pub"}})
	})
}

func sorted(xs []string) []string {
	slices.Sort(xs)
	return xs
}

// TestDocumentSetConnectorsAreStored: Register and Update write a document
// set's connectors (Update replaces them, an Update without them empties
// the set), Unregister forgets them, an unregistered connector leaves every
// set, and the relation survives Close and Open.
func TestDocumentSetConnectorsAreStored(t *testing.T) {
	forEachStore(t, func(e *env) {
		docSetEnv(e)
		d := docSet("d")
		v0 := e.D.Version()
		// A change of connectors alone is a change: a version, and audited.
		v, err := e.rs.Update(e.Ctx, e.As("cur"), d, resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p12"}})
		e.Must("Update(d) connectors only", err)
		if v <= v0 {
			t.Errorf("Update(d) connectors only: version %d, want above %d", v, v0)
		}
		wantFacts(t, e, d, resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p12"}})
		// The same facts again change nothing.
		if v2, err := e.rs.Update(e.Ctx, e.As("cur"), d, resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p12"}}); err != nil || v2 != v {
			t.Errorf("Update(d) again = %d, %v; want %d, nil", v2, err, v)
		}
		// Update replaces the connectors: leaving them out empties the set,
		// so d may then join G2 although p1 is not there.
		_, err = e.rs.Update(e.Ctx, e.As("cur"), d, resources.Facts{Groups: e.gids("G1")})
		e.Must("Update(d) without connectors", err)
		wantFacts(t, e, d, resources.Facts{Groups: e.gids("G1")})
		_, err = e.rs.Attach(e.Ctx, e.As("cur"), e.Groups["G2"], d)
		e.Must("Attach(G2, empty d)", err)
		_, err = e.rs.Update(e.Ctx, e.As("cur"), d, resources.Facts{Groups: sorted(e.gids("G1", "G2")), Connectors: []string{"p12", "pub"}})
		e.Must("Update(d) with p12 and pub", err)

		// An unregistered connector leaves every document set; a set
		// unregistered and registered again holds nothing.
		_, err = e.rs.Unregister(e.Ctx, roster.System, rostertest.Connector("p1"))
		e.Must("Unregister(p1)", err)
		wantFacts(t, e, docSet("open"), resources.Facts{Public: true, Groups: e.gids("G2")})
		_, err = e.rs.Register(e.Ctx, roster.System, rostertest.Connector("p1"), resources.Facts{})
		e.Must("Register(p1) again", err)
		wantFacts(t, e, docSet("open"), resources.Facts{Public: true, Groups: e.gids("G2")})
		_, err = e.rs.Unregister(e.Ctx, roster.System, docSet("open"))
		e.Must("Unregister(open)", err)
		_, err = e.rs.Register(e.Ctx, roster.System, docSet("open"), resources.Facts{Groups: e.gids("G1")})
		e.Must("Register(open) again", err)
		wantFacts(t, e, docSet("open"), resources.Facts{Groups: e.gids("G1")})

		// Close and Open: the relation is read back, and still enforced.
		e.reopen()
		wantFacts(t, e, d, resources.Facts{Groups: sorted(e.gids("G1", "G2")), Connectors: []string{"p12", "pub"}})
		before := e.State()
		_, err = e.rs.Detach(e.Ctx, roster.System, e.Groups["G2"], rostertest.Connector("p12"))
		rostertest.WantErr(t, "Detach(G2, p12) after reopen", err, resources.ErrDocumentSetRule)
		e.Unchanged("Detach(G2, p12) after reopen", before)
	})
}

// reopen closes the Directory and opens the same database again.
func (e *env) reopen() {
	e.T.Helper()
	e.Must("Close", e.D.Close())
	d, err := roster.Open(e.Ctx, roster.Config{DSN: e.DSN})
	e.Must("Open again", err)
	e.T.Cleanup(func() { d.Close() })
	e.D, e.W = d, d.Default()
	e.GS, e.rs = e.W.Groups(), e.W.Resources()
}

// TestGroupDeleteKeepsDocumentSetRule: deleting a group detaches document
// sets and connectors alike, which keeps the rule true; the sets keep their
// connectors, and the rule still binds them afterwards.
func TestGroupDeleteKeepsDocumentSetRule(t *testing.T) {
	forEachStore(t, func(e *env) {
		docSetEnv(e)
		_, err := e.GS.Delete(e.Ctx, roster.System, e.Groups["G1"])
		e.Must("Delete(G1)", err)
		delete(e.Groups, "G1")
		wantFacts(t, e, docSet("d"), resources.Facts{Connectors: []string{"p1", "pub"}})
		wantFacts(t, e, rostertest.Connector("p1"), resources.Facts{})
		before := e.State()
		_, err = e.rs.Attach(e.Ctx, roster.System, e.Groups["G2"], docSet("d"))
		rostertest.WantErr(t, "Attach(G2, d) after G1 is gone", err, resources.ErrDocumentSetRule)
		e.Unchanged("Attach(G2, d) after G1 is gone", before)
	})
}
