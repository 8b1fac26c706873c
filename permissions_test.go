package roster_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// This file checks the Directory's access answers end to end, on every
// store: the permission matrix of testdata/permissions.txt, and properties
// of Can, Visible, WhoCan, ACLFor and ACLOf over workspaces built through
// the public API.

// openDirectory opens a Directory on dsn with a fake clock and closes it at
// cleanup.
func openDirectory(t *testing.T, dsn string) *roster.Directory {
	t.Helper()
	d, err := roster.Open(context.Background(), roster.Config{DSN: fastDSN(dsn), Now: rostertest.NewClock().Now})
	if err != nil {
		t.Fatalf("Open(%s): %v", dsn, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// forEachStore runs test on every store (rostertest.ForEachStore), the
// stores in parallel with each other and with the package's other parallel
// tests: each gets a database of its own.
func forEachStore(t *testing.T, test func(t *testing.T, dsn string)) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		t.Parallel()
		test(t, dsn)
	})
}

// fastDSN lets a PostgreSQL test database commit without waiting for the
// disk (pgx sends unknown DSN parameters as run-time settings): the matrix
// commits thousands of times, and the database is thrown away.
func fastDSN(dsn string) string {
	if !strings.HasPrefix(dsn, "postgres://") {
		return dsn
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "synchronous_commit=off"
}

// unknownID is a well-formed id that names no user or group.
const unknownID = "00000000-0000-4000-8000-000000000000"

// matrixPrincipals are the principals of the permission matrix, in the
// order they register (the first becomes admin).
func matrixPrincipals() []string {
	return []string{"admin", "gcurator", "curator1", "curator2", "member1", "basic", "limited", "deadadmin"}
}

// matrixGroups are the fixture's groups: members, and those of them holding
// the curator flag.
func matrixGroups() []struct{ name, members, curators string } {
	return []struct{ name, members, curators string }{
		{"G1", "gcurator,curator1,member1,limited,deadadmin", "curator1"},
		{"G2", "curator2,admin", "curator2"},
		{"G3", "curator1", ""},
	}
}

// matrixResources are the fixture's resources, in the matrix's argument
// syntax, registered by System.
func matrixResources() []string {
	return []string{
		"connector:g1 groups=G1",
		"connector:g2 groups=G2",
		"connector:g12 groups=G1,G2",
		"connector:pub public",
		"connector:none",
		"connector:own1 owner=curator1",
		"document_set:g1 groups=G1 connectors=g1",
		"document_set:pub public connectors=g1",
		"agent:member1 owner=member1",
		"agent:basic owner=basic",
		"agent:limited owner=limited",
		"agent:deadadmin owner=deadadmin",
		"agent:curator1 owner=curator1 groups=G1",
		"agent:shared owner=admin shared=basic",
		"agent:g2 groups=G2",
	}
}

// fixture is one workspace holding the matrix's principals, groups and
// resources, by name.
type fixture struct {
	d      *roster.Directory
	w      *roster.Workspace
	users  map[string]string // principal → user id
	groups map[string]string // G1, G2, G3 → group id
	res    []access.Resource // the registered resources and those rows create
}

// newFixture builds the matrix's fixture in a new workspace wsID.
func newFixture(t *testing.T, d *roster.Directory, wsID string) *fixture {
	t.Helper()
	ctx := context.Background()
	w, err := d.CreateWorkspace(ctx, roster.System, wsID, "Fixture "+wsID)
	if err != nil {
		t.Fatalf("CreateWorkspace(%q): %v", wsID, err)
	}
	f := &fixture{d: d, w: w, users: map[string]string{}, groups: map[string]string{}}
	for _, p := range matrixPrincipals() {
		u, err := w.Users().Register(ctx, users.Registration{Email: p + "@example.com", Actor: roster.System})
		if err != nil {
			t.Fatalf("Register(%s): %v", p, err)
		}
		f.users[p] = u.ID
	}
	for p, role := range map[string]users.Role{"gcurator": users.RoleGlobalCurator, "limited": users.RoleLimited, "deadadmin": users.RoleAdmin} {
		if _, err := w.Users().SetRole(ctx, roster.System, f.users[p], role); err != nil {
			t.Fatalf("SetRole(%s, %s): %v", p, role, err)
		}
	}
	if _, err := w.Users().Deactivate(ctx, roster.System, f.users["deadadmin"]); err != nil {
		t.Fatalf("Deactivate(deadadmin): %v", err)
	}
	for _, g := range matrixGroups() {
		f.addGroup(t, g.name, g.members, g.curators)
	}
	for _, spec := range matrixResources() {
		row := parseArgs(strings.Fields(spec))
		r := parseResource(row.target)
		if _, err := w.Resources().Register(ctx, roster.System, r, f.facts(row)); err != nil {
			t.Fatalf("Register(%s): %v", spec, err)
		}
		f.res = append(f.res, r)
	}
	for _, k := range access.Kinds() {
		f.res = append(f.res, access.Resource{Kind: k, ID: "new"})
	}
	return f
}

func (f *fixture) addGroup(t *testing.T, name, members, curators string) {
	t.Helper()
	ctx := context.Background()
	g, err := f.w.CreateGroup(ctx, roster.System, name, roster.GroupContents{})
	if err != nil {
		t.Fatalf("Create(%s): %v", name, err)
	}
	f.groups[name] = g.ID
	if _, err := f.w.Groups().AddMembers(ctx, roster.System, g.ID, f.userIDs(members, "")); err != nil {
		t.Fatalf("AddMembers(%s): %v", name, err)
	}
	for _, c := range split(curators) {
		if _, err := f.w.Groups().SetCurator(ctx, roster.System, g.ID, f.users[c], true); err != nil {
			t.Fatalf("SetCurator(%s, %s): %v", name, c, err)
		}
	}
}

// split splits a comma-separated list; "" is the empty list.
func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// user returns the id of a principal name, "self" (the principal self) or
// "unknown". Names are checked when the matrix is read.
func (f *fixture) user(name, self string) string {
	switch name {
	case "self":
		return f.users[self]
	case "unknown":
		return unknownID
	}
	return f.users[name]
}

func (f *fixture) userIDs(names, self string) []string {
	var ids []string
	for _, n := range split(names) {
		ids = append(ids, f.user(n, self))
	}
	return ids
}

func (f *fixture) group(name string) string {
	if name == "unknown" {
		return unknownID
	}
	return f.groups[name]
}

func (f *fixture) groupIDs(names string) []string {
	var ids []string
	for _, n := range split(names) {
		ids = append(ids, f.group(n))
	}
	return ids
}

// facts returns the resource facts a row's arguments name.
func (f *fixture) facts(row matrixRow) resources.Facts {
	fa := resources.Facts{
		Owner:      f.user(row.kv["owner"], row.principal),
		Public:     row.kv["public"] == "true",
		Groups:     f.groupIDs(row.kv["groups"]),
		SharedWith: f.userIDs(row.kv["shared"], row.principal),
		Connectors: split(row.kv["connectors"]),
	}
	return fa
}

// parseResource parses kind:id; the id @long is one byte too long.
func parseResource(s string) access.Resource {
	kind, id, _ := strings.Cut(s, ":")
	if id == "@long" {
		id = strings.Repeat("x", access.MaxResourceIDLen+1)
	}
	return access.Resource{Kind: access.Kind(kind), ID: id}
}

// matrixRow is one row of testdata/permissions.txt.
type matrixRow struct {
	line      int
	text      string
	principal string
	op        string
	target    string            // the first argument when it is a group or a resource
	kv        map[string]string // key=value arguments; a bare `public` is public=true
	expect    string
}

// parseArgs parses a row's arguments: an optional target, then key=value
// pairs and bare flags.
func parseArgs(args []string) matrixRow {
	row := matrixRow{kv: map[string]string{}}
	for i, a := range args {
		k, v, ok := strings.Cut(a, "=")
		switch {
		case ok:
			row.kv[k] = v
		case i == 0 && a != "public":
			row.target = a
		default:
			row.kv[a] = "true"
		}
	}
	return row
}

// readMatrix reads the matrix and checks every name in it, so that a typo
// fails loudly instead of testing nothing.
func readMatrix(t *testing.T, path string) []matrixRow {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var rows []matrixRow
	sc := bufio.NewScanner(file)
	for n := 1; sc.Scan(); n++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		if len(fields) < 3 {
			t.Fatalf("%s:%d: want principal, operation, arguments and expected result", path, n)
		}
		row := parseArgs(fields[2 : len(fields)-1])
		row.line, row.text = n, strings.Join(fields, " ")
		row.principal, row.op, row.expect = fields[0], fields[1], fields[len(fields)-1]
		if err := checkRow(row); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func checkRow(row matrixRow) error {
	people := append(matrixPrincipals(), "unknown")
	if !slices.Contains(people, row.principal) {
		return fmt.Errorf("unknown principal %q", row.principal)
	}
	if _, ok := matrixOps()[row.op]; !ok {
		return fmt.Errorf("unknown operation %q", row.op)
	}
	if _, ok := matrixCodes()[row.expect]; !ok && row.expect != "allow" && row.expect != "noop" {
		return fmt.Errorf("unknown expected result %q", row.expect)
	}
	for _, k := range []string{"users", "user", "owner", "shared"} {
		for _, u := range split(row.kv[k]) {
			if u != "self" && !slices.Contains(people, u) {
				return fmt.Errorf("%s: unknown user %q", k, u)
			}
		}
	}
	names := []string{"unknown"}
	for _, g := range matrixGroups() {
		names = append(names, g.name)
	}
	groupArgs := slices.Concat(split(row.kv["groups"]), split(row.kv["group"]))
	if strings.HasPrefix(row.op, "group.") || row.op == "res.setattached" {
		groupArgs = append(groupArgs, row.target)
	}
	for _, g := range groupArgs {
		if g != "" && !slices.Contains(names, g) {
			return fmt.Errorf("unknown group %q", g)
		}
	}
	return nil
}

// errDenied stands for an access check that answered false without error.
var errDenied = errors.New("denied")

// matrixCodes maps the matrix's error codes to their test.
func matrixCodes() map[string]func(error) bool {
	is := func(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }
	return map[string]func(error) bool{
		"deny": is(errDenied),
		"FORBIDDEN": func(err error) bool {
			return errors.Is(err, roster.ErrForbidden) && !errors.Is(err, groups.ErrOutOfScope)
		},
		"OUT_OF_SCOPE":       is(groups.ErrOutOfScope),
		"NOT_FOUND":          is(roster.ErrNotFound),
		"INVALID":            is(roster.ErrInvalid),
		"CONFLICT":           is(roster.ErrConflict),
		"NOT_A_MEMBER":       is(groups.ErrNotAMember),
		"ALREADY_PRIVILEGED": is(groups.ErrAlreadyPrivileged),
		"NOT_ELIGIBLE":       is(groups.ErrNotEligible),
		"NO_GROUPS":          is(resources.ErrNoGroups),
		"DOCSET_RULE":        is(resources.ErrDocumentSetRule),
	}
}

// matrixOp is an operation of the matrix: whether it writes when allowed,
// and how to run a row of it. run returns the names a listing returned.
type matrixOp struct {
	writes bool
	run    func(ctx context.Context, f *fixture, row matrixRow) ([]string, error)
}

func (f *fixture) actor(row matrixRow) roster.Actor {
	return access.UserActor(f.user(row.principal, row.principal))
}

// groupName returns the name= argument; @long is one character too long,
// @max exactly as long as allowed.
func groupName(row matrixRow) string {
	switch n := row.kv["name"]; n {
	case "@long":
		return strings.Repeat("n", groups.MaxNameLen+1)
	case "@max":
		return strings.Repeat("n", groups.MaxNameLen)
	default:
		return n
	}
}

func matrixOps() map[string]matrixOp {
	return map[string]matrixOp{
		"group.create": {true, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.CreateGroup(ctx, f.actor(row), groupName(row), roster.GroupContents{})
			return nil, err
		}},
		"group.rename": {true, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.Groups().Rename(ctx, f.actor(row), f.group(row.target), groupName(row))
			return nil, err
		}},
		"group.delete": {true, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.Groups().Delete(ctx, f.actor(row), f.group(row.target))
			return nil, err
		}},
		"group.add": {true, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.Groups().AddMembers(ctx, f.actor(row), f.group(row.target), f.userIDs(row.kv["users"], row.principal))
			return nil, err
		}},
		"group.remove": {true, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.Groups().RemoveMembers(ctx, f.actor(row), f.group(row.target), f.userIDs(row.kv["users"], row.principal))
			return nil, err
		}},
		"group.set": {true, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.Groups().SetMembers(ctx, f.actor(row), f.group(row.target), f.userIDs(row.kv["users"], row.principal))
			return nil, err
		}},
		"group.curator": {true, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.Groups().SetCurator(ctx, f.actor(row), f.group(row.target), f.user(row.kv["user"], row.principal), row.kv["on"] == "true")
			return nil, err
		}},
		"group.list": {false, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			sums, _, err := f.w.Groups().List(ctx, f.actor(row), 0, 0)
			var names []string
			for _, s := range sums {
				names = append(names, s.Name)
			}
			return names, err
		}},
		"group.describe": {false, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.Groups().Describe(ctx, f.actor(row), f.group(row.target))
			return nil, err
		}},
		"group.members": {false, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, _, err := f.w.Groups().Members(ctx, f.actor(row), f.group(row.target), 0, 0)
			return nil, err
		}},
		"group.minimal": {false, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			gs, err := f.w.Groups().Minimal(ctx, f.actor(row))
			var names []string
			for _, g := range gs {
				names = append(names, g.Name)
			}
			return names, err
		}},
		"res.register": {true, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.Resources().Register(ctx, f.actor(row), parseResource(row.target), f.facts(row))
			return nil, err
		}},
		"res.update": {true, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.Resources().Update(ctx, f.actor(row), parseResource(row.target), f.facts(row))
			return nil, err
		}},
		"res.unregister": {true, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.Resources().Unregister(ctx, f.actor(row), parseResource(row.target))
			return nil, err
		}},
		"res.attach": {true, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.Resources().Attach(ctx, f.actor(row), f.group(row.kv["group"]), parseResource(row.target))
			return nil, err
		}},
		"res.detach": {true, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.Resources().Detach(ctx, f.actor(row), f.group(row.kv["group"]), parseResource(row.target))
			return nil, err
		}},
		"res.setattached": {true, func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
			_, err := f.w.Resources().SetAttached(ctx, f.actor(row), f.group(row.target), access.Kind(row.kv["kind"]), split(row.kv["ids"]))
			return nil, err
		}},
		"can.view": {false, canOp(access.View)},
		"can.edit": {false, canOp(access.Edit)},
	}
}

