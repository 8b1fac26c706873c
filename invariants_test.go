package roster_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/oracle"
	"github.com/rosterhq/roster/users"
)

// This file holds what the stateful random test (stateful_test.go) and the
// fault injection test (faults_test.go) check a Directory with: the policy
// lines read straight from the database, the brute-force model of
// internal/oracle over them, the access index rebuilt from them, and every
// answer of the public query surface over a universe of users and
// resources.

// openGorm opens a gorm connection of the test's own on dsn, closed at
// cleanup: to read the database behind the Directory's back, and, for
// Config.DB, to inject faults.
func openGorm(t *testing.T, dsn string) *gorm.DB {
	t.Helper()
	var dial gorm.Dialector
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		dial = sqlite.Open(roster.SQLiteDSN(path))
	} else {
		dial = postgres.Open(fastDSN(dsn))
	}
	db, err := gorm.Open(dial, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	return db
}

// dbLines reads every row of casbin_rule.
func dbLines(ctx context.Context, db *gorm.DB) ([]access.Line, error) {
	var rows []struct{ Ptype, V0, V1, V2, V3, V4, V5 string }
	err := db.WithContext(ctx).Raw(`SELECT ptype, v0, v1, v2, v3, v4, v5 FROM casbin_rule`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read casbin_rule: %w", err)
	}
	lines := make([]access.Line, len(rows))
	for i, r := range rows {
		lines[i] = access.Line{PType: r.Ptype, V0: r.V0, V1: r.V1, V2: r.V2, V3: r.V3, V4: r.V4, V5: r.V5}
	}
	return lines, nil
}

// dbState is the policy as the database holds it: its lines, their
// brute-force model, and the access index rebuilt from them.
type dbState struct {
	lines []access.Line
	model *oracle.Model
	index *access.Index
}

func readDBState(ctx context.Context, db *gorm.DB) (dbState, error) {
	lines, err := dbLines(ctx, db)
	if err != nil {
		return dbState{}, err
	}
	ol := make([]oracle.Line, len(lines))
	for i, l := range lines {
		ol[i] = oracle.Line{l.PType, l.V0, l.V1, l.V2, l.V3, l.V4, l.V5}
	}
	ix := access.NewIndex()
	ix.Apply(lines, nil)
	return dbState{lines: lines, model: oracle.New(ol), index: ix}, nil
}

// universe is what the answers are asked about: every user and resource a
// test has seen, including deleted ones and ids nobody registered.
type universe struct {
	users []string
	res   []access.Resource
}

func canKey(u string, act access.Action, r access.Resource) string {
	return fmt.Sprintf("Can(%s, %s, %s)", u, act, r)
}

// dirAnswers renders every answer of w's public query surface over un.
// An answer that is an error renders as the empty answer.
func dirAnswers(ctx context.Context, w *roster.Workspace, un universe) map[string]string {
	a := w.Access()
	out := map[string]string{}
	for _, u := range un.users {
		for _, r := range un.res {
			for _, act := range []access.Action{access.View, access.Edit} {
				ok, err := a.Can(ctx, u, act, r)
				out[canKey(u, act, r)] = fmt.Sprint(ok && err == nil)
			}
		}
		for _, k := range access.Kinds() {
			ids, _, _ := a.Visible(ctx, u, k, roster.Page{})
			out[fmt.Sprintf("Visible(%s, %s)", u, k)] = strings.Join(ids, " ")
		}
		acl, _ := a.ACLFor(ctx, u)
		out["ACLFor("+u+")"] = strings.Join(acl, " ")
	}
	for _, r := range un.res {
		for _, act := range []access.Action{access.View, access.Edit} {
			who, _ := a.WhoCan(ctx, r, act)
			out[fmt.Sprintf("WhoCan(%s, %s)", r, act)] = strings.Join(who, " ")
		}
		acl, _ := a.ACLOf(ctx, r)
		out["ACLOf("+r.String()+")"] = strings.Join(acl, " ")
	}
	return out
}

