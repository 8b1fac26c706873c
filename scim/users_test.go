package scim_test

import (
	"net/http"
	"testing"
)

func TestUserLifecycle(t *testing.T) {
	forEachEnv(t, func(e *env) {
		r := e.do("POST", "/scim/v2/Users", map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "Jane.Doe@Example.com",
			"name": map[string]any{"givenName": "Jane", "familyName": "Doe"}, "active": true, "externalId": "ext-1",
		})
		r.want(t, "POST", http.StatusCreated, "", "")
		id := r.body["id"].(string)
		if r.body["userName"] != "Jane.Doe@Example.com" || r.hdr.Get("Location") != "/scim/v2/Users/"+id {
			t.Fatalf("POST: %s %v", r.raw, r.hdr)
		}
		u, err := e.w.Users().Get(t.Context(), id)
		if err != nil || u.Email != "jane.doe@example.com" || u.Source != "scim" || u.Role != "basic" {
			t.Fatalf("roster user: %+v %v", u, err)
		}
		r = e.do("GET", `/scim/v2/Users?filter=userName+eq+"jane.doe@example.com"`, nil)
		r.want(t, "filter", http.StatusOK, "", "")
		if r.body["totalResults"] != float64(1) {
			t.Fatalf("filter: %s", r.raw)
		}
		r = e.do("PATCH", "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`)
		r.want(t, "PATCH", http.StatusOK, "", "")
		if u, _ := e.w.Users().Get(t.Context(), id); u.Active {
			t.Fatalf("still active after PATCH active false")
		}
		r = e.do("DELETE", "/scim/v2/Users/"+id, nil)
		r.want(t, "DELETE", http.StatusNoContent, "", "")
		e.do("GET", "/scim/v2/Users/"+id, nil).want(t, "GET after DELETE", http.StatusNotFound, "", "No such resource.")
	})
}
