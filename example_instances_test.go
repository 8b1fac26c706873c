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

// Two Directories on one database stand for two instances of an
// application. A write on one returns a version; the other answers at least
// as of that write once AwaitVersion returns, and Status says how current
// it is. (On PostgreSQL the second instance would have the change within
// milliseconds anyway; here it follows nothing until asked.)
func ExampleDirectory_AwaitVersion() {
	dir, err := os.MkdirTemp("", "roster-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(dir, "roster.db")
	a, err := roster.Open(ctx, roster.Config{DSN: dsn})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	b, err := roster.Open(ctx, roster.Config{DSN: dsn, PollInterval: -1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()

	ada, err := a.Default().Users().Register(ctx, users.Registration{Email: "ada@example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	agent := access.Resource{Kind: access.Agent, ID: "helper"}
	v, err := a.Default().Resources().Register(ctx, access.UserActor(ada.ID), agent, resources.Facts{Owner: ada.ID})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("b behind:", b.Status(ctx).Lag() > 0)
	if err := b.AwaitVersion(ctx, v); err != nil {
		fmt.Println(err)
		return
	}
	ok, err := b.Default().Access().Can(ctx, ada.ID, access.Edit, agent)
	fmt.Println("b lets the owner edit:", ok, err)
	st := b.Status(ctx)
	fmt.Println("b lag:", st.Lag(), "error:", st.Err)
	// Output:
	// b behind: true
	// b lets the owner edit: true <nil>
	// b lag: 0 error: <nil>
}
