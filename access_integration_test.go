package roster_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/internal/store"
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
	g, err := f.w.Groups().Create(ctx, roster.System, name)
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
	return roster.AsUser(f.user(row.principal, row.principal))
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
			_, err := f.w.Groups().Create(ctx, f.actor(row), groupName(row))
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

// population names what a snapshot of a workspace's answers covers.
type population struct {
	w     *roster.Workspace
	users []string
	res   []access.Resource
	names map[string]string // user id → name in messages; the id if absent
}

func (f *fixture) population() population {
	p := population{w: f.w, res: f.res, names: map[string]string{}}
	for _, name := range matrixPrincipals() {
		p.users = append(p.users, f.users[name])
		p.names[f.users[name]] = name
	}
	return p
}

func (p population) name(userID string) string {
	if n, ok := p.names[userID]; ok {
		return n
	}
	return userID
}

// buildWorld builds a random-ish workspace through the public API: users of
// every role (some deactivated, one curator promoted away from their flags),
// groups with members and curator flags, and resources of every kind with
// random owners, public flags, groups and shares.
func buildWorld(t *testing.T, d *roster.Directory, wsID string, seed uint64) population {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 42))
	w, err := d.CreateWorkspace(ctx, roster.System, wsID, "World "+wsID)
	must(t, "CreateWorkspace", err)
	p := population{w: w}
	roles := map[string]users.Role{}
	for i := range 10 {
		u, err := w.Users().Register(ctx, users.Registration{Email: fmt.Sprintf("u%d@example.com", i), Actor: roster.System})
		must(t, "Register", err)
		p.users, roles[u.ID] = append(p.users, u.ID), u.Role
		if role := []users.Role{users.RoleAdmin, users.RoleGlobalCurator, users.RoleLimited}[rng.IntN(3)]; i > 0 && rng.IntN(2) == 0 {
			_, err := w.Users().SetRole(ctx, roster.System, u.ID, role)
			must(t, "SetRole", err)
			roles[u.ID] = role
		}
	}
	var groupIDs, flagged []string
	for i := range 4 {
		g, err := w.Groups().Create(ctx, roster.System, fmt.Sprintf("group %d", i))
		must(t, "Create", err)
		groupIDs = append(groupIDs, g.ID)
		members := pick(rng, p.users, 0.4)
		_, err = w.Groups().AddMembers(ctx, roster.System, g.ID, members)
		must(t, "AddMembers", err)
		for _, m := range members {
			if (roles[m] == users.RoleBasic || roles[m] == users.RoleCurator) && rng.IntN(2) == 0 {
				_, err := w.Groups().SetCurator(ctx, roster.System, g.ID, m, true)
				must(t, "SetCurator", err)
				roles[m], flagged = users.RoleCurator, append(flagged, m)
			}
		}
	}
	for i := range 18 {
		r := access.Resource{Kind: access.Kinds()[i%3], ID: fmt.Sprintf("r%02d", i)}
		f := resources.Facts{Public: rng.IntN(5) == 0, Groups: pick(rng, groupIDs, 0.3)}
		if rng.IntN(2) == 0 {
			f.Owner = p.users[rng.IntN(len(p.users))]
		}
		if r.Kind == access.Agent {
			f.SharedWith = pick(rng, p.users, 0.15)
		}
		_, err := w.Resources().Register(ctx, roster.System, r, f)
		must(t, "Register "+r.String(), err)
		p.res = append(p.res, r)
	}
	if len(flagged) > 0 {
		_, err := w.Users().SetRole(ctx, roster.System, flagged[0], users.RoleGlobalCurator)
		must(t, "SetRole of a curator", err)
	}
	for _, u := range pick(rng, p.users[1:], 0.2) {
		_, err := w.Users().Deactivate(ctx, roster.System, u)
		must(t, "Deactivate", err)
	}
	return p
}

// pick returns each element of xs with probability p, in order.
func pick(rng *rand.Rand, xs []string, p float64) []string {
	var out []string
	for _, x := range xs {
		if rng.Float64() < p {
			out = append(out, x)
		}
	}
	return out
}

func must(t *testing.T, call string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
}

// can is Access.Can that fails the test on an error.
func can(t *testing.T, p population, user string, act access.Action, r access.Resource) bool {
	t.Helper()
	ok, err := p.w.Access().Can(context.Background(), user, act, r)
	if err != nil {
		t.Fatalf("Can(%s, %s, %s): %v", user, act, r, err)
	}
	return ok
}