func canOp(act access.Action) func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
	return func(ctx context.Context, f *fixture, row matrixRow) ([]string, error) {
		ok, err := f.w.Access().Can(ctx, f.user(row.principal, row.principal), act, parseResource(row.target))
		if err == nil && !ok {
			err = errDenied
		}
		if err != nil && ok {
			return nil, fmt.Errorf("Can answered true with error %w", err)
		}
		return nil, err
	}
}

// accessState is everything the matrix checks a refused row leaves alone:
// the Directory's version (an unchanged version means nothing was committed)
// and every answer of the index (see snapshot).
type accessState struct {
	version int64
	answers map[string]string
}

func (f *fixture) state(t *testing.T) accessState {
	t.Helper()
	return accessState{version: f.d.Version(), answers: snapshot(t, f.population())}
}

// diff lists the answers that differ between two states.
func (st accessState) diff(after accessState) []string {
	var out []string
	if st.version != after.version {
		out = append(out, fmt.Sprintf("version %d → %d", st.version, after.version))
	}
	for k, v := range st.answers {
		if after.answers[k] != v {
			out = append(out, fmt.Sprintf("%s: %q → %q", k, v, after.answers[k]))
		}
	}
	slices.Sort(out)
	return out
}

func TestPermissionMatrix(t *testing.T) {
	rows := readMatrix(t, "testdata/permissions.txt")
	forEachStore(t, func(t *testing.T, dsn string) {
		fresh := fixtures(t, dsn)
		var f *fixture
		for _, row := range rows {
			if f == nil {
				f = fresh()
			}
			wrote := false
			name := fmt.Sprintf("%d_%s_%s_%s", row.line, row.principal, row.op, row.target)
			t.Run(name, func(t *testing.T) { wrote = runMatrixRow(t, f, row) })
			if wrote {
				f = nil // the next row gets a fresh fixture
			}
		}
	})
}

