package enforcer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/enforcer"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/internal/store"
)

// openStore opens a store on dsn whose committed changes go to set (if not
// nil), closed when the test ends.
func openStore(t *testing.T, dsn string, set *enforcer.Set) *store.Store {
	t.Helper()
	var apply func(store.Change)
	if set != nil {
		apply = func(ch store.Change) {
			if err := set.Apply(ch); err != nil {
				t.Errorf("Apply(version %d): %v", ch.Version, err)
			}
		}
	}
	st, err := store.Open(context.Background(), store.Options{DSN: dsn, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: time.Now, Apply: apply})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	// A fresh store has applied nothing; what is in the database is its start.
	v, err := st.CurrentVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st.SetApplied(v)
	return st
}

// write commits the i-th test write as one change.
func write(t *testing.T, st *store.Store, i int) int64 {
	t.Helper()
	add, remove := step(i)
	ch, err := st.Mutate(context.Background(), "w1", access.System, func(tx *store.Tx) error {
		if err := tx.RemoveLines(remove...); err != nil {
			return err
		}
		tx.Audit("test.write", "w1", nil)
		return tx.AddLines(add...)
	})
	if err != nil {
		t.Fatalf("Mutate: %v", err)
	}
	return ch.Version
}

var agent = access.Resource{Kind: access.Agent, ID: "a1"}

// step returns the lines the i-th test write adds and removes in w1, plus
// one line of workspace w2 that w1's enforcer must never hold.
func step(i int) (add, remove []access.Line) {
	user := fmt.Sprintf("u%d", i)
	add = []access.Line{
		access.RoleLine("w1", user, access.Basic),
		access.MemberLine("w1", user, "g1"),
		access.ShareLine("w1", user, agent),
		access.RoleLine("w2", user, access.Admin),
	}
	if i > 0 {
		remove = []access.Line{access.MemberLine("w1", fmt.Sprintf("u%d", i-1), "g1")}
	}
	return add, remove
}

// dbPolicy returns workspace w1's lines in the database as casbin rules,
// roster's lines only (the ones ParseLine accepts, which an enforcer holds).
func dbPolicy(t *testing.T, st *store.Store) []string {
	t.Helper()
	var rows []store.Rule
	if err := st.DB.Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		l := store.LineOf(r)
		if _, ok := access.ParseLine(l); !ok || l.Domain() != "w1" {
			continue
		}
		ptype, rule, _ := l.Rule()
		out = append(out, fmt.Sprint(ptype, rule))
	}
	slices.Sort(out)
	return out
}

// heldPolicy returns the lines e holds, as casbin rules.
func heldPolicy(t *testing.T, e *enforcer.Enforcer) []string {
	t.Helper()
	ps, err := e.Synced().GetPolicy()
	if err != nil {
		t.Fatal(err)
	}
	gs, err := e.Synced().GetGroupingPolicy()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range ps {
		out = append(out, fmt.Sprint("p", r))
	}
	for _, r := range gs {
		out = append(out, fmt.Sprint("g", r))
	}
	slices.Sort(out)
	return out
}

func samePolicy(t *testing.T, when string, st *store.Store, e *enforcer.Enforcer) {
	t.Helper()
	want, got := dbPolicy(t, st), heldPolicy(t, e)
	if !slices.Equal(got, want) {
		t.Fatalf("%s: enforcer holds\n%v\ndatabase holds\n%v", when, got, want)
	}
	if len(want) == 0 {
		t.Fatalf("%s: no lines: the comparison proves nothing", when)
	}
}

// An enforcer loaded at version V and registered when the store has applied
// A > V takes the changes V+1..A from the changelog, then every later change
// from Apply, each once.
func TestRegisterCatchesUpFromTheChangelog(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var set enforcer.Set
		st := openStore(t, dsn, &set)
		write(t, st, 0)
		e, err := enforcer.Load(ctx, st, "w1")
		if err != nil {
			t.Fatal(err)
		}
		loadedAt := e.At()
		for i := 1; i <= 3; i++ { // committed and applied while e is not registered
			write(t, st, i)
		}
		if got := st.Applied(); got != loadedAt+3 {
			t.Fatalf("applied %d, want %d", got, loadedAt+3)
		}
		if err := set.Register(ctx, st, e); err != nil {
			t.Fatal(err)
		}
		if e.At() != loadedAt+3 {
			t.Fatalf("registered at %d, want %d", e.At(), loadedAt+3)
		}
		samePolicy(t, "after register", st, e)
		for i := 4; i <= 6; i++ {
			write(t, st, i)
			samePolicy(t, fmt.Sprintf("after write %d", i), st, e)
		}
		if set.Live("w1") != e {
			t.Fatal("the registered enforcer is not the live one")
		}
	})
}

