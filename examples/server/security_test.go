package main

import (
	"net/http"
	"slices"
	"testing"
)

// The red-team attacks of issue #11, each as a test: it failed before the fix.

// A curator changed another user's agent shares through PATCH /persona/{id}
// with users: shares are for the agent's owner and admins only, on every
// route (edit access is not enough), and a refusal writes nothing.
func TestAttackCuratorSharesAnotherUsersAgent(t *testing.T) {
	k := newCast(t)
	bot := created(t, k.c["basic"].do(http.MethodPost, "/persona", personaRequest{Name: "team-bot", Groups: []string{k.team.ID}}))
	path := "/persona/" + bot
	users := func(ids ...string) personaPatch { ids = append([]string{}, ids...); return personaPatch{Users: &ids} } // [] clears
	const sentence = "Only the owner of an agent or an admin may change whom it is shared with."
	for _, who := range []string{"cur", "gcur"} {
		r := k.run(t, []scenario{{who, http.MethodPatch, path, users(k.id["outsider"]), http.StatusForbidden, "FORBIDDEN"}})[0]
		if got := decodeAs[errorBody](t, r).Detail; got != sentence {
			t.Errorf("%s shares another user's agent: detail %q, want %q", who, got, sentence)
		}
	}
	want(t, "outsider after the refused shares", k.c["outsider"].do(http.MethodGet, path, nil), http.StatusNotFound, "NOT_FOUND")
	k.run(t, []scenario{
		{"basic", http.MethodPatch, path, users(k.id["outsider"]), http.StatusOK, ""},                                              // the owner may
		{"cur", http.MethodPatch, path, users(), http.StatusForbidden, "FORBIDDEN"},                                                // nor unshare
		{"cur", http.MethodPatch, path, personaPatch{Users: &[]string{k.id["outsider"]}, Name: new("renamed")}, http.StatusOK, ""}, // the same shares again: not a change
		{"admin", http.MethodPatch, path, users(k.id["lim"]), http.StatusOK, ""},
	})
	got := decodeAs[personaJSON](t, k.c["admin"].do(http.MethodGet, path, nil))
	if got.Name != "renamed" || !slices.Equal(got.Users, []string{k.id["lim"]}) {
		t.Errorf("agent after the edits: %+v", got)
	}
}