func TestAccessAnswersAgreeWithCan(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		d := openDirectory(t, dsn)
		for seed := uint64(1); seed <= 3; seed++ {
			p := buildWorld(t, d, fmt.Sprintf("world%d", seed), seed)
			t.Run(fmt.Sprintf("seed%d/acl", seed), func(t *testing.T) { checkACL(t, p) })
			t.Run(fmt.Sprintf("seed%d/visible", seed), func(t *testing.T) { checkVisible(t, p) })
			t.Run(fmt.Sprintf("seed%d/whocan", seed), func(t *testing.T) { checkWhoCan(t, p) })
		}
	})
}

// checkACL: ACLFor(user) and ACLOf(resource) intersect exactly when Can
// allows view.
func checkACL(t *testing.T, p population) {
	ctx := context.Background()
	allowed := 0
	for _, u := range p.users {
		mine, err := p.w.Access().ACLFor(ctx, u)
		must(t, "ACLFor", err)
		for _, r := range p.res {
			theirs, err := p.w.Access().ACLOf(ctx, r)
			must(t, "ACLOf", err)
			got := slices.ContainsFunc(mine, func(tok string) bool { return slices.Contains(theirs, tok) })
			if want := can(t, p, u, access.View, r); got != want {
				t.Errorf("user %s, %s: ACLFor %q ∩ ACLOf %q non-empty = %v, Can(view) = %v", u, r, mine, theirs, got, want)
			}
			if got {
				allowed++
			}
		}
	}
	if allowed == 0 || allowed == len(p.users)*len(p.res) {
		t.Errorf("%d of %d pairs allowed: the world tests nothing", allowed, len(p.users)*len(p.res))
	}
}

// checkVisible: Visible lists exactly what Can allows, and pages of every
// size, cursor to cursor, reassemble that list.
func checkVisible(t *testing.T, p population) {
	ctx := context.Background()
	for _, u := range p.users {
		for _, k := range access.Kinds() {
			var want []string
			for _, r := range p.res {
				if r.Kind == k && can(t, p, u, access.View, r) {
					want = append(want, r.ID)
				}
			}
			all, next, err := p.w.Access().Visible(ctx, u, k, roster.Page{})
			if err != nil || next != "" || !slices.Equal(all, want) {
				t.Errorf("Visible(%s, %s) = %q, next %q, %v; want %q, \"\"", u, k, all, next, err, want)
			}
			for size := 1; size <= 3; size++ {
				if got := visiblePaged(t, p, u, k, size); !slices.Equal(got, want) {
					t.Errorf("Visible(%s, %s) by pages of %d = %q, want %q", u, k, size, got, want)
				}
			}
		}
	}
}

func visiblePaged(t *testing.T, p population, u string, k access.Kind, size int) []string {
	t.Helper()
	var got []string
	cursor := ""
	for range len(p.res) + 2 {
		ids, next, err := p.w.Access().Visible(context.Background(), u, k, roster.Page{After: cursor, Limit: size})
		must(t, "Visible", err)
		if len(ids) > size || (next != "" && len(ids) != size) {
			t.Fatalf("Visible(%s, %s, after %q, limit %d) = %q, next %q: page too long or silently short", u, k, cursor, size, ids, next)
		}
		got = append(got, ids...)
		if next == "" {
			return got
		}
		cursor = next
	}
	t.Fatalf("Visible(%s, %s) by pages of %d never ended", u, k, size)
	return nil
}

// checkWhoCan: WhoCan lists exactly the users Can allows.
func checkWhoCan(t *testing.T, p population) {
	for _, r := range p.res {
		for _, act := range []access.Action{access.View, access.Edit} {
			var want []string
			for _, u := range p.users {
				if can(t, p, u, act, r) {
					want = append(want, u)
				}
			}
			slices.Sort(want)
			got, err := p.w.Access().WhoCan(context.Background(), r, act)
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("WhoCan(%s, %s) = %q, %v; want %q", r, act, got, err, want)
			}
		}
	}
}

