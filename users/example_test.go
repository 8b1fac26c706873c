package users_test

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

// Spellings of one address have one identity form; what mail cannot be sent
// to is refused.
func ExampleNormalizeEmail() {
	for _, in := range []string{
		"  Ada.Lovelace@Example.COM ",
		"J\u00fcrgen@B\u00fccher.DE",
		"jurgen@xn--bcher-kva.de",
		"JOSE\u0301@example.com", // a decomposed accent
		"\uff41dmin@example.com", // a fullwidth letter
		"ada@localhost",
		"ada@home@example.com",
		"a..b@example.com",
	} {
		email, err := users.NormalizeEmail(in)
		fmt.Printf("%q %v\n", email, errors.Is(err, users.ErrInvalidEmail))
	}
	// Output:
	// "ada.lovelace@example.com" false
	// "jürgen@bücher.de" false
	// "jurgen@bücher.de" false
	// "josé@example.com" false
	// "admin@example.com" false
	// "" true
	// "" true
	// "" true
}

// The last active admin of a workspace keeps the role: demoting them is
// refused until another admin exists.
func ExampleService_SetRole() {
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

	ada, err := us.Register(ctx, users.Registration{Email: "ada@example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	bob, err := us.Register(ctx, users.Registration{Email: "bob@example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ada.Role, bob.Role)

	_, err = us.SetRole(ctx, roster.System, ada.ID, users.RoleBasic)
	fmt.Println(errors.Is(err, users.ErrLastAdmin), errors.Is(err, roster.ErrConflict))

	_, err = us.SetRole(ctx, access.UserActor(ada.ID), ada.ID, users.RoleBasic)
	fmt.Println(errors.Is(err, users.ErrSelfChange))

	bob, err = us.SetRole(ctx, access.UserActor(ada.ID), bob.ID, users.RoleAdmin)
	fmt.Println(bob.Role, err)

	ada, err = us.SetRole(ctx, access.UserActor(bob.ID), ada.ID, users.RoleLimited)
	fmt.Println(ada.Role, err)
	// Output:
	// admin basic
	// true true
	// true
	// admin <nil>
	// limited <nil>
}