// fixtures returns a function that makes a fresh fixture on dsn's store at
// each call. On PostgreSQL each fixture is a new workspace of one Directory.
// On SQLite the fixture is built once and each call opens a Directory on a
// copy of the database file: the pure-Go SQLite is slow under the race
// detector, and the matrix needs a fresh fixture after every allowed write.
func fixtures(t *testing.T, dsn string) func() *fixture {
	path, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok {
		d := openDirectory(t, dsn)
		n := 0
		return func() *fixture {
			n++
			return newFixture(t, d, fmt.Sprintf("matrix%d", n))
		}
	}
	prev := openDirectory(t, dsn)
	tmpl := newFixture(t, prev, "matrix")
	n := 0
	return func() *fixture {
		must(t, "Close", prev.Close())
		n++
		copyPath := fmt.Sprintf("%s.%d", path, n)
		for _, suffix := range []string{"", "-wal"} {
			data, err := os.ReadFile(path + suffix)
			if errors.Is(err, os.ErrNotExist) && suffix != "" {
				continue
			}
			must(t, "read the fixture", err)
			must(t, "copy the fixture", os.WriteFile(copyPath+suffix, data, 0o600))
		}
		f := *tmpl
		f.d = openDirectory(t, "sqlite:"+copyPath)
		w, err := f.d.Workspace(context.Background(), "matrix")
		must(t, "Workspace", err)
		f.w, prev = w, f.d
		return &f
	}
}

// runMatrixRow runs one row on f and reports whether it committed a change.
func runMatrixRow(t *testing.T, f *fixture, row matrixRow) (wrote bool) {
	op := matrixOps()[row.op]
	before := f.state(t)
	got, err := op.run(context.Background(), f, row)
	after := f.state(t)
	wrote = after.version != before.version
	if row.expect == "allow" || row.expect == "noop" {
		if err != nil {
			t.Errorf("%s\ngot error %v, want allow", row.text, err)
			return wrote
		}
		if want, ok := row.kv["want"]; ok && !slices.Equal(got, split(want)) {
			t.Errorf("%s\ngot %q, want %q", row.text, got, split(want))
		}
		if op.writes && row.expect == "allow" {
			if !wrote {
				t.Errorf("%s\nallowed, but committed no new version", row.text)
			}
			return wrote
		}
	} else if !matrixCodes()[row.expect](err) {
		t.Errorf("%s\ngot %v, want %s", row.text, err, row.expect)
	}
	if d := before.diff(after); len(d) > 0 {
		t.Errorf("%s\nchanged what it must leave alone:\n  %s", row.text, strings.Join(d, "\n  "))
	}
	return wrote
}
