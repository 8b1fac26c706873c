package main

import (
	"net/http"
	"slices"
	"testing"

	"github.com/rosterhq/roster/access"
)

// The document-set rule holds through writes that do not name a set's
// connectors: a connector's PATCH, a group's PATCH and a set's PATCH of its
// groups alone are refused when they would break it; deleting a connector
// takes it out of every set, in roster as in the application's table.
func TestDocumentSetRuleAcrossWrites(t *testing.T) {
	k := newCast(t)
	cTeam := k.connector(t, "admin", "team-docs", "private", k.team.ID)
	cBoth := k.connector(t, "admin", "both-docs", "private", k.team.ID, k.other.ID)
	r := k.c["admin"].do(http.MethodPost, "/manage/admin/document-set",
		documentSetRequest{Name: "team-set", Groups: []string{k.team.ID}, CCPairIDs: []string{cTeam, cBoth}})
	want(t, "document set team-set", r, http.StatusCreated, "")
	set := created(t, r)

	ids := func(xs ...string) *[]string { return &xs }
	connector := func(id string, groups ...string) scenario {
		return scenario{"admin", http.MethodPatch, "/manage/admin/connector/" + id, connectorPatch{Groups: &groups}, http.StatusOK, ""}
	}
	refuse := func(s scenario) scenario { s.status, s.code = http.StatusBadRequest, "INVALID_INPUT"; return s }
	teamMembers := []string{k.id["gcur"], k.id["cur"], k.id["basic"], k.id["lim"]}
	k.run(t, []scenario{
		refuse(connector(cTeam, k.other.ID)), // team-set in team holds it
		refuse(scenario{"admin", http.MethodPatch, "/manage/admin/user-group/" + k.team.ID,
			map[string][]string{"user_ids": teamMembers, "cc_pair_ids": {cBoth}}, 0, ""}),
		refuse(scenario{"admin", http.MethodPatch, "/manage/admin/document-set",
			documentSetPatch{ID: set, Groups: ids(k.team.ID, k.other.ID)}, 0, ""}), // cTeam is not in other
		connector(cTeam, k.team.ID, k.other.ID),
		{"admin", http.MethodPatch, "/manage/admin/document-set", documentSetPatch{ID: set, Groups: ids(k.team.ID, k.other.ID)}, http.StatusOK, ""},
		{"admin", http.MethodDelete, "/manage/admin/connector/" + cTeam, nil, http.StatusNoContent, ""},
	})
	sets := decodeAs[[]documentSetJSON](t, k.c["admin"].do(http.MethodGet, "/manage/document-set", nil))
	if len(sets) != 1 || !slices.Equal(sets[0].CCPairIDs, []string{cBoth}) {
		t.Errorf("after deleting team-docs admin sees %+v", sets)
	}
	f, err := k.s.ws.Resources().Facts(t.Context(), access.Resource{Kind: access.DocumentSet, ID: set})
	if err != nil || !slices.Equal(f.Connectors, []string{cBoth}) {
		t.Errorf("roster's facts of team-set after deleting team-docs: %+v, %v", f, err)
	}
}