// indexAnswers renders the same answers as dirAnswers from an index.
func indexAnswers(ix *access.Index, ws string, un universe) map[string]string {
	out := map[string]string{}
	for _, u := range un.users {
		_, known := ix.Role(ws, u)
		for _, r := range un.res {
			for _, act := range []access.Action{access.View, access.Edit} {
				out[canKey(u, act, r)] = fmt.Sprint(known && ix.Exists(ws, r) && ix.Can(ws, u, act, r))
			}
		}
		for _, k := range access.Kinds() {
			var ids []string
			if known {
				ids, _ = ix.Visible(ws, u, k, "", 0)
			}
			out[fmt.Sprintf("Visible(%s, %s)", u, k)] = strings.Join(ids, " ")
		}
		var acl []string
		if known {
			acl = ix.ACLFor(ws, u)
		}
		out["ACLFor("+u+")"] = strings.Join(acl, " ")
	}
	for _, r := range un.res {
		for _, act := range []access.Action{access.View, access.Edit} {
			out[fmt.Sprintf("WhoCan(%s, %s)", r, act)] = strings.Join(ix.WhoCan(ws, r, act), " ")
		}
		out["ACLOf("+r.String()+")"] = strings.Join(ix.ACLOf(ws, r), " ")
	}
	return out
}

// diffAnswers lists the answers that differ, at most max of them.
func diffAnswers(want, got map[string]string, max int) []string {
	var out []string
	for k, v := range want {
		switch {
		case got[k] == v:
		case strings.Contains(v+got[k], "\n"):
			out = append(out, fmt.Sprintf("%s: rows %q gone, rows %q new", k, missing(v, got[k]), missing(got[k], v)))
		default:
			out = append(out, fmt.Sprintf("%s = %q, want %q", k, got[k], v))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("%s = %q, not expected", k, v))
		}
	}
	slices.Sort(out)
	if len(out) > max {
		out = append(out[:max], fmt.Sprintf("... and %d more", len(out)-max))
	}
	return out
}

// dbFacts is what roster's rows say: the users (people and service users)
// and the ids of the groups.
type dbFacts struct {
	users  []users.User
	groups []string
	sums   []groups.Summary // the groups as groups.List describes them
}

func readFacts(ctx context.Context, w *roster.Workspace) (dbFacts, error) {
	var f dbFacts
	for _, kind := range []users.Kind{users.KindPerson, users.KindService} {
		page, err := w.Users().List(ctx, users.Filter{Kinds: []users.Kind{kind}, Limit: users.MaxPageSize})
		if err != nil {
			return f, fmt.Errorf("list users: %w", err)
		}
		f.users = append(f.users, page.Users...)
	}
	sums, _, err := w.Groups().List(ctx, roster.System, 0, 0)
	if err != nil {
		return f, fmt.Errorf("list groups: %w", err)
	}
	for _, s := range sums {
		f.groups = append(f.groups, s.ID)
	}
	f.sums = sums
	return f, nil
}

// missing returns the lines of a that b lacks.
func missing(a, b string) []string {
	bl := strings.Split(b, "\n")
	var out []string
	for _, l := range strings.Split(a, "\n") {
		if !slices.Contains(bl, l) {
			out = append(out, l)
		}
	}
	return out
}

// oracleProblems checks the database's lines against roster's rows and the
// contract, and answers (of an index) against the brute-force model of the
// lines: every user listed has exactly one role line, and the effective
// role and active flag the model derives; no line names a user or group that
// does not exist; curator flags sit only on members who are stored basic; at
// least one active admin person exists; and Can, Visible and WhoCan answer
// as the model does.
func oracleProblems(ws string, st dbState, facts dbFacts, un universe, answers map[string]string) []string {
	var out []string
	m := st.model
	listed := map[string]bool{}
	admins := 0
	for _, u := range facts.users {
		listed[u.ID] = true
		if n := m.RoleLines(ws, u.ID); n != 1 {
			out = append(out, fmt.Sprintf("user %s (%s) has %d role lines, want 1", u.Email, u.ID, n))
		}
		if role, _ := m.Role(ws, u.ID); role != string(u.Role) {
			out = append(out, fmt.Sprintf("user %s: role %q, the lines say %q", u.Email, u.Role, role))
		}
		if m.Deactivated(ws, u.ID) == u.Active {
			out = append(out, fmt.Sprintf("user %s: active %v, but the lines say deactivated %v", u.Email, u.Active, m.Deactivated(ws, u.ID)))
		}
		if u.Kind == users.KindPerson && u.Role == users.RoleAdmin && u.Active {
			admins++
		}
	}
	if admins == 0 {
		out = append(out, "no active admin person")
	}
	for _, l := range st.lines {
		for _, v := range []string{l.V0, l.V1, l.V2, l.V3} {
			if id, ok := strings.CutPrefix(v, "u:"); ok && !listed[id] {
				out = append(out, fmt.Sprintf("line %s names user %s, who does not exist", l, id))
			}
			if id, ok := strings.CutPrefix(v, "g:"); ok && !slices.Contains(facts.groups, id) {
				out = append(out, fmt.Sprintf("line %s names group %s, which does not exist", l, id))
			}
		}
	}
	for _, f := range m.Flags(ws) {
		if role, _ := m.StoredRole(ws, f[0]); !m.Member(ws, f[0], f[1]) || role != "basic" {
			out = append(out, fmt.Sprintf("user %s holds the curator flag of group %s: member %v, stored role %q", f[0], f[1], m.Member(ws, f[0], f[1]), role))
		}
	}
	for _, g := range facts.sums {
		var members, curators []string
		for _, u := range un.users {
			if m.Member(ws, u, g.ID) {
				members = append(members, u)
			}
			if m.Flag(ws, u, g.ID) {
				curators = append(curators, u)
			}
		}
		if !slices.Equal(sortedIDs(g.MemberIDs), members) || !slices.Equal(sortedIDs(g.CuratorIDs), curators) {
			out = append(out, fmt.Sprintf("group %s lists members %v and curators %v, the lines say %v and %v", g.Name, g.MemberIDs, g.CuratorIDs, members, curators))
		}
	}
	out = append(out, aclProblems(m, ws, un, answers)...)
	return append(out, diffAnswers(oracleAnswers(m, ws, un), pickAnswers(answers, "Can(", "Visible(", "WhoCan("), 10)...)
}

