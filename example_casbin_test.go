package roster_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// A plugin that speaks casbin asks the workspace's read-only casbin view
// the questions it already knows, in roster's model: subjects "u:<id>" and
// "g:<id>", objects "<kind>:<id>", domain = the workspace. The view is
// current when roster's writes return.
func ExampleCasbinView() {
	dir, err := os.MkdirTemp("", "roster-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	d, err := roster.Open(ctx, roster.Config{DSN: "sqlite:" + filepath.Join(dir, "roster.db")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	ws := d.Default()
	if _, err := ws.Users().Register(ctx, users.Registration{Email: "ada@example.com"}); err != nil {
		fmt.Println(err)
		return
	}
	bob, err := ws.Users().Register(ctx, users.Registration{Email: "bob@example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	eng, err := ws.CreateGroup(ctx, roster.System, "Engineering", roster.GroupContents{})
	if err != nil {
		fmt.Println(err)
		return
	}
	wiki := access.Resource{Kind: access.Connector, ID: "eng-wiki"}
	if _, err := ws.Resources().Register(ctx, roster.System, wiki, resources.Facts{Groups: []string{eng.ID}}); err != nil {
		fmt.Println(err)
		return
	}

	view := ws.Casbin()
	bobSub := access.UserSubject(bob.ID)
	ok, err := view.Enforce(ctx, bobSub, wiki.String(), "view")
	fmt.Println("bob may view the wiki:", ok, err)

	if _, err := ws.Groups().AddMembers(ctx, roster.System, eng.ID, []string{bob.ID}); err != nil {
		fmt.Println(err)
		return
	}
	ok, err = view.Enforce(ctx, bobSub, wiki.String(), "view")
	fmt.Println("after joining Engineering:", ok, err)

	roles, err := view.GetImplicitRolesForUser(ctx, bobSub)
	fmt.Println("bob holds the group:", roles[0] == access.GroupSubject(eng.ID), "and", roles[1], err)
	lines, err := view.GetFilteredPolicy(ctx, access.GroupSubject(eng.ID), "", "")
	fmt.Println("Engineering's p lines:", len(lines), lines[0].V2, lines[0].V3, err)
	// Output:
	// bob may view the wiki: false <nil>
	// after joining Engineering: true <nil>
	// bob holds the group: true and role:basic <nil>
	// Engineering's p lines: 1 connector:eng-wiki view <nil>
}
