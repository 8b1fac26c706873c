package roster_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// groupContentsEnv is an admin, a basic user and two connectors.
type groupContentsEnv struct {
	d            *roster.Directory
	ws           *roster.Workspace
	admin, basic users.User
}

func newGroupContentsEnv(t *testing.T, dsn string) groupContentsEnv {
	t.Helper()
	ctx := context.Background()
	d := open(t, dsn)
	ws := d.Default()
	var e groupContentsEnv
	e.d, e.ws = d, ws
	var err error
	if e.admin, err = ws.Users().Register(ctx, users.Registration{Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	if e.basic, err = ws.Users().Register(ctx, users.Registration{Email: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"wiki", "drive"} {
		if _, err := ws.Resources().Register(ctx, roster.System, access.Resource{Kind: access.Connector, ID: id}, resources.Facts{}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e groupContentsEnv) groupCount(t *testing.T) int {
	t.Helper()
	_, total, err := e.ws.Groups().List(context.Background(), roster.System, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return total
}

func TestCreateGroupIsOneTransaction(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newGroupContentsEnv(t, dsn)
		admin := access.UserActor(e.admin.ID)
		refused := []struct {
			name  string
			actor roster.Actor
			c     roster.GroupContents
			want  error
		}{
			{"unknown member", admin, roster.GroupContents{Members: []string{e.basic.ID, "nobody"}, Connectors: []string{"wiki"}}, roster.ErrNotFound},
			{"unknown connector", admin, roster.GroupContents{Members: []string{e.basic.ID}, Connectors: []string{"wiki", "nope"}}, roster.ErrNotFound},
			{"malformed connector", admin, roster.GroupContents{Connectors: []string{"a,b"}}, roster.ErrInvalid},
			{"basic caller", access.UserActor(e.basic.ID), roster.GroupContents{}, roster.ErrForbidden},
		}
		for _, c := range refused {
			before := e.d.Version()
			if _, err := e.ws.CreateGroup(ctx, c.actor, "Eng", c.c); !errors.Is(err, c.want) {
				t.Errorf("%s: CreateGroup error %v, want %v", c.name, err, c.want)
			}
			if got := e.d.Version(); got != before {
				t.Errorf("%s: version %d → %d after a refusal", c.name, before, got)
			}
			if n := e.groupCount(t); n != 0 {
				t.Errorf("%s: %d groups after a refusal, want 0", c.name, n)
			}
		}
		g, err := e.ws.CreateGroup(ctx, admin, "Eng", roster.GroupContents{Members: []string{e.basic.ID}, Connectors: []string{"wiki"}})
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := e.ws.Access().Can(ctx, e.basic.ID, access.View, access.Resource{Kind: access.Connector, ID: "wiki"}); err != nil || !ok {
			t.Fatalf("member Can(view, wiki) = %v, %v; want true", ok, err)
		}
		sum, err := e.ws.Groups().Describe(ctx, admin, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sum.MemberIDs, []string{e.basic.ID}) || len(sum.Resources) != 1 {
			t.Fatalf("new group = %+v, want bob and wiki", sum)
		}
	})
}

func TestReplaceGroupContentsIsOneTransaction(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newGroupContentsEnv(t, dsn)
		admin := access.UserActor(e.admin.ID)
		g, err := e.ws.CreateGroup(ctx, admin, "Eng", roster.GroupContents{Members: []string{e.basic.ID}, Connectors: []string{"wiki"}})
		if err != nil {
			t.Fatal(err)
		}
		before := e.d.Version()
		// The connectors would change, then the unknown member refuses the call.
		_, err = e.ws.ReplaceGroupContents(ctx, admin, g.ID, roster.GroupContents{Members: []string{"nobody"}, Connectors: []string{"drive"}})
		if !errors.Is(err, roster.ErrNotFound) {
			t.Fatalf("ReplaceGroupContents with an unknown member: %v, want ErrNotFound", err)
		}
		if got := e.d.Version(); got != before {
			t.Fatalf("version %d → %d after a refusal", before, got)
		}
		wiki := access.Resource{Kind: access.Connector, ID: "wiki"}
		if ok, _ := e.ws.Access().Can(ctx, e.basic.ID, access.View, wiki); !ok {
			t.Fatal("the refused call detached wiki")
		}
		if _, err := e.ws.ReplaceGroupContents(ctx, admin, g.ID, roster.GroupContents{Connectors: []string{"drive"}}); err != nil {
			t.Fatal(err)
		}
		if ok, err := e.ws.Access().Can(ctx, e.basic.ID, access.View, wiki); err != nil || ok {
			t.Fatalf("bob, removed, Can(view, wiki) = %v, %v; want false", ok, err)
		}
		if _, err := e.ws.ReplaceGroupContents(ctx, access.UserActor(e.basic.ID), g.ID, roster.GroupContents{}); !errors.Is(err, roster.ErrNotFound) {
			t.Fatalf("a non-member's ReplaceGroupContents: %v, want ErrNotFound", err)
		}
	})
}
