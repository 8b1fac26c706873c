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
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			email := fmt.Sprintf("user%d@example.com", i)
			ts.register(email, "")
			c := ts.login(email)
			for j := range 3 {
				want(t, "persona", c.do(http.MethodPost, "/persona", personaRequest{Name: fmt.Sprintf("p%d-%d", i, j)}), http.StatusCreated, "")
				want(t, "chat", c.do(http.MethodPost, "/chat/send-message", messageRequest{Message: "hi"}), http.StatusOK, "")
				want(t, "connector", admin.do(http.MethodPost, "/manage/admin/connector", connectorRequest{Name: fmt.Sprintf("c%d-%d", i, j), AccessType: "public"}), http.StatusCreated, "")
			}
		})
	}
	wg.Wait()
	if got := len(decodeAs[[]personaJSON](t, admin.do(http.MethodGet, "/persona", nil))); got != 24 {
		t.Errorf("%d agents, want 24", got)
	}
}
