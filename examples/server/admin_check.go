package main

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/users"
)

// The check command reads roster's tables with SQL and judges what it
// finds. It lives here, in the operator's tool, rather than in the library:
// it must read the rows as stored (the library's index ignores a line that
// does not parse, so it cannot report one), it reports by row id for a
// person repairing the database by hand, and it needs no new public API
// (the library's surface and contract stay as they are). It depends on
// roster's table layout (internal/store/migrations), which is why it reads
// only and names each table it reads.

// violation is one broken invariant: the row or entity that breaks it, by
// table and id, and what is wrong.
type violation struct {
	where string
	what  string
}

// ruleRow is a casbin_rule row.
type ruleRow struct {
	ID                     int64
	Ptype                  string
	V0, V1, V2, V3, V4, V5 string
}

func (r ruleRow) line() access.Line {
	return access.Line{PType: r.Ptype, V0: r.V0, V1: r.V1, V2: r.V2, V3: r.V3, V4: r.V4, V5: r.V5}
}

// entityRow is a roster_users or roster_groups row, as check needs it.
type entityRow struct {
	ID          string
	WorkspaceID string
	Kind        string // users only
}

// limitRow is a roster_rate_limits row, as check needs it.
type limitRow struct {
	ID          string
	WorkspaceID string
	Scope       string
	GroupID     string
}

// stored is what check reads, in one read-only transaction so that it is
// one consistent state. It holds the whole policy table in memory: check
// is an operator's tool run now and then, not a hot path.
type stored struct {
	workspaces []string
	users      map[string]entityRow // by id
	groups     map[string]entityRow // by id
	rules      []ruleRow            // by id
	limits     []limitRow           // by id
	version    int64                // roster_version's row
	lastChange int64                // the changelog's last version; 0 if empty
}

// check reports every violation of the database's invariants on standard
// output, one per line, and fails with errViolations if there is any. It
// writes nothing, and refuses a SQLite database that does not exist rather
// than create one.
func (c *cli) check(ctx context.Context, cfg config, _ []string) error {
	if err := sqliteExists(cfg); err != nil {
		return err
	}
	db, err := openDB(cfg)
	if err != nil {
		return err
	}
	defer closeDB(db)
	st, err := readStored(ctx, db, cfg.Postgres != "")
	if err != nil {
		return fmt.Errorf("reading roster's tables (run migrate on an empty database first): %w", err)
	}
	vs := st.violations()
	for _, v := range vs {
		fmt.Fprintf(c.stdout, "%s: %s\n", v.where, v.what)
	}
	if len(vs) > 0 {
		return fmt.Errorf("%w (%s)", errViolations, count(len(vs), "violation"))
	}
	fmt.Fprintf(c.stdout, "ok: %s, %s, %s, %s, %s, version %d\n", count(len(st.workspaces), "workspace"), count(len(st.users), "user"),
		count(len(st.groups), "group"), count(len(st.rules), "policy line"), count(len(st.limits), "limit"), st.version)
	return nil
}

// count spells n things: "1 group", "2 groups".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// readStored reads the tables check judges.
func readStored(ctx context.Context, db *gorm.DB, postgres bool) (*stored, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	st := &stored{users: map[string]entityRow{}, groups: map[string]entityRow{}}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var us, gs []entityRow
		for _, q := range []struct {
			sql  string
			dest any
		}{
			{`SELECT id FROM roster_workspaces ORDER BY id`, &st.workspaces},
			{`SELECT id, workspace_id, kind FROM roster_users`, &us},
			{`SELECT id, workspace_id FROM roster_groups`, &gs},
			{`SELECT id, ptype, v0, v1, v2, v3, v4, v5 FROM casbin_rule ORDER BY id`, &st.rules},
			{`SELECT id, workspace_id, scope, group_id FROM roster_rate_limits ORDER BY id`, &st.limits},
			{`SELECT version FROM roster_version WHERE id = 1`, &st.version},
			{`SELECT COALESCE(MAX(version), 0) FROM roster_changes`, &st.lastChange},
		} {
			if err := tx.Raw(q.sql).Scan(q.dest).Error; err != nil {
				return err
			}
		}
		for _, u := range us {
			st.users[u.ID] = u
		}
		for _, g := range gs {
			st.groups[g.ID] = g
		}
		return nil
	}, opts)
	return st, err
}

