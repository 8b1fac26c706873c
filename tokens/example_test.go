package tokens_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/users"
)

// An admin creates a SCIM token for the identity provider and an API key
// for a deployment script. Each raw value is shown once; Authenticate maps
// a presented value to its workspace and, for the key, its service user.
// Revoking the SCIM token refuses it at once.
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
	admin, err := ws.Users().Register(ctx, users.Registration{Email: "ada@example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	ada := access.UserActor(admin.ID) // the first user: admin

	scim, scimRaw, err := ws.Tokens().CreateSCIM(ctx, ada, "Okta")
	if err != nil {
		fmt.Println(err)
		return
	}
	key, keyRaw, err := ws.CreateAPIKey(ctx, ada, "Deploy script", users.RoleBasic)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.HasPrefix(scimRaw, scim.Prefix), strings.HasPrefix(keyRaw, "roster_key_"))

	t, err := d.Authenticate(ctx, scimRaw)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.Name, t.Kind, t.Workspace)
	t, err = d.Authenticate(ctx, keyRaw)
	if err != nil {
		fmt.Println(err)
		return
	}
	u, err := ws.Users().Get(ctx, t.UserID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.Name, t.Kind, t.Role, u.Kind, t.UserID == key.UserID)

	if err := ws.Tokens().Revoke(ctx, ada, scim.ID); err != nil {
		fmt.Println(err)
		return
	}
	_, err = d.Authenticate(ctx, scimRaw)
	fmt.Println(errors.Is(err, tokens.ErrInvalidToken), access.Sentence(err, nil))
	// Output:
	// true true
	// Okta scim default
	// Deploy script api_key basic service true
	// true The token is not valid.
}
