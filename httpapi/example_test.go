package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// sessionAuth stands in for the application's sessions: the user id comes
// from a header. A real application reads its session cookie or token.
func sessionAuth(r *http.Request) (workspace, userID string, err error) {
	id := r.Header.Get("X-User")
	if id == "" {
		return "", "", errors.New("no session")
	}
	return roster.DefaultWorkspace, id, nil
}

// openExample opens a Directory in a temporary directory and returns it with
// a function that closes and removes it.
func openExample() (*roster.Directory, func(), error) {
	tmp, err := os.MkdirTemp("", "httpapi-example")
	if err != nil {
		return nil, nil, err
	}
	d, err := roster.Open(context.Background(), roster.Config{DSN: "sqlite:" + filepath.Join(tmp, "roster.db")})
	if err != nil {
		os.RemoveAll(tmp)
		return nil, nil, err
	}
	return d, func() { d.Close(); os.RemoveAll(tmp) }, nil
}

// call sends a request as userID ("" for none) and prints the status and
// the body.
func call(h http.Handler, userID, method, path, body string) {
	rec := send(h, userID, method, path, body)
	fmt.Println(method, path, rec.Code, strings.TrimSpace(rec.Body.String()))
}

func send(h http.Handler, userID, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if userID != "" {
		req.Header.Set("X-User", userID)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Serve the admin API: the first user to sign up is the admin; only the
// admin changes roles.
func ExampleNew() {
	d, done, err := openExample()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer done()
	ctx := context.Background()
	us := d.Default().Users()
	ada, _ := us.Register(ctx, users.Registration{Email: "ada@example.com"})
	bob, _ := us.Register(ctx, users.Registration{Email: "bob@example.com"})

	h := httpapi.New(d, httpapi.Config{Authenticate: sessionAuth})
	promote := `{"user_email": "bob@example.com", "new_role": "global_curator"}`
	call(h, "", "GET", "/me", "")
	call(h, bob.ID, "PATCH", "/manage/set-user-role", `{"user_email": "ada@example.com", "new_role": "basic"}`)
	call(h, ada.ID, "PATCH", "/manage/set-user-role", `{"user_email": "bob@example.com", "new_role": "owner"}`)

	rec := send(h, ada.ID, "PATCH", "/manage/set-user-role", promote)
	var u struct {
		ID, Email, Role string
		IsActive        bool `json:"is_active"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("PATCH /manage/set-user-role", rec.Code, u.Email, u.Role)
	// Output:
	// GET /me 401 {"detail":"You are not signed in.","code":"NOT_SIGNED_IN"}
	// PATCH /manage/set-user-role 403 {"detail":"Your role does not allow this.","code":"FORBIDDEN"}
	// PATCH /manage/set-user-role 400 {"detail":"There is no role \"owner\".","code":"INVALID_INPUT"}
	// PATCH /manage/set-user-role 200 bob@example.com global_curator
}

// Protect an application's own route with one line: the agent page answers
// 404 to whoever may not view the agent, 403 to whoever may view but not
// edit it, and calls the handler for the others.
func ExampleGuard() {
	d, done, err := openExample()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer done()
	ctx := context.Background()
	ws := d.Default()
	ada, _ := ws.Users().Register(ctx, users.Registration{Email: "ada@example.com"})
	bob, _ := ws.Users().Register(ctx, users.Registration{Email: "bob@example.com"})
	cyd, _ := ws.Users().Register(ctx, users.Registration{Email: "cyd@example.com"})
	ws.Resources().Register(ctx, roster.System, access.Resource{Kind: access.Agent, ID: "helper"},
		resources.Facts{Owner: bob.ID, SharedWith: []string{cyd.ID}})

	editAgent := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := httpapi.CallerFrom(r.Context())
		fmt.Fprintf(w, "%s edits %s", c.User.Email, r.PathValue("id"))
	})
	mux := http.NewServeMux()
	mux.Handle("PUT /agents/{id}", httpapi.Guard(d, sessionAuth, access.Edit, access.Agent,
		func(r *http.Request) string { return r.PathValue("id") })(editAgent))

	for _, u := range []string{ada.ID, bob.ID, cyd.ID, ""} {
		call(mux, u, "PUT", "/agents/helper", "")
	}
	call(mux, bob.ID, "PUT", "/agents/other", "")
	// Output:
	// PUT /agents/helper 200 ada@example.com edits helper
	// PUT /agents/helper 200 bob@example.com edits helper
	// PUT /agents/helper 403 {"detail":"You may not edit the agent.","code":"FORBIDDEN"}
	// PUT /agents/helper 401 {"detail":"You are not signed in.","code":"NOT_SIGNED_IN"}
	// PUT /agents/other 404 {"detail":"The agent does not exist.","code":"NOT_FOUND"}
}

// Accept API keys beside the application's sessions: an admin creates a key
// of role basic (the raw key is in this one answer), a program sends it as a
// bearer token and acts as the key's service user, with a basic user's
// powers; once the key is deleted, its next request is refused.
func ExampleWithAPIKeys() {
	d, done, err := openExample()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer done()
	ada, _ := d.Default().Users().Register(context.Background(), users.Registration{Email: "ada@example.com"})

	h := httpapi.New(d, httpapi.Config{Authenticate: httpapi.WithAPIKeys(d, sessionAuth)})
	rec := send(h, ada.ID, "POST", "/admin/api-key", `{"name": "Nightly export", "role": "basic"}`)
	var key struct {
		ID     string `json:"id"`
		RawKey string `json:"raw_key"`
	}
	json.Unmarshal(rec.Body.Bytes(), &key)
	fmt.Println("POST /admin/api-key", rec.Code, strings.HasPrefix(key.RawKey, "roster_key_"))

	program := func(method, path string) {
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Authorization", "Bearer "+key.RawKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var me struct{ Role string }
		json.Unmarshal(rec.Body.Bytes(), &me)
		if rec.Code == http.StatusOK {
			fmt.Println(method, path, rec.Code, "as a", me.Role, "service user")
			return
		}
		fmt.Println(method, path, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	program("GET", "/me")
	program("GET", "/manage/users/accepted")
	rec = send(h, ada.ID, "DELETE", "/admin/api-key/"+key.ID, "")
	fmt.Println("DELETE /admin/api-key/{id}", rec.Code)
	program("GET", "/me")
	// Output:
	// POST /admin/api-key 201 true
	// GET /me 200 as a basic service user
	// GET /manage/users/accepted 403 {"detail":"Your role does not allow this.","code":"FORBIDDEN"}
	// DELETE /admin/api-key/{id} 204
	// GET /me 401 {"detail":"The bearer token is not a valid API key.","code":"NOT_SIGNED_IN"}
}