// An enforcer loaded ahead of the store (another process committed versions
// this store has not applied yet) skips those versions when they arrive and
// takes the ones after them.
func TestRegisterAheadSkipsWhatTheSnapshotHolds(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var set enforcer.Set
		st := openStore(t, dsn, &set)
		other := openStore(t, dsn, nil) // another process on the same database
		for i := range 3 {
			write(t, other, i)
		}
		e, err := set.Get(ctx, st, "w1")
		if err != nil {
			t.Fatal(err)
		}
		if e.At() <= st.Applied() {
			t.Fatalf("loaded at %d, store applied %d: the test needs the enforcer ahead", e.At(), st.Applied())
		}
		samePolicy(t, "after load", st, e)
		// The store now reads the other process's versions, which e holds
		// already: it must skip them (taking one as its next version would
		// be a gap, the enforcer dropped and Apply's error fail the test).
		if _, err := st.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		write(t, st, 3)
		write(t, other, 4)
		if _, err := st.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		samePolicy(t, "after catching up", st, e)
		if e.At() != st.Applied() {
			t.Fatalf("enforcer at %d, store at %d", e.At(), st.Applied())
		}
		if set.Live("w1") != e {
			t.Fatal("the enforcer was dropped")
		}
	})
}

// foreignRows are casbin_rule rows of workspace w1 roster never writes
// (written by another tool): rows of a shape roster's model cannot hold
// (casbin would refuse to load a p line of the wrong size, and load a g line
// with a fourth value and half ignore it) and rows of the right shape that
// are not roster's lines (casbin would make the members of g:g1 admins).
var foreignRows = []store.Rule{
	{Ptype: "p", V0: "u:x", V1: "w1", V2: "agent:a1"},
	{Ptype: "p", V0: "public", V1: "w1", V2: "agent:a1", V3: "view", V4: "deny"},
	{Ptype: "p", V0: "public", V1: "w1", V2: "agent:a1", V3: "view", V5: "x"},
	{Ptype: "p", V0: "u:x", V1: "w1", V2: "agent:a1", V3: "frobnicate"},
	{Ptype: "p", V0: "u:x", V1: "w1", V2: "connector:c1", V3: "view"},
	{Ptype: "g", V0: "u:x", V1: "role:admin", V2: "w1", V3: "extra"},
	{Ptype: "g", V0: "u:x", V1: "role:admin", V2: "w1", V4: "extra"},
	{Ptype: "g", V0: "g:g1", V1: "role:admin", V2: "w1"},
	{Ptype: "p2", V0: "u:x", V1: "w1", V2: "agent:a1", V3: "view"},
}

// An enforcer leaves out every casbin_rule row that is not roster's, as the
// access index ignores it: loading succeeds, and the enforcer holds exactly
// roster's lines, answers, and takes roster's changes.
func TestLoadLeavesOutForeignRows(t *testing.T) {
	for _, bad := range foreignRows {
		ctx := context.Background()
		var set enforcer.Set
		st := openStore(t, rostertest.SQLiteDSN(t), &set)
		write(t, st, 0)
		if err := st.DB.Create(&bad).Error; err != nil {
			t.Fatal(err)
		}
		e, err := set.Get(ctx, st, "w1")
		if err != nil {
			t.Errorf("Get with %v in casbin_rule: %v", bad, err)
			continue
		}
		held := heldPolicy(t, e)
		if want := dbPolicy(t, st); !slices.Equal(held, want) || len(want) != 3 {
			t.Errorf("with %v in casbin_rule the enforcer holds %q, want roster's lines %q", bad, held, want)
		}
		if ok, err := e.Enforce("u:x", "agent:a1", "view"); err != nil || ok {
			t.Errorf("with %v in casbin_rule, Enforce(u:x, agent:a1, view) = %v, %v; want false, nil", bad, ok, err)
		}
		write(t, st, 1)
		samePolicy(t, fmt.Sprintf("with %v, after a write", bad), st, e)
	}
}

// A change holding a line that is not roster's is applied without it: the
// enforcer skips the line (as the index does), takes the rest of the change
// and its version, and stays live.
func TestApplySkipsForeignLines(t *testing.T) {
	ctx := context.Background()
	var set enforcer.Set
	st := openStore(t, rostertest.SQLiteDSN(t), &set)
	write(t, st, 0)
	e, err := set.Get(ctx, st, "w1")
	if err != nil {
		t.Fatal(err)
	}
	before := heldPolicy(t, e)
	var added []access.Line
	for _, r := range foreignRows {
		added = append(added, store.LineOf(r))
	}
	added = append(added, access.PublicLine("w1", agent))
	if err := e.Apply(store.Change{Version: e.At() + 1, Workspace: "w1", Added: added}); err != nil {
		t.Fatalf("Apply of a change with foreign lines: %v", err)
	}
	want := append(slices.Clone(before), fmt.Sprint("p", []string{"public", "w1", "agent:a1", "view"}))
	slices.Sort(want)
	if got := heldPolicy(t, e); !slices.Equal(got, want) {
		t.Errorf("after the change the enforcer holds %q, want %q", got, want)
	}
	if ok, err := e.Enforce("u:x", "agent:a1", "edit"); err != nil || ok {
		t.Errorf("Enforce(u:x, agent:a1, edit) = %v, %v; want false, nil", ok, err)
	}
	removed := added[:len(added)-1]
	if err := e.Apply(store.Change{Version: e.At() + 1, Workspace: "w1", Removed: removed}); err != nil {
		t.Fatalf("Apply of a change removing foreign lines: %v", err)
	}
	if got := heldPolicy(t, e); !slices.Equal(got, want) {
		t.Errorf("after removing foreign lines the enforcer holds %q, want %q", got, want)
	}
}