// snapshot records every answer of a workspace: Can, Explain, Visible,
// WhoCan, ACLFor and ACLOf for every user, resource, kind and action.
func snapshot(t *testing.T, p population) map[string]string {
	t.Helper()
	ctx := context.Background()
	ac := p.w.Access()
	out := map[string]string{}
	for _, u := range p.users {
		n := p.name(u)
		for _, r := range p.res {
			for _, act := range []access.Action{access.View, access.Edit} {
				ok, err := ac.Can(ctx, u, act, r)
				ex, exErr := ac.Explain(ctx, u, act, r)
				out[fmt.Sprintf("Can(%s, %s, %s)", n, act, r)] = fmt.Sprint(ok, err, ex, exErr)
			}
		}
		for _, k := range access.Kinds() {
			ids, next, err := ac.Visible(ctx, u, k, roster.Page{})
			out[fmt.Sprintf("Visible(%s, %s)", n, k)] = fmt.Sprint(ids, next, err)
		}
		acl, err := ac.ACLFor(ctx, u)
		out["ACLFor("+n+")"] = fmt.Sprint(acl, err)
	}
	for _, r := range p.res {
		for _, act := range []access.Action{access.View, access.Edit} {
			who, err := ac.WhoCan(ctx, r, act)
			out[fmt.Sprintf("WhoCan(%s, %s)", r, act)] = fmt.Sprint(who, err)
		}
		acl, err := ac.ACLOf(ctx, r)
		out["ACLOf("+r.String()+")"] = fmt.Sprint(acl, err)
	}
	return out
}

func TestReopenGivesTheSameAnswers(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := openDirectory(t, dsn)
		pops := []population{buildWorld(t, d, "world", 7), newFixture(t, d, "fixture").population()}
		// Changes after the build, so the reload must replay removals too.
		f := pops[1]
		_, err := f.w.Resources().Unregister(ctx, roster.System, f.res[0])
		must(t, "Unregister", err)
		_, err = f.w.Users().Activate(ctx, roster.System, f.users[len(f.users)-1])
		must(t, "Activate", err)
		var before []map[string]string
		for _, p := range pops {
			before = append(before, snapshot(t, p))
		}
		version := d.Version()
		must(t, "Close", d.Close())

		d2 := openDirectory(t, dsn)
		if got := d2.Version(); got != version {
			t.Errorf("Version after reopen = %d, want %d", got, version)
		}
		for i, p := range pops {
			w, err := d2.Workspace(ctx, p.w.ID())
			must(t, "Workspace", err)
			p.w = w
			after := snapshot(t, p)
			for k, v := range before[i] {
				if after[k] != v {
					t.Errorf("workspace %s, %s after reopen:\n got %s\nwant %s", w.ID(), k, after[k], v)
				}
			}
		}
	})
}

func TestDeactivationDeniesAtOnceAndActivateRestores(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newFixture(t, openDirectory(t, dsn), "fixture")
		p := f.population()
		us := f.w.Users()
		for _, name := range []string{"member1", "gcurator", "curator1"} {
			id := f.users[name]
			before := snapshot(t, p)
			_, err := us.Deactivate(ctx, roster.System, id)
			must(t, "Deactivate "+name, err)
			deniedEverything(t, p, id)
			_, err = us.Activate(ctx, roster.System, id)
			must(t, "Activate "+name, err)
			if d := diffMaps(before, snapshot(t, p)); len(d) > 0 {
				t.Errorf("after Activate(%s), answers differ from before Deactivate:\n  %s", name, strings.Join(d, "\n  "))
			}
		}
		// The deactivated admin is denied like anyone, and Activate gives them
		// every resource again.
		dead := f.users["deadadmin"]
		deniedEverything(t, p, dead)
		_, err := us.Activate(ctx, roster.System, dead)
		must(t, "Activate deadadmin", err)
		for _, r := range f.res[:len(f.res)-len(access.Kinds())] {
			if !can(t, p, dead, access.View, r) || !can(t, p, dead, access.Edit, r) {
				t.Errorf("reactivated admin cannot view and edit %s", r)
			}
		}
	})
}

