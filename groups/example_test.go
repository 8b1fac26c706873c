package groups_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/users"
)

// An admin creates a group and adds members; making a basic member its
// curator makes them a curator, who then administers that group (and only
// that group), while an admin cannot be made a curator.
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
	emails := map[string]string{} // user id → email, for printing

	var ids []string
	for _, email := range []string{"ada@example.com", "bob@example.com", "cy@example.com"} {
		u, err := ws.Users().Register(ctx, users.Registration{Email: email})
		if err != nil {
			fmt.Println(err)
			return
		}
		ids = append(ids, u.ID)
		emails[u.ID] = u.Email
	}
	ada, bob, cy := access.UserActor(ids[0]), ids[1], ids[2] // ada is the first user: admin

	eng, err := ws.CreateGroup(ctx, ada, "Engineering", roster.GroupContents{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := ws.Groups().AddMembers(ctx, ada, eng.ID, []string{bob, cy}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := ws.Groups().SetCurator(ctx, ada, eng.ID, bob, true); err != nil {
		fmt.Println(err)
		return
	}
	b, err := ws.Users().Get(ctx, bob)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.Email, "is now", b.Role)

	// The admin is a member too, but cannot be made a curator.
	if _, err := ws.Groups().AddMembers(ctx, ada, eng.ID, []string{ids[0]}); err != nil {
		fmt.Println(err)
		return
	}
	_, err = ws.Groups().SetCurator(ctx, ada, eng.ID, ids[0], true)
	fmt.Println("curator flag for the admin refused:", errors.Is(err, groups.ErrAlreadyPrivileged))

	// The curator lists the groups they administer, and their members.
	list, total, err := ws.Groups().List(ctx, access.UserActor(bob), 0, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(total, "group:", list[0].Name, "with", list[0].MembersTotal, "members")
	members, _, err := ws.Groups().Members(ctx, access.UserActor(bob), eng.ID, 0, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, email := range []string{"ada@example.com", "bob@example.com", "cy@example.com"} {
		for _, m := range members {
			if emails[m.UserID] == email {
				fmt.Println(" ", email, "curator:", m.IsCurator)
			}
		}
	}

	// A basic member administers nothing.
	_, _, err = ws.Groups().List(ctx, access.UserActor(cy), 0, 0)
	fmt.Println("cy lists groups:", errors.Is(err, roster.ErrForbidden))
	// Output:
	// bob@example.com is now curator
	// curator flag for the admin refused: true
	// 1 group: Engineering with 3 members
	//   ada@example.com curator: false
	//   bob@example.com curator: true
	//   cy@example.com curator: false
	// cy lists groups: true
}
