package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/users"
)

// An identity provider provisions a user through the SCIM Handler, mounted
// under /scim/v2 as examples/server mounts it, with a SCIM token an admin
// created.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "roster-scim-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	d, err := roster.Open(ctx, roster.Config{DSN: "sqlite:" + filepath.Join(dir, "roster.db")})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	ws := d.Default()
	if _, err := ws.Users().Register(ctx, users.Registration{Email: "admin@example.com", Actor: roster.System}); err != nil {
		log.Fatal(err)
	}
	_, token, err := ws.Tokens().CreateSCIM(ctx, roster.System, "Okta")
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", scim.New(d, scim.Config{})))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	call := func(method, path, body string) map[string]any {
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			log.Fatal(err)
		}
		fmt.Println(method, resp.StatusCode)
		return out
	}
	created := call("POST", "/scim/v2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"Jane.Doe@Example.com","name":{"givenName":"Jane","familyName":"Doe"},"active":true}`)
	fmt.Println(created["userName"], created["active"])

	found := call("GET", `/scim/v2/Users?filter=userName%20eq%20%22jane.doe@example.com%22`, "")
	fmt.Println("found:", found["totalResults"])

	u, err := ws.Users().Get(ctx, created["id"].(string))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("roster:", u.Email, u.Role, u.Source)
	// Output:
	// POST 201
	// Jane.Doe@Example.com true
	// GET 200
	// found: 1
	// roster: jane.doe@example.com basic scim
}