// deniedEverything checks that a user gets no access answer at all.
func deniedEverything(t *testing.T, p population, user string) {
	t.Helper()
	ctx := context.Background()
	ac := p.w.Access()
	for _, r := range p.res {
		for _, act := range []access.Action{access.View, access.Edit} {
			if ok, err := ac.Can(ctx, user, act, r); ok || (err != nil && !errors.Is(err, roster.ErrNotFound)) {
				t.Errorf("deactivated: Can(%s, %s) = %v, %v; want false", act, r, ok, err)
			}
		}
		who, err := ac.WhoCan(ctx, r, access.View)
		if err != nil || slices.Contains(who, user) {
			t.Errorf("deactivated: WhoCan(%s) = %q, %v; want without them", r, who, err)
		}
	}
	for _, k := range access.Kinds() {
		if ids, _, err := ac.Visible(ctx, user, k, roster.Page{}); len(ids) > 0 || err != nil {
			t.Errorf("deactivated: Visible(%s) = %q, %v; want none", k, ids, err)
		}
	}
	if acl, err := ac.ACLFor(ctx, user); len(acl) > 0 || err != nil {
		t.Errorf("deactivated: ACLFor = %q, %v; want empty", acl, err)
	}
	ex, err := ac.Explain(ctx, user, access.View, p.res[0])
	if err != nil || ex.Allowed || ex.Reason != access.ReasonDeactivated {
		t.Errorf("deactivated: Explain = %+v, %v; want denied as deactivated", ex, err)
	}
}

func diffMaps(before, after map[string]string) []string {
	var out []string
	for k, v := range before {
		if after[k] != v {
			out = append(out, fmt.Sprintf("%s: %s → %s", k, v, after[k]))
		}
	}
	slices.Sort(out)
	return out
}

func TestWorkspaceIsolation(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := openDirectory(t, dsn)
		a, b := newFixture(t, d, "a"), newFixture(t, d, "b")
		onlyA := access.Resource{Kind: access.Connector, ID: "only-a"}
		_, err := a.w.Resources().Register(ctx, roster.System, onlyA, resources.Facts{Public: true})
		must(t, "Register", err)
		a.res = append(a.res, onlyA)
		before := a.state(t)

		// B's users see nothing of A's, through either workspace's handle.
		for _, name := range matrixPrincipals() {
			bu := b.users[name]
			if ok, err := b.w.Access().Can(ctx, bu, access.View, onlyA); ok || !errors.Is(err, roster.ErrNotFound) {
				t.Errorf("B's %s: Can(view, A's resource) in B = %v, %v; want false, ErrNotFound", name, ok, err)
			}
			if ok, err := a.w.Access().Can(ctx, bu, access.View, onlyA); ok || !errors.Is(err, roster.ErrNotFound) {
				t.Errorf("B's %s: Can(view, A's resource) in A = %v, %v; want false, ErrNotFound", name, ok, err)
			}
			ids, _, err := b.w.Access().Visible(ctx, bu, access.Connector, roster.Page{})
			if err != nil || slices.Contains(ids, onlyA.ID) {
				t.Errorf("B's %s: Visible = %q, %v; want without %s", name, ids, err, onlyA.ID)
			}
			if ids, _, err := a.w.Access().Visible(ctx, bu, access.Connector, roster.Page{}); len(ids) > 0 || err != nil {
				t.Errorf("B's %s: Visible in A = %q, %v; want none", name, ids, err)
			}
			mine, err := b.w.Access().ACLFor(ctx, bu)
			must(t, "ACLFor", err)
			for _, r := range a.res {
				theirs, err := a.w.Access().ACLOf(ctx, r)
				must(t, "ACLOf", err)
				if slices.ContainsFunc(mine, func(tok string) bool { return slices.Contains(theirs, tok) }) {
					t.Errorf("B's %s: ACLFor %q meets ACLOf(A's %s) %q", name, mine, r, theirs)
				}
			}
		}
		who, err := a.w.Access().WhoCan(ctx, onlyA, access.View)
		must(t, "WhoCan", err)
		for _, u := range who {
			if slices.Contains(b.population().users, u) {
				t.Errorf("WhoCan(A's resource) holds B's user %s", u)
			}
		}

		// B's admin cannot touch A's groups or resources: through B's handle
		// they do not exist; through A's handle B's admin is nobody.
		bAdmin := roster.AsUser(b.users["admin"])
		g1, r := a.groups["G1"], access.Resource{Kind: access.Connector, ID: "g1"}
		refusals := []struct {
			call string
			err  error
			want error
		}{
			{"B.Rename(A's G1)", second(b.w.Groups().Rename(ctx, bAdmin, g1, "Mine"))(), roster.ErrNotFound},
			{"B.Delete(A's G1)", second(b.w.Groups().Delete(ctx, bAdmin, g1))(), roster.ErrNotFound},
			{"B.AddMembers(A's G1)", second(b.w.Groups().AddMembers(ctx, bAdmin, g1, []string{b.users["basic"]}))(), roster.ErrNotFound},
			{"B.SetCurator(A's G1)", second(b.w.Groups().SetCurator(ctx, bAdmin, g1, a.users["member1"], true))(), roster.ErrNotFound},
			{"B.Describe(A's G1)", second(b.w.Groups().Describe(ctx, bAdmin, g1))(), roster.ErrNotFound},
			{"B.Attach(A's resource to A's G1)", second(b.w.Resources().Attach(ctx, bAdmin, g1, onlyA))(), roster.ErrNotFound},
			{"B.Register(in A's G1)", second(b.w.Resources().Register(ctx, bAdmin, access.Resource{Kind: access.Connector, ID: "x"}, resources.Facts{Groups: []string{g1}}))(), roster.ErrNotFound},
			{"B.Unregister(A's only resource)", second(b.w.Resources().Unregister(ctx, bAdmin, onlyA))(), roster.ErrNotFound},
			{"A.Rename(G1) as B's admin", second(a.w.Groups().Rename(ctx, bAdmin, g1, "Mine"))(), roster.ErrForbidden},
			{"A.AddMembers(G1) as B's admin", second(a.w.Groups().AddMembers(ctx, bAdmin, g1, []string{a.users["basic"]}))(), roster.ErrForbidden},
			{"A.Detach(g1) as B's admin", second(a.w.Resources().Detach(ctx, bAdmin, g1, r))(), roster.ErrForbidden},
			{"A.Unregister(g1) as B's admin", second(a.w.Resources().Unregister(ctx, bAdmin, r))(), roster.ErrForbidden},
		}
		for _, c := range refusals {
			if !errors.Is(c.err, c.want) {
				t.Errorf("%s: %v, want %v", c.call, c.err, c.want)
			}
		}
		if diff := before.diff(a.state(t)); len(diff) > 0 {
			t.Errorf("workspace A changed:\n  %s", strings.Join(diff, "\n  "))
		}
	})
}

