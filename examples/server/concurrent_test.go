package main

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// Concurrent sign-ups, logins, creations and chat on one SQLite file: roster's
// writes and the application's share the database, and none may fail.
func TestConcurrentRequests(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	admin := ts.login("ada@example.com")
	ts.setMode(admin, "open")
	// The goroutines report through t.Errorf (want) and return: t.Fatal, and
	// the helpers that call it, must run on the test's goroutine only.
	post := func(c *client, what, path string, body any, status int) bool {
		r, err := c.send(http.MethodPost, path, body)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return false
		}
		want(t, what, r, status, "")
		return r.status == status
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			email := fmt.Sprintf("user%d@example.com", i)
			signup, err := ts.newClient()
			if err != nil {
				t.Error(err)
				return
			}
			c, err := ts.newClient()
			if err != nil {
				t.Error(err)
				return
			}
			if !post(signup, "register "+email, "/auth/register", registerRequest{Email: email, Password: pw(email)}, http.StatusCreated) ||
				!post(c, "login "+email, "/auth/login", loginRequest{Email: email, Password: pw(email)}, http.StatusOK) {
				return
			}
			for j := range 3 {
				post(c, "persona", "/persona", personaRequest{Name: fmt.Sprintf("p%d-%d", i, j)}, http.StatusCreated)
				post(c, "chat", "/chat/send-message", messageRequest{Message: "hi"}, http.StatusOK)
				post(admin, "connector", "/manage/admin/connector", connectorRequest{Name: fmt.Sprintf("c%d-%d", i, j), AccessType: "public"}, http.StatusCreated)
			}
		})
	}
	wg.Wait()
	if got := len(decodeAs[[]personaJSON](t, admin.do(http.MethodGet, "/persona", nil))); got != 24 {
		t.Errorf("%d agents, want 24", got)
	}
}
