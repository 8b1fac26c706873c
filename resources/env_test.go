package resources_test

import (
	"context"
	"errors"
	"fmt"
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

// env is one test's Directory on a fresh database, with its users, groups
// and resources by name.
type env struct {
	t      *testing.T
	ctx    context.Context
	dsn    string
	d      *roster.Directory
	w      *roster.Workspace
	gs     *groups.Service
	rs     *resources.Service
	users  map[string]string // name → user id; "admin" is the first user
	groups map[string]string // name → group id
	res    []access.Resource
}

func newEnv(t *testing.T, dsn string) *env {
	t.Helper()
	ctx := context.Background()
	d, err := roster.Open(ctx, roster.Config{DSN: dsn, Now: rostertest.NewClock().Now})
	if err != nil {
		t.Fatalf("Open(%s): %v", dsn, err)
	}
	t.Cleanup(func() { d.Close() })
	w := d.Default()
	e := &env{t: t, ctx: ctx, dsn: dsn, d: d, w: w, gs: w.Groups(), rs: w.Resources(), users: map[string]string{}, groups: map[string]string{}}
	e.user("admin", users.RoleAdmin)
	return e
}

// forEachStore runs test on a fresh env per store, in parallel with the
// package's other tests (each has a database of its own).
func forEachStore(t *testing.T, test func(e *env)) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		t.Parallel()
		test(newEnv(t, dsn))
	})
}

func (e *env) must(call string, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", call, err)
	}
}

// user registers name@example.com and gives it a stored role.
func (e *env) user(name string, role users.Role) string {
	e.t.Helper()
	u, err := e.w.Users().Register(e.ctx, users.Registration{Email: name + "@example.com", Actor: roster.System})
	e.must("Register "+name, err)
	e.users[name] = u.ID
	if u.Role != role {
		_, err := e.w.Users().SetRole(e.ctx, roster.System, u.ID, role)
		e.must("SetRole "+name, err)
	}
	return u.ID
}

func (e *env) as(name string) roster.Actor { return roster.AsUser(e.users[name]) }

func (e *env) ids(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = e.users[n]
	}
	return out
}

// group creates a group with members (by name).
func (e *env) group(name string, members ...string) string {
	e.t.Helper()
	g, err := e.gs.Create(e.ctx, roster.System, name)
	e.must("Create "+name, err)
	e.groups[name] = g.ID
	if len(members) > 0 {
		_, err = e.gs.AddMembers(e.ctx, roster.System, g.ID, e.ids(members...))
		e.must("AddMembers "+name, err)
	}
	return g.ID
}

func (e *env) curator(group, user string, on bool) {
	e.t.Helper()
	_, err := e.gs.SetCurator(e.ctx, roster.System, e.groups[group], e.users[user], on)
	e.must(fmt.Sprintf("SetCurator(%s, %s, %v)", group, user, on), err)
}

// register registers a resource as System.
func (e *env) register(r access.Resource, f resources.Facts) access.Resource {
	e.t.Helper()
	_, err := e.rs.Register(e.ctx, roster.System, r, f)
	e.must("Register "+r.String(), err)
	e.res = append(e.res, r)
	return r
}

func (e *env) role(name string) users.Role {
	e.t.Helper()
	u, err := e.w.Users().Get(e.ctx, e.users[name])
	e.must("Get "+name, err)
	return u.Role
}

func (e *env) wantRole(name string, want users.Role, when string) {
	e.t.Helper()
	if got := e.role(name); got != want {
		e.t.Errorf("%s: role of %s = %q, want %q", when, name, got, want)
	}
}

// members returns a group's members by name, with "*" after curators.
func (e *env) members(group string) []string {
	e.t.Helper()
	ms, total, err := e.gs.Members(e.ctx, roster.System, e.groups[group], 0, 0)
	e.must("Members "+group, err)
	if total != len(ms) {
		e.t.Errorf("Members(%s): total %d, %d members", group, total, len(ms))
	}
	var out []string
	for _, m := range ms {
		out = append(out, e.name(m.UserID)+map[bool]string{true: "*"}[m.IsCurator])
	}
	slices.Sort(out)
	return out
}

func (e *env) name(userID string) string {
	for n, id := range e.users {
		if id == userID {
			return n
		}
	}
	return userID
}

func (e *env) can(user string, act access.Action, r access.Resource) bool {
	e.t.Helper()
	ok, err := e.w.Access().Can(e.ctx, e.users[user], act, r)
	e.must(fmt.Sprintf("Can(%s, %s, %s)", user, act, r), err)
	return ok
}

// state records what a refused call must leave alone: the version, every
// user's role and ACL tokens, every group's members and curators, every
// resource's ACL tokens, and every registered document set's connectors.
func (e *env) state() map[string]string {
	e.t.Helper()
	out := map[string]string{"version": fmt.Sprint(e.d.Version())}
	for n, id := range e.users {
		acl, err := e.w.Access().ACLFor(e.ctx, id)
		e.must("ACLFor", err)
		out["user "+n] = fmt.Sprint(e.role(n), acl)
	}
	for n := range e.groups {
		out["group "+n] = strings.Join(e.members(n), " ")
	}
	for _, r := range e.res {
		acl, err := e.w.Access().ACLOf(e.ctx, r)
		e.must("ACLOf", err)
		out[r.String()] = strings.Join(acl, " ")
		if r.Kind != access.DocumentSet {
			continue
		}
		f, err := e.rs.Facts(e.ctx, r)
		if errors.Is(err, resources.ErrResourceNotFound) {
			continue
		}
		e.must("Facts", err)
		out["connectors of "+r.String()] = strings.Join(f.Connectors, " ")
	}
	return out
}

// unchanged fails the test if the state differs from before.
func (e *env) unchanged(call string, before map[string]string) {
	e.t.Helper()
	after := e.state()
	for k, v := range before {
		if after[k] != v {
			e.t.Errorf("%s changed %s: %q → %q", call, k, v, after[k])
		}
	}
}

func wantErr(t *testing.T, call string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", call, err, want)
	}
}

func connector(id string) access.Resource { return access.Resource{Kind: access.Connector, ID: id} }

func docSet(id string) access.Resource { return access.Resource{Kind: access.DocumentSet, ID: id} }

func agent(id string) access.Resource { return access.Resource{Kind: access.Agent, ID: id} }

// gids returns the ids of named groups.
func (e *env) gids(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = e.groups[n]
	}
	return out
}

func second[T any](_ T, err error) error { return err }

// nobody is a well-formed id that names no user or group.
const nobody = "00000000-0000-4000-8000-000000000000"
