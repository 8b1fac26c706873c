package resources_test

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

// The application registers a private connector's access facts; attaching it
// to a group lets the group's members view it, and only the admin (and its
// owner) may edit it.
func Example() {
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

	var ids []string
	for _, email := range []string{"ada@example.com", "bob@example.com", "cy@example.com"} {
		u, err := ws.Users().Register(ctx, users.Registration{Email: email})
		if err != nil {
			fmt.Println(err)
			return
		}
		ids = append(ids, u.ID)
	}
	ada, bob, cy := access.UserActor(ids[0]), ids[1], ids[2] // ada is the first user: admin
	sales, err := ws.CreateGroup(ctx, ada, "Sales", roster.GroupContents{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := ws.Groups().AddMembers(ctx, ada, sales.ID, []string{bob}); err != nil {
		fmt.Println(err)
		return
	}

	// The connector's id is the application's own; roster stores no name.
	crm := access.Resource{Kind: access.Connector, ID: "crm"}
	if _, err := ws.Resources().Register(ctx, ada, crm, resources.Facts{Owner: ids[0]}); err != nil {
		fmt.Println(err)
		return
	}
	check := func(when string) {
		fmt.Println(when)
		for _, u := range []struct{ name, id string }{{"bob", bob}, {"cy", cy}} {
			view, err := ws.Access().Can(ctx, u.id, access.View, crm)
			if err != nil {
				fmt.Println(err)
				return
			}
			edit, err := ws.Access().Can(ctx, u.id, access.Edit, crm)
			if err != nil {
				fmt.Println(err)
				return
			}
			visible, _, err := ws.Access().Visible(ctx, u.id, access.Connector, roster.Page{})
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Printf("  %s: view %v, edit %v, visible connectors %v\n", u.name, view, edit, visible)
		}
	}
	check("private, in no group:")

	if _, err := ws.Resources().Attach(ctx, ada, sales.ID, crm); err != nil {
		fmt.Println(err)
		return
	}
	check("attached to Sales (bob is a member):")
	// Output:
	// private, in no group:
	//   bob: view false, edit false, visible connectors []
	//   cy: view false, edit false, visible connectors []
	// attached to Sales (bob is a member):
	//   bob: view true, edit false, visible connectors [crm]
	//   cy: view false, edit false, visible connectors []
}