// violations judges the stored state:
//   - every policy line parses (access.ParseLine);
//   - every user and group a line names exists in the line's workspace
//     (memberships, curator flags, attachments, shares, ownership, roles);
//   - every curator flag has its membership;
//   - every group limit's group exists in the limit's workspace;
//   - every workspace that has people has an active admin among them (a
//     workspace no one has joined yet has no one to lock out);
//   - the changelog's last version equals the version row.
func (st *stored) violations() []violation {
	var out []violation
	members := map[access.Fact]bool{}
	adminOK := map[string]bool{} // workspace → has an active admin
	var facts []ruleFact
	for _, r := range st.rules {
		f, ok := access.ParseLine(r.line())
		if !ok {
			out = append(out, violation{ruleWhere(r.ID), fmt.Sprintf("the policy line %q does not parse", r.line().String())})
			continue
		}
		facts = append(facts, ruleFact{r.ID, f})
		if f.Op == access.FactMember {
			members[access.Fact{Op: access.FactMember, Workspace: f.Workspace, User: f.User, Group: f.Group}] = true
		}
	}
	roles := rolesOf(facts)
	for _, rf := range facts {
		out = append(out, st.dangling(rf)...)
		f := rf.fact
		if f.Op == access.FactCurator && !members[access.Fact{Op: access.FactMember, Workspace: f.Workspace, User: f.User, Group: f.Group}] {
			out = append(out, violation{ruleWhere(rf.id), fmt.Sprintf("user %s holds the curator flag of group %s without being its member", f.User, f.Group)})
		}
	}
	for _, l := range st.limits {
		if l.Scope == string(ratelimit.ScopeGroup) && st.groups[l.GroupID].WorkspaceID != l.WorkspaceID {
			out = append(out, violation{"roster_rate_limits " + l.ID, fmt.Sprintf("the limit applies to group %s, which is not a group of workspace %s", l.GroupID, l.WorkspaceID)})
		}
	}
	people := map[string]bool{}
	for id, u := range st.users {
		if u.Kind == string(users.KindPerson) {
			people[u.WorkspaceID] = true
			if r := roles[id]; r.admin && !r.deactivated && r.ws == u.WorkspaceID {
				adminOK[u.WorkspaceID] = true
			}
		}
	}
	for _, ws := range st.workspaces {
		if people[ws] && !adminOK[ws] {
			out = append(out, violation{"roster_workspaces " + ws, "the workspace has no active admin; run create-admin"})
		}
	}
	if st.version != st.lastChange {
		out = append(out, violation{"roster_version 1", fmt.Sprintf("the version row says %d, but the changelog's last version is %d", st.version, st.lastChange)})
	}
	return out
}

// ruleFact is a parsed casbin_rule row.
type ruleFact struct {
	id   int64
	fact access.Fact
}

// roleState is what the lines say of one user's role and status.
type roleState struct {
	ws          string
	admin       bool
	deactivated bool
}

func rolesOf(facts []ruleFact) map[string]roleState {
	out := map[string]roleState{}
	for _, rf := range facts {
		f := rf.fact
		r := out[f.User]
		switch {
		case f.Op == access.FactRole && f.Role == access.Admin:
			r.ws, r.admin = f.Workspace, true
		case f.Op == access.FactDeactivated:
			r.deactivated = true
		default:
			continue
		}
		out[f.User] = r
	}
	return out
}

// dangling reports the user and group a line names that do not exist in its
// workspace.
func (st *stored) dangling(rf ruleFact) []violation {
	var out []violation
	f := rf.fact
	if f.User != "" && st.users[f.User].WorkspaceID != f.Workspace {
		out = append(out, violation{ruleWhere(rf.id), fmt.Sprintf("the %s names user %s, who is not a user of workspace %s", factNoun(f), f.User, f.Workspace)})
	}
	if f.Group != "" && st.groups[f.Group].WorkspaceID != f.Workspace {
		out = append(out, violation{ruleWhere(rf.id), fmt.Sprintf("the %s names group %s, which is not a group of workspace %s", factNoun(f), f.Group, f.Workspace)})
	}
	return out
}

func ruleWhere(id int64) string { return fmt.Sprintf("casbin_rule %d", id) }

// factNoun names what a line states, for a violation.
func factNoun(f access.Fact) string {
	res := string(f.Resource.Kind) + " " + f.Resource.ID
	switch f.Op {
	case access.FactRole:
		return "role line"
	case access.FactDeactivated:
		return "deactivation line"
	case access.FactMember:
		return "membership"
	case access.FactCurator:
		return "curator flag"
	case access.FactAttach:
		return "attachment of " + res
	case access.FactOwner:
		return "ownership of " + res
	case access.FactShare:
		return "share of " + res
	}
	return "line"
}