// second returns a call's error, for tables of calls whose first result does
// not matter.
func second[T any](_ T, err error) func() error { return func() error { return err } }

func TestClosedDirectoryDeniesEveryAnswer(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		d := openDirectory(t, dsn)
		f := newFixture(t, d, "fixture")
		admin, r := f.users["admin"], access.Resource{Kind: access.Connector, ID: "g1"}
		if !can(t, f.population(), admin, access.View, r) {
			t.Fatalf("admin cannot view %s before Close", r)
		}
		must(t, "Close", d.Close())
		ac := f.w.Access()
		for _, act := range []access.Action{access.View, access.Edit} {
			if ok, err := ac.Can(ctx, admin, act, r); ok || !errors.Is(err, roster.ErrClosed) {
				t.Errorf("Can(%s) after Close = %v, %v; want false, ErrClosed", act, ok, err)
			}
		}
		calls := []struct {
			call string
			err  error
		}{
			{"Visible", func() error { _, _, err := ac.Visible(ctx, admin, access.Connector, roster.Page{}); return err }()},
			{"WhoCan", second(ac.WhoCan(ctx, r, access.View))()},
			{"Explain", second(ac.Explain(ctx, admin, access.View, r))()},
			{"ACLFor", second(ac.ACLFor(ctx, admin))()},
			{"ACLOf", second(ac.ACLOf(ctx, r))()},
			{"Groups.Create", second(f.w.Groups().Create(ctx, roster.System, "New"))()},
			{"Groups.Minimal", second(f.w.Groups().Minimal(ctx, roster.System))()},
			{"Groups.AddMembers", second(f.w.Groups().AddMembers(ctx, roster.System, f.groups["G1"], []string{f.users["basic"]}))()},
			{"Resources.Register", second(f.w.Resources().Register(ctx, roster.System, access.Resource{Kind: access.Agent, ID: "x"}, resources.Facts{}))()},
			{"Resources.Attach", second(f.w.Resources().Attach(ctx, roster.System, f.groups["G2"], r))()},
			{"Resources.Facts", second(f.w.Resources().Facts(ctx, r))()},
		}
		for _, c := range calls {
			if !errors.Is(c.err, roster.ErrClosed) {
				t.Errorf("%s after Close: %v, want ErrClosed", c.call, c.err)
			}
		}
	})
}

