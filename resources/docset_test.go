package resources_test

import (
	"slices"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// docSetEnv: cur curates G1 and G2; connectors p1 (private, G1), p12
// (private, G1 and G2), pub (public, G1); d is a private document set of G1
// holding p1 and pub; open is a public document set of G2 holding p1.
func docSetEnv(e *env) {
	e.user("cur", users.RoleBasic)
	e.group("G1", "cur")
	e.group("G2", "cur")
	e.curator("G1", "cur", true)
	e.curator("G2", "cur", true)
	e.register(connector("p1"), resources.Facts{Groups: e.gids("G1")})
	e.register(connector("p12"), resources.Facts{Groups: e.gids("G1", "G2")})
	e.register(connector("pub"), resources.Facts{Public: true, Groups: e.gids("G1")})
	e.register(docSet("d"), resources.Facts{Groups: e.gids("G1"), Connectors: []string{"pub", "p1"}})
	e.register(docSet("open"), resources.Facts{Public: true, Groups: e.gids("G2"), Connectors: []string{"p1"}})
}

// TestDocumentSetRuleOnEveryWrite: the writes that change an input of the
// document-set rule without naming the set's connectors (the reviewer's
// bypasses) are refused when they would break it, and write nothing.
func TestDocumentSetRuleOnEveryWrite(t *testing.T) {
	forEachStore(t, func(e *env) {
		docSetEnv(e)
		wantFacts(t, e, docSet("d"), resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p1", "pub"}})
		g1, g2 := e.groups["G1"], e.groups["G2"]
		for _, actor := range []string{"admin", "cur"} {
			a := e.as(actor)
			calls := []struct {
				call string
				do   func() error
			}{
				{"Attach(G2, d): p1 is not in G2", func() error { return second(e.rs.Attach(e.ctx, a, g2, docSet("d"))) }},
				{"Detach(G1, p1): d in G1 holds it", func() error { return second(e.rs.Detach(e.ctx, a, g1, connector("p1"))) }},
				{"SetAttached(G2, document sets, d)", func() error {
					return second(e.rs.SetAttached(e.ctx, a, g2, access.DocumentSet, []string{"d"}))
				}},
				{"SetAttached(G1, connectors, without p1)", func() error {
					return second(e.rs.SetAttached(e.ctx, a, g1, access.Connector, []string{"p12", "pub"}))
				}},
				{"ReplaceGroupContents(G1) without p1", func() error {
					return second(e.w.ReplaceGroupContents(e.ctx, a, g1, roster.GroupContents{Members: e.ids("cur"), Connectors: []string{"p12", "pub"}}))
				}},
				{"Update(p1) to another group", func() error {
					return second(e.rs.Update(e.ctx, a, connector("p1"), resources.Facts{Groups: e.gids("G2")}))
				}},
				{"Update(p1) to no group (an admin's call: a curator must name a group)", func() error {
					return second(e.rs.Update(e.ctx, e.as("admin"), connector("p1"), resources.Facts{}))
				}},
				{"Update(d) adding G2 and keeping p1", func() error {
					return second(e.rs.Update(e.ctx, a, docSet("d"), resources.Facts{Groups: e.gids("G1", "G2"), Connectors: []string{"p1", "pub"}}))
				}},
				{"Update(open) to private in G2 holding p1", func() error {
					return second(e.rs.Update(e.ctx, a, docSet("open"), resources.Facts{Groups: e.gids("G2"), Connectors: []string{"p1"}}))
				}},
			}
			for _, c := range calls {
				before := e.state()
				err := c.do()
				call := c.call + " as " + actor
				wantErr(t, call, err, resources.ErrDocumentSetRule)
				wantErr(t, call, err, roster.ErrInvalid)
				e.unchanged(call, before)
			}
		}
		// Making a held public connector private counts too (admin only:
		// curators make nothing public they do not own, and pub must stay
		// attachable by them below).
		before := e.state()
		_, err := e.rs.Update(e.ctx, roster.System, connector("pub"), resources.Facts{Groups: e.gids("G2")})
		wantErr(t, "Update(pub) private in G2 only", err, resources.ErrDocumentSetRule)
		e.unchanged("Update(pub) private in G2 only", before)
		wantFacts(t, e, docSet("d"), resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p1", "pub"}})
	})
}

// TestDocumentSetRuleAllows: public connectors, public document sets and
// connectors attached to every group of the set pass every write.
func TestDocumentSetRuleAllows(t *testing.T) {
	forEachStore(t, func(e *env) {
		docSetEnv(e)
		g1, g2 := e.groups["G1"], e.groups["G2"]
		cur := e.as("cur")
		e.register(docSet("wide"), resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p12", "pub"}})
		steps := []struct {
			step string
			err  error
		}{
			// p12 is in G1 and G2, pub is public: wide may join G2.
			{"Attach(G2, wide)", second(e.rs.Attach(e.ctx, cur, g2, docSet("wide")))},
			// open is public: p1 leaving G2 (it was never there) or joining it is fine.
			{"Attach(G2, p1)", second(e.rs.Attach(e.ctx, cur, g2, connector("p1")))},
			{"Detach(G2, p1): open is public", second(e.rs.Detach(e.ctx, cur, g2, connector("p1")))},
			// pub is public: it may leave G1 though d holds it.
			{"Detach(G1, pub)", second(e.rs.Detach(e.ctx, roster.System, g1, connector("pub")))},
			// p1 attached to every group of d after the change.
			{"Update(p1) to G1 and G2", second(e.rs.Update(e.ctx, cur, connector("p1"), resources.Facts{Groups: e.gids("G1", "G2")}))},
			{"Attach(G2, d) now that p1 is in G2", second(e.rs.Attach(e.ctx, cur, g2, docSet("d")))},
			// A public connector needs no group.
			{"Update(p1) public, no group", second(e.rs.Update(e.ctx, roster.System, connector("p1"), resources.Facts{Public: true}))},
			// A public document set holds any connector.
			{"Update(d) public", second(e.rs.Update(e.ctx, roster.System, docSet("d"), resources.Facts{Public: true, Groups: e.gids("G2"), Connectors: []string{"p1", "pub", "p12"}}))},
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
		v0 := e.d.Version()
		// A change of connectors alone is a change: a version, and audited.
		v, err := e.rs.Update(e.ctx, e.as("cur"), d, resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p12"}})
		e.must("Update(d) connectors only", err)
		if v <= v0 {
			t.Errorf("Update(d) connectors only: version %d, want above %d", v, v0)
		}
		wantFacts(t, e, d, resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p12"}})
		// The same facts again change nothing.
		if v2, err := e.rs.Update(e.ctx, e.as("cur"), d, resources.Facts{Groups: e.gids("G1"), Connectors: []string{"p12"}}); err != nil || v2 != v {
			t.Errorf("Update(d) again = %d, %v; want %d, nil", v2, err, v)
		}
		// Update replaces the connectors: leaving them out empties the set,
		// so d may then join G2 although p1 is not there.
		_, err = e.rs.Update(e.ctx, e.as("cur"), d, resources.Facts{Groups: e.gids("G1")})
		e.must("Update(d) without connectors", err)
		wantFacts(t, e, d, resources.Facts{Groups: e.gids("G1")})
		_, err = e.rs.Attach(e.ctx, e.as("cur"), e.groups["G2"], d)
		e.must("Attach(G2, empty d)", err)
		_, err = e.rs.Update(e.ctx, e.as("cur"), d, resources.Facts{Groups: sorted(e.gids("G1", "G2")), Connectors: []string{"p12", "pub"}})
		e.must("Update(d) with p12 and pub", err)

		// An unregistered connector leaves every document set; a set
		// unregistered and registered again holds nothing.
		_, err = e.rs.Unregister(e.ctx, roster.System, connector("p1"))
		e.must("Unregister(p1)", err)
		wantFacts(t, e, docSet("open"), resources.Facts{Public: true, Groups: e.gids("G2")})
		_, err = e.rs.Register(e.ctx, roster.System, connector("p1"), resources.Facts{})
		e.must("Register(p1) again", err)
		wantFacts(t, e, docSet("open"), resources.Facts{Public: true, Groups: e.gids("G2")})
		_, err = e.rs.Unregister(e.ctx, roster.System, docSet("open"))
		e.must("Unregister(open)", err)
		_, err = e.rs.Register(e.ctx, roster.System, docSet("open"), resources.Facts{Groups: e.gids("G1")})
		e.must("Register(open) again", err)
		wantFacts(t, e, docSet("open"), resources.Facts{Groups: e.gids("G1")})

		// Close and Open: the relation is read back, and still enforced.
		e.reopen()
		wantFacts(t, e, d, resources.Facts{Groups: sorted(e.gids("G1", "G2")), Connectors: []string{"p12", "pub"}})
		before := e.state()
		_, err = e.rs.Detach(e.ctx, roster.System, e.groups["G2"], connector("p12"))
		wantErr(t, "Detach(G2, p12) after reopen", err, resources.ErrDocumentSetRule)
		e.unchanged("Detach(G2, p12) after reopen", before)
	})
}

// reopen closes the Directory and opens the same database again.
func (e *env) reopen() {
	e.t.Helper()
	e.must("Close", e.d.Close())
	d, err := roster.Open(e.ctx, roster.Config{DSN: e.dsn})
	e.must("Open again", err)
	e.t.Cleanup(func() { d.Close() })
	e.d, e.w = d, d.Default()
	e.gs, e.rs = e.w.Groups(), e.w.Resources()
}

// TestGroupDeleteKeepsDocumentSetRule: deleting a group detaches document
// sets and connectors alike, which keeps the rule true; the sets keep their
// connectors, and the rule still binds them afterwards.
func TestGroupDeleteKeepsDocumentSetRule(t *testing.T) {
	forEachStore(t, func(e *env) {
		docSetEnv(e)
		_, err := e.gs.Delete(e.ctx, roster.System, e.groups["G1"])
		e.must("Delete(G1)", err)
		delete(e.groups, "G1")
		wantFacts(t, e, docSet("d"), resources.Facts{Connectors: []string{"p1", "pub"}})
		wantFacts(t, e, connector("p1"), resources.Facts{})
		before := e.state()
		_, err = e.rs.Attach(e.ctx, roster.System, e.groups["G2"], docSet("d"))
		wantErr(t, "Attach(G2, d) after G1 is gone", err, resources.ErrDocumentSetRule)
		e.unchanged("Attach(G2, d) after G1 is gone", before)
	})
}
