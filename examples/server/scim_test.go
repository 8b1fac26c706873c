package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/users"
)

// registerMany adds n basic users in one transaction and returns their ids.
func (ts *testServer) registerMany(n int) []string {
	ts.t.Helper()
	// The users are written in bulk, as rows and role lines through the
	// store's transaction (so the changelog and the index see them), not
	// registered one by one: each registration counts the workspace's people
	// to find the first admin, which made 10,000 of them take minutes under
	// -race (SQLite's driver is Go code, instrumented too). This test is
	// about the body limit, not about registering.
	st := construct.Get[func(*roster.Directory) *store.Store]("roster.Store")(ts.s.dir)
	ws := ts.s.ws.ID()
	ids := make([]string, n)
	rows := make([]map[string]any, n)
	lines := make([]access.Line, n)
	_, err := st.Mutate(context.Background(), ws, roster.System, func(tx *store.Tx) error {
		for i := range ids {
			ids[i] = uuid.NewString()
			rows[i] = map[string]any{"id": ids[i], "workspace_id": ws, "email": fmt.Sprintf("member-%05d@example.com", i),
				"kind": string(users.KindPerson), "source": string(users.SourcePassword), "created_at": tx.Now}
			lines[i] = access.RoleLine(ws, ids[i], access.Basic)
		}
		if err := tx.DB.Table("roster_users").CreateInBatches(rows, 500).Error; err != nil {
			return err
		}
		return tx.AddLines(lines...)
	})
	if err != nil {
		ts.t.Fatal(err)
	}
	return ids
}

// The SCIM routes are not behind the JSON API's body limit: a PUT of
// scim.MaxMembers members with display names (over 1 MiB) is served, and a
// body over scim.DefaultMaxBodyBytes gets SCIM's 413 envelope.
func TestSCIMBodyLimit(t *testing.T) {
	ts := newTestServer(t)
	ts.register("admin@example.com", "")
	_, raw, err := ts.s.ws.Tokens().CreateSCIM(context.Background(), roster.System, "IdP")
	if err != nil {
		t.Fatal(err)
	}
	ids := ts.registerMany(scim.MaxMembers)
	c := ts.client()
	auth := []string{"Authorization", "Bearer " + raw, "Content-Type", "application/scim+json"}
	r := c.do(http.MethodPost, "/scim/v2/Groups", map[string]any{"schemas": []string{scim.GroupSchema}, "displayName": "Everyone"}, auth...)
	if r.status != http.StatusCreated {
		t.Fatalf("POST /Groups: %d %s", r.status, r.body)
	}
	gid := decodeAs[map[string]any](t, r)["id"].(string)

	members := make([]map[string]any, len(ids))
	for i, id := range ids {
		members[i] = map[string]any{"value": id, "display": fmt.Sprintf("Member Number %05d <member-%05d@example.com>", i, i)}
	}
	body, err := json.Marshal(map[string]any{"schemas": []string{scim.GroupSchema}, "displayName": "Everyone", "members": members})
	if err != nil {
		t.Fatal(err)
	}
	if len(body) <= defaultMaxBodyBytes || len(body) > scim.DefaultMaxBodyBytes {
		t.Fatalf("the PUT body has %d bytes, want more than the JSON API's %d and at most SCIM's %d", len(body), defaultMaxBodyBytes, scim.DefaultMaxBodyBytes)
	}
	r = c.do(http.MethodPut, "/scim/v2/Groups/"+gid, string(body), auth...)
	if r.status != http.StatusOK {
		t.Fatalf("PUT %d members (%d bytes): %d %.300s", len(ids), len(body), r.status, r.body)
	}
	_, total, err := ts.s.ws.Groups().Members(context.Background(), roster.System, gid, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if total != len(ids) {
		t.Fatalf("the group has %d members after the PUT, want %d", total, len(ids))
	}

	huge := `{"schemas":["` + scim.GroupSchema + `"],"displayName":"` + strings.Repeat("x", scim.DefaultMaxBodyBytes) + `"}`
	r = c.do(http.MethodPut, "/scim/v2/Groups/"+gid, huge, auth...)
	e := decodeAs[map[string]any](t, r)
	want := fmt.Sprintf("The request body is larger than %d bytes.", scim.DefaultMaxBodyBytes)
	if r.status != http.StatusRequestEntityTooLarge || e["status"] != "413" || e["detail"] != want ||
		fmt.Sprint(e["schemas"]) != "["+scim.ErrorSchema+"]" {
		t.Fatalf("over-limit PUT: %d %s, want SCIM's 413 envelope saying %q", r.status, r.body, want)
	}
}