// Every persisting method of the adapter is an error matching ErrForbidden,
// and so is every write attempted through the enforcer, even with auto-save
// turned back on; nothing reaches the database. The enforcer never starts
// auto-loading.
func TestWritesThroughTheEnforcerAreErrors(t *testing.T) {
	ctx := context.Background()
	var set enforcer.Set
	st := openStore(t, rostertest.SQLiteDSN(t), &set)
	write(t, st, 0)
	e, err := set.Get(ctx, st, "w1")
	if err != nil {
		t.Fatal(err)
	}
	if e.Synced().IsAutoLoadingRunning() {
		t.Fatal("auto-loading is running")
	}
	before := dbPolicy(t, st)
	rule := []string{"u:x", "w1", "agent:a1", "own"}
	a := enforcer.ReadOnlyAdapter()
	b := a
	_, updErr := b.UpdateFilteredPolicies("p", "p", [][]string{rule}, 0, "u:x")
	adapterCalls := map[string]error{
		"SavePolicy":             a.SavePolicy(nil),
		"AddPolicy":              a.AddPolicy("p", "p", rule),
		"RemovePolicy":           a.RemovePolicy("p", "p", rule),
		"RemoveFilteredPolicy":   a.RemoveFilteredPolicy("p", "p", 0, "u:x"),
		"AddPolicies":            b.AddPolicies("p", "p", [][]string{rule}),
		"RemovePolicies":         b.RemovePolicies("p", "p", [][]string{rule}),
		"UpdatePolicy":           b.UpdatePolicy("p", "p", rule, rule),
		"UpdatePolicies":         b.UpdatePolicies("p", "p", [][]string{rule}, [][]string{rule}),
		"UpdateFilteredPolicies": updErr,
	}
	for call, err := range adapterCalls {
		if !errors.Is(err, enforcer.ErrReadOnly) || !errors.Is(err, access.ErrForbidden) {
			t.Errorf("adapter %s: %v, want ErrReadOnly matching ErrForbidden", call, err)
		}
	}
	if err := a.LoadPolicy(nil); !errors.Is(err, access.ErrInvalid) {
		t.Errorf("adapter LoadPolicy: %v, want ErrInvalid (it would load every workspace)", err)
	}

	e.Synced().EnableAutoSave(true) // as if casbin ever wrote through the adapter
	_, addErr := e.Synced().AddPolicy("u:x", "w1", "agent:a1", "own")
	_, addsErr := e.Synced().AddPolicies([][]string{rule})
	_, remErr := e.Synced().RemoveGroupingPolicy("u:u0", "role:basic", "w1")
	_, updateErr := e.Synced().UpdatePolicy([]string{"u:u0", "w1", "agent:a1", "view"}, rule)
	enforcerCalls := map[string]error{
		"SavePolicy":           e.Synced().SavePolicy(),
		"AddPolicy":            addErr,
		"AddPolicies":          addsErr,
		"RemoveGroupingPolicy": remErr,
		"UpdatePolicy":         updateErr,
		"LoadPolicy":           e.Synced().LoadPolicy(),
	}
	for call, err := range enforcerCalls {
		if err == nil {
			t.Errorf("enforcer %s: no error", call)
		}
	}
	if after := dbPolicy(t, st); !slices.Equal(after, before) {
		t.Fatalf("the database changed:\n%v\n→\n%v", before, after)
	}
	if ok, _ := e.HasPolicy("u:x", "agent:a1", "own"); ok {
		t.Error("a refused AddPolicy left the line in the enforcer")
	}
}

// Close drops every enforcer and refuses to build more.
func TestSetClose(t *testing.T) {
	ctx := context.Background()
	var set enforcer.Set
	st := openStore(t, rostertest.SQLiteDSN(t), &set)
	write(t, st, 0)
	if set.Built("w1") {
		t.Fatal("built before first use")
	}
	if _, err := set.Get(ctx, st, "w1"); err != nil {
		t.Fatal(err)
	}
	set.Close()
	if set.Built("w1") {
		t.Fatal("still built after Close")
	}
	if _, err := set.Get(ctx, st, "w1"); !errors.Is(err, access.ErrClosed) {
		t.Fatalf("Get after Close: %v, want ErrClosed", err)
	}
}