func TestDeleteUserRemovesMembershipsFlagsAndShares(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newFixture(t, openDirectory(t, dsn), "fixture")
		basic, g1 := f.users["basic"], f.groups["G1"]
		shared, owned := access.Resource{Kind: access.Agent, ID: "shared"}, access.Resource{Kind: access.Connector, ID: "ownb"}
		_, err := f.w.Groups().AddMembers(ctx, roster.System, g1, []string{basic})
		must(t, "AddMembers", err)
		_, err = f.w.Groups().SetCurator(ctx, roster.System, g1, basic, true)
		must(t, "SetCurator", err)
		_, err = f.w.Users().TransferOwnership(ctx, roster.System, basic, f.users["admin"])
		must(t, "TransferOwnership", err)
		// A connector the user owns does not block the delete.
		_, err = f.w.Resources().Register(ctx, roster.System, owned, resources.Facts{Owner: basic})
		must(t, "Register", err)
		f.res = append(f.res, owned)
		_, err = f.w.Users().Deactivate(ctx, roster.System, basic)
		must(t, "Deactivate", err)
		must(t, "Delete", f.w.Users().Delete(ctx, roster.System, basic))

		ac := f.w.Access()
		if ok, err := ac.Can(ctx, basic, access.View, shared); ok || !errors.Is(err, roster.ErrNotFound) {
			t.Errorf("Can(deleted user) = %v, %v; want false, ErrNotFound", ok, err)
		}
		for _, r := range f.res {
			acl, err := ac.ACLOf(ctx, r)
			must(t, "ACLOf", err)
			who, err := ac.WhoCan(ctx, r, access.View)
			must(t, "WhoCan", err)
			if slices.Contains(acl, "user:"+basic) || slices.Contains(who, basic) {
				t.Errorf("%s still names the deleted user: ACLOf %q, WhoCan %q", r, acl, who)
			}
		}
		members, _, err := f.w.Groups().Members(ctx, roster.System, g1, 0, 0)
		must(t, "Members", err)
		for _, m := range members {
			if m.UserID == basic {
				t.Errorf("the deleted user is still a member of G1: %+v", m)
			}
		}
		if facts, err := f.w.Resources().Facts(ctx, shared); err != nil || len(facts.SharedWith) > 0 {
			t.Errorf("Facts(%s) = %+v, %v; want no share left", shared, facts, err)
		}
		if facts, err := f.w.Resources().Facts(ctx, owned); err != nil || facts.Owner != "" {
			t.Errorf("Facts(%s) = %+v, %v; want it registered, without owner", owned, facts, err)
		}

		// The policy lines themselves: an index loaded from the database holds
		// nothing of the user.
		ix := loadIndex(t, dsn)
		ws := f.w.ID()
		if gf, _ := ix.GroupFacts(ws, g1); slices.Contains(gf.Members, basic) || slices.Contains(gf.Curators, basic) {
			t.Errorf("reloaded G1 = %+v, holds the deleted user", gf)
		}
		if rf, _ := ix.ResourceFacts(ws, shared); slices.Contains(rf.Shares, basic) {
			t.Errorf("reloaded %s = %+v, still shared with the deleted user", shared, rf)
		}
		if rf, _ := ix.ResourceFacts(ws, owned); !rf.Exists || len(rf.Owners) > 0 {
			t.Errorf("reloaded %s = %+v, want registered without owner", owned, rf)
		}
		if role, ok := ix.Role(ws, basic); ok {
			t.Errorf("reloaded role of the deleted user = %q, want none", role)
		}
	})
}

// loadIndex builds an access index from the policy lines in the database.
func loadIndex(t *testing.T, dsn string) *access.Index {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DSN: dsn, SkipMigrations: true, Logger: slog.New(slog.DiscardHandler), Now: time.Now})
	must(t, "store.Open", err)
	defer st.Close()
	ix := access.NewIndex()
	_, err = st.LoadLines(ctx, func(lines []access.Line) { ix.Apply(lines, nil) })
	must(t, "LoadLines", err)
	return ix
}
