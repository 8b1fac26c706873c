package roster_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/users"
)

// An admin gives every user 1,000 tokens an hour; the application checks
// before each model call and records the tokens it used after it.
func ExampleWorkspace_Limits() {
	dir, err := os.MkdirTemp("", "roster-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	d, err := roster.Open(ctx, roster.Config{DSN: "sqlite:" + filepath.Join(dir, "roster.db")})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	ws := d.Default()
	admin, err := ws.Users().Register(ctx, users.Registration{Email: "admin@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	lim := ws.Limits()
	perUser := ratelimit.Limit{Scope: ratelimit.ScopeUser, Budget: 1000, Period: time.Hour, Enabled: true}
	if _, err := lim.CreateLimit(ctx, access.UserActor(admin.ID), perUser); err != nil {
		log.Fatal(err)
	}

	fmt.Println("first call:", lim.Check(ctx, admin.ID, 800))
	if err := lim.Record(ctx, admin.ID, 900); err != nil {
		log.Fatal(err)
	}
	var refused *ratelimit.LimitError
	if err := lim.Check(ctx, admin.ID, 800); errors.As(err, &refused) {
		fmt.Println("second call refused by the", refused.Scope, "limit; retry after", refused.RetryAfter.Round(time.Minute))
	}
	// Output:
	// first call: <nil>
	// second call refused by the user limit; retry after 42m0s
}