func sortedIDs(ids []string) []string { return slices.Sorted(slices.Values(ids)) }

// aclProblems: a user's and a registered resource's ACL tokens intersect
// exactly when the user may view the resource, and a user who is not
// active holds none.
func aclProblems(m *oracle.Model, ws string, un universe, answers map[string]string) []string {
	var out []string
	for _, u := range un.users {
		held := strings.Fields(answers["ACLFor("+u+")"])
		if len(held) > 0 && !m.Active(ws, u) {
			out = append(out, fmt.Sprintf("user %s is not active but holds ACL tokens %v", u, held))
		}
		for _, r := range un.res {
			if !m.Exists(ws, string(r.Kind), r.ID) {
				continue
			}
			of := strings.Fields(answers["ACLOf("+r.String()+")"])
			meet := slices.ContainsFunc(held, func(t string) bool { return slices.Contains(of, t) })
			if want := m.Can(ws, u, "view", string(r.Kind), r.ID); meet != want {
				out = append(out, fmt.Sprintf("ACLFor(%s) %v and ACLOf(%s) %v meet: %v, but Can(view) is %v", u, held, r, of, meet, want))
			}
		}
	}
	return out
}

// oracleAnswers renders the model's Can, Visible and WhoCan over un; un
// must hold every registered resource and every user.
func oracleAnswers(m *oracle.Model, ws string, un universe) map[string]string {
	out := map[string]string{}
	memo := map[string]bool{}
	can := func(u string, act access.Action, r access.Resource) bool {
		k := canKey(u, act, r)
		ok, done := memo[k]
		if !done {
			ok = m.Can(ws, u, string(act), string(r.Kind), r.ID)
			memo[k] = ok
		}
		return ok
	}
	for _, u := range un.users {
		for _, r := range un.res {
			for _, act := range []access.Action{access.View, access.Edit} {
				out[canKey(u, act, r)] = fmt.Sprint(can(u, act, r))
			}
		}
		for _, k := range access.Kinds() {
			var ids []string
			for _, r := range un.res {
				if r.Kind == k && can(u, access.View, r) {
					ids = append(ids, r.ID)
				}
			}
			slices.Sort(ids)
			out[fmt.Sprintf("Visible(%s, %s)", u, k)] = strings.Join(slices.Compact(ids), " ")
		}
	}
	for _, r := range un.res {
		for _, act := range []access.Action{access.View, access.Edit} {
			var who []string
			for _, u := range un.users {
				if can(u, act, r) {
					who = append(who, u)
				}
			}
			slices.Sort(who)
			out[fmt.Sprintf("WhoCan(%s, %s)", r, act)] = strings.Join(slices.Compact(who), " ")
		}
	}
	return out
}

// pickAnswers returns the entries of m whose keys start with one of prefixes.
func pickAnswers(m map[string]string, prefixes ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				out[k] = v
			}
		}
	}
	return out
}
