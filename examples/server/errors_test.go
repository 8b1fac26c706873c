package main

import (
	"net/http"
	"testing"
)

// The server names resources from its own tables in roster's refusals (the
// user by email, the agent by the name it was created with) and in its own
// routes' refusals; a resource the caller may not see is named by kind only.
func TestRefusalsNameResources(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	admin := ts.login("ada@example.com")
	ts.setMode(admin, "open")
	ts.register("bob@example.com", "")
	bob := ts.login("bob@example.com")
	r := bob.do(http.MethodPost, "/persona", personaRequest{Name: "Bob's helper", Groups: []string{}, Users: []string{}})
	want(t, "bob's agent", r, http.StatusCreated, "")
	id := decodeAs[struct {
		ID string `json:"id"`
	}](t, r).ID

	// cyd may view bob's public agent but not edit it: the refusal, on the
	// server's own route, names it.
	r = bob.do(http.MethodPost, "/persona", personaRequest{Name: "Public helper", IsPublic: true, Groups: []string{}, Users: []string{}})
	want(t, "bob's public agent", r, http.StatusCreated, "")
	public := decodeAs[struct {
		ID string `json:"id"`
	}](t, r).ID
	ts.register("cyd@example.com", "")
	cyd := ts.login("cyd@example.com")
	r = cyd.do(http.MethodPatch, "/persona/"+public, map[string]any{"name": "Mine now"})
	want(t, "cyd edits bob's agent", r, http.StatusForbidden, "FORBIDDEN")
	if got, want := decodeAs[errorBody](t, r).Detail, `You may view the agent "Public helper" but not edit it.`; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}

	bobEmail := map[string]string{"user_email": "bob@example.com"}
	want(t, "deactivate", admin.do(http.MethodPatch, "/manage/admin/deactivate-user", bobEmail), http.StatusOK, "")
	before := ts.s.dir.Version()
	r = admin.do(http.MethodDelete, "/manage/admin/delete-user", bobEmail)
	want(t, "delete an owner", r, http.StatusConflict, "OWNS_RESOURCES")
	// The agents come in roster's order, by id.
	got := decodeAs[errorBody](t, r).Detail
	one := `The user bob@example.com still owns the agent "Bob's helper" and the agent "Public helper"; transfer them to someone else first.`
	other := `The user bob@example.com still owns the agent "Public helper" and the agent "Bob's helper"; transfer them to someone else first.`
	if got != one && got != other {
		t.Errorf("detail %q, want %q", got, one)
	}
	if ts.s.dir.Version() != before {
		t.Error("the refused delete wrote")
	}

	r = admin.do(http.MethodGet, "/persona/"+id+"x", nil)
	want(t, "unknown agent", r, http.StatusNotFound, "NOT_FOUND")
	if got, want := decodeAs[errorBody](t, r).Detail, "The agent does not exist."; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}
}
