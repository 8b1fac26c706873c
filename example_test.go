package roster_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/users"
)

// Open a directory on a SQLite file, sign up the first user (who becomes the
// workspace's admin) and a second one, and let the admin change the second
// one's role.
func ExampleOpen() {
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
	us := d.Default().Users()

	ada, err := us.Register(ctx, users.Registration{Email: "Ada@Example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	bob, err := us.Register(ctx, users.Registration{Email: "bob@example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := us.SetRole(ctx, access.UserActor(ada.ID), bob.ID, users.RoleGlobalCurator); err != nil {
		fmt.Println(err)
		return
	}
	// Bob may not change Ada's role: only admins change roles.
	_, err = us.SetRole(ctx, access.UserActor(bob.ID), ada.ID, users.RoleBasic)
	fmt.Println("bob demotes ada:", err)
	fmt.Println("forbidden:", errors.Is(err, roster.ErrForbidden))
	fmt.Println("for people:", access.Sentence(err, nil))

	page, err := us.List(ctx, users.Filter{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, u := range page.Users {
		fmt.Println(u.Email, u.Role)
	}
	// Output:
	// bob demotes ada: users: only an admin may do this
	// forbidden: true
	// for people: Only an admin may do this.
	// ada@example.com admin
	// bob@example.com global_curator
}
