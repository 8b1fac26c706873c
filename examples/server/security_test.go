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

// Authorization before validation: a global curator changing their own role
// was answered 409 SELF_CHANGE (telling them the rule, not their role); a
// document set with no connectors was created. A caller whose role does not
// allow the change is refused (403) before the self-change rule or any input
// check; a document set needs a connector (400), once the caller may create
// or edit it.
func TestAttackValidationBeforeAuthorization(t *testing.T) {
	k := newCast(t)
	role := func(email, r string) map[string]string { return map[string]string{"user_email": email, "new_role": r} }
	const docSets = "/manage/admin/document-set"
	noConnectors := func(groups ...string) documentSetRequest {
		return documentSetRequest{Name: "empty", Groups: groups, CCPairIDs: []string{}}
	}
	rows := k.run(t, []scenario{
		{"gcur", http.MethodPatch, "/manage/set-user-role", role("gcur@example.com", "basic"), http.StatusForbidden, "FORBIDDEN"},
		{"gcur", http.MethodPatch, "/manage/set-user-role", role("gcur@example.com", "owner"), http.StatusForbidden, "FORBIDDEN"},
		{"gcur", http.MethodPatch, "/manage/admin/deactivate-user", map[string]string{"user_email": "gcur@example.com"}, http.StatusForbidden, "FORBIDDEN"},
		{"admin", http.MethodPatch, "/manage/set-user-role", role("admin@example.com", "basic"), http.StatusConflict, "SELF_CHANGE"},
		{"cur", http.MethodPost, docSets, noConnectors(k.other.ID), http.StatusForbidden, "OUT_OF_SCOPE"}, // scope before the connectors
		{"cur", http.MethodPost, docSets, noConnectors(k.secret.ID), http.StatusNotFound, "NOT_FOUND"},
		{"basic", http.MethodPost, docSets, noConnectors(k.team.ID), http.StatusForbidden, "FORBIDDEN"},
		{"cur", http.MethodPost, docSets, noConnectors(k.team.ID), http.StatusBadRequest, "INVALID_INPUT"},
		{"admin", http.MethodPost, docSets, documentSetRequest{Name: "empty", IsPublic: true}, http.StatusBadRequest, "INVALID_INPUT"},
	})
	const sentence = "The field cc_pair_ids must name at least one connector."
	if got := decodeAs[errorBody](t, rows[len(rows)-1]).Detail; got != sentence {
		t.Errorf("a document set without connectors: detail %q, want %q", got, sentence)
	}
	cc := k.connector(t, "admin", "team-docs", "private", k.team.ID)
	set := created(t, k.run(t, []scenario{{"cur", http.MethodPost, docSets,
		documentSetRequest{Name: "team set", Groups: []string{k.team.ID}, CCPairIDs: []string{cc}}, http.StatusCreated, ""}})[0])
	empty := []string{}
	k.run(t, []scenario{
		{"basic", http.MethodPatch, docSets, documentSetPatch{ID: set, CCPairIDs: &empty}, http.StatusForbidden, "FORBIDDEN"}, // may view, not edit
		{"cur", http.MethodPatch, docSets, documentSetPatch{ID: set, CCPairIDs: &empty}, http.StatusBadRequest, "INVALID_INPUT"},
	})
}
