package rostertest

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
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// Env is one test's Directory on a fresh database, with its users, groups
// and resources by name. Packages' tests embed it and add their own helpers.
type Env struct {
	T      *testing.T
	Ctx    context.Context
	DSN    string            // the database the Directory was opened on
	D      *roster.Directory // the open Directory
	W      *roster.Workspace // D's default workspace
	GS     *groups.Service   // W's groups
	Users  map[string]string // name → user id; "admin" is the first user
	Groups map[string]string // name → group id
	Res    []access.Resource // every resource Register registered

	// MoreState, when set, adds a package's own entries to State's record.
	MoreState func(out map[string]string)
}

// NewEnv opens a Directory on dsn (closed when the test ends) with a fixed
// clock, and registers the user "admin" as an admin.
func NewEnv(t *testing.T, dsn string) *Env {
	t.Helper()
	ctx := context.Background()
	d, err := roster.Open(ctx, roster.Config{DSN: dsn, Now: NewClock().Now})
	if err != nil {
		t.Fatalf("Open(%s): %v", dsn, err)
	}
	t.Cleanup(func() { d.Close() })
	w := d.Default()
	e := &Env{T: t, Ctx: ctx, DSN: dsn, D: d, W: w, GS: w.Groups(), Users: map[string]string{}, Groups: map[string]string{}}
	e.User("admin", users.RoleAdmin)
	return e
}

// ForEachEnv runs test on a fresh Env per store, in parallel with the
// package's other tests (each has a database of its own).
func ForEachEnv(t *testing.T, test func(e *Env)) {
	t.Parallel()
	ForEachStore(t, func(t *testing.T, dsn string) {
		t.Parallel()
		test(NewEnv(t, dsn))
	})
}

// Must fails the test at once if err is not nil, naming call.
func (e *Env) Must(call string, err error) {
	e.T.Helper()
	if err != nil {
		e.T.Fatalf("%s: %v", call, err)
	}
}

// User registers name@example.com and gives it a stored role.
func (e *Env) User(name string, role users.Role) string {
	e.T.Helper()
	u, err := e.W.Users().Register(e.Ctx, users.Registration{Email: name + "@example.com", Actor: roster.System})
	e.Must("Register "+name, err)
	e.Users[name] = u.ID
	if u.Role != role {
		_, err := e.W.Users().SetRole(e.Ctx, roster.System, u.ID, role)
		e.Must("SetRole "+name, err)
	}
	return u.ID
}

// As returns the actor of the named user.
func (e *Env) As(name string) roster.Actor { return access.UserActor(e.Users[name]) }

// IDs returns the ids of named users.
func (e *Env) IDs(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = e.Users[n]
	}
	return out
}

// Group creates a group with members (by name).
func (e *Env) Group(name string, members ...string) string {
	e.T.Helper()
	g, err := e.W.CreateGroup(e.Ctx, roster.System, name, roster.GroupContents{})
	e.Must("Create "+name, err)
	e.Groups[name] = g.ID
	if len(members) > 0 {
		_, err = e.GS.AddMembers(e.Ctx, roster.System, g.ID, e.IDs(members...))
		e.Must("AddMembers "+name, err)
	}
	return g.ID
}

// Curator makes the named user a curator of the named group (on) or not.
func (e *Env) Curator(group, user string, on bool) {
	e.T.Helper()
	_, err := e.GS.SetCurator(e.Ctx, roster.System, e.Groups[group], e.Users[user], on)
	e.Must(fmt.Sprintf("SetCurator(%s, %s, %v)", group, user, on), err)
}

// Register registers a resource as System and remembers it for State.
func (e *Env) Register(r access.Resource, f resources.Facts) access.Resource {
	e.T.Helper()
	_, err := e.W.Resources().Register(e.Ctx, roster.System, r, f)
	e.Must("Register "+r.String(), err)
	e.Res = append(e.Res, r)
	return r
}

// Role returns the named user's stored role.
func (e *Env) Role(name string) users.Role {
	e.T.Helper()
	u, err := e.W.Users().Get(e.Ctx, e.Users[name])
	e.Must("Get "+name, err)
	return u.Role
}

// WantRole fails the test, saying when, unless the named user's role is want.
func (e *Env) WantRole(name string, want users.Role, when string) {
	e.T.Helper()
	if got := e.Role(name); got != want {
		e.T.Errorf("%s: role of %s = %q, want %q", when, name, got, want)
	}
}

// Members returns a group's members by name, with "*" after curators.
func (e *Env) Members(group string) []string {
	e.T.Helper()
	ms, total, err := e.GS.Members(e.Ctx, roster.System, e.Groups[group], 0, 0)
	e.Must("Members "+group, err)
	if total != len(ms) {
		e.T.Errorf("Members(%s): total %d, %d members", group, total, len(ms))
	}
	var out []string
	for _, m := range ms {
		out = append(out, e.Name(m.UserID)+map[bool]string{true: "*"}[m.IsCurator])
	}
	slices.Sort(out)
	return out
}

// Name returns the name of the user with userID, or userID if it has none.
func (e *Env) Name(userID string) string {
	for n, id := range e.Users {
		if id == userID {
			return n
		}
	}
	return userID
}

// Can reports whether the named user may act on r.
func (e *Env) Can(user string, act access.Action, r access.Resource) bool {
	e.T.Helper()
	ok, err := e.W.Access().Can(e.Ctx, e.Users[user], act, r)
	e.Must(fmt.Sprintf("Can(%s, %s, %s)", user, act, r), err)
	return ok
}

// State records what a refused call must leave alone: the version, every
// user's role and ACL tokens, every group's members and curators, every
// resource's ACL tokens, and whatever MoreState adds.
func (e *Env) State() map[string]string {
	e.T.Helper()
	out := map[string]string{"version": fmt.Sprint(e.D.Version())}
	for n, id := range e.Users {
		acl, err := e.W.Access().ACLFor(e.Ctx, id)
		e.Must("ACLFor", err)
		out["user "+n] = fmt.Sprint(e.Role(n), acl)
	}
	for n := range e.Groups {
		out["group "+n] = strings.Join(e.Members(n), " ")
	}
	for _, r := range e.Res {
		acl, err := e.W.Access().ACLOf(e.Ctx, r)
		e.Must("ACLOf", err)
		out[r.String()] = strings.Join(acl, " ")
	}
	if e.MoreState != nil {
		e.MoreState(out)
	}
	return out
}

// Unchanged fails the test if the state differs from before.
func (e *Env) Unchanged(call string, before map[string]string) {
	e.T.Helper()
	after := e.State()
	for k, v := range before {
		if after[k] != v {
			e.T.Errorf("%s changed %s: %q → %q", call, k, v, after[k])
		}
	}
}

// WantErr fails the test unless err is (or wraps) want.
func WantErr(t *testing.T, call string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", call, err, want)
	}
}

// Connector returns the connector resource with id.
func Connector(id string) access.Resource { return access.Resource{Kind: access.Connector, ID: id} }
