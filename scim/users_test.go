package scim_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
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
		// The roster user stays, deactivated; the trail tells SCIM's
		// deactivation from an admin's.
		if u, err := e.w.Users().Get(t.Context(), id); err != nil || u.Active {
			t.Fatalf("after DELETE: %+v %v", u, err)
		}
		page, err := e.w.Audit(t.Context(), roster.System, roster.AuditFilter{Target: id})
		e.must(err)
		var got []string
		for _, ev := range page.Events {
			if ev.Actor != access.SCIMActor(e.tokID) {
				t.Errorf("event %s by %s, want the SCIM token", ev.Action, ev.Actor)
			}
			got = append(got, fmt.Sprintf("%s%v", ev.Action, ev.Details["by"]))
		}
		slices.Sort(got)
		want := []string{"scim.user.delete<nil>", "scim.user.provision<nil>", "user.deactivatescim", "user.register<nil>"}
		if !slices.Equal(got, want) {
			t.Errorf("audit %v, want %v", got, want)
		}
	})
}

// TestConcurrentProvisioning: providers retry and run in parallel; one POST
// of an email wins and the others are 409, never a 500 or a second record.
func TestConcurrentProvisioning(t *testing.T) {
	forEachEnv(t, func(e *env) {
		const n = 8
		codes := make(chan int, n)
		for range n {
			go func() {
				rec := e.post("/scim/v2/Users", `{"userName":"race@example.com"}`)
				codes <- rec
			}()
		}
		count := map[int]int{}
		for range n {
			count[<-codes]++
		}
		if count[http.StatusCreated] != 1 || count[http.StatusConflict] != n-1 {
			t.Fatalf("answers %v, want one 201 and %d 409", count, n-1)
		}
		r := e.do("GET", "/scim/v2/Users", nil)
		if r.body["totalResults"] != float64(1) {
			t.Fatalf("listed %v users", r.body["totalResults"])
		}
	})
}

// post sends a body from any goroutine (no t.Fatal) and returns the status.
func (e *env) post(path, body string) int {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.token)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec.Code
}

func TestAttributesAndExcludedAttributes(t *testing.T) {
	forEachEnv(t, func(e *env) {
		const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
		r := e.do("POST", "/scim/v2/Users", map[string]any{"userName": "p@example.com", "displayName": "P", "title": "T",
			"name": map[string]any{"givenName": "G"}, ent: map[string]any{"department": "D"}})
		r.want(t, "POST", http.StatusCreated, "", "")
		id := r.body["id"].(string)
		cases := []struct {
			query string
			keys  string
		}{
			{"attributes=userName", "id,schemas,userName"},
			{"attributes=urn:ietf:params:scim:schemas:core:2.0:User:displayName,name.givenName", "displayName,id,name,schemas"},
			{"attributes=" + ent + ":department", "id,schemas," + ent},
			{"excludedAttributes=groups,meta,emails,name,title," + ent, "active,displayName,id,schemas,userName"},
			{"excludedAttributes=id,schemas", "active,displayName,emails,groups,id,meta,name,schemas,title," + ent + ",userName"},
		}
		for _, c := range cases {
			r := e.do("GET", "/scim/v2/Users/"+id+"?"+c.query, nil)
			r.want(t, c.query, http.StatusOK, "", "")
			var keys []string
			for k := range r.body {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if got := strings.Join(keys, ","); got != c.keys {
				t.Errorf("%s: keys %s, want %s", c.query, got, c.keys)
			}
		}
	})
}

// externalId is case-exact on every store: co and sw match its case (LIKE
// would ignore ASCII case on SQLite only) and take % and _ literally;
// displayName is case-insensitive on every store.
func TestCaseExactFiltersOnEveryStore(t *testing.T) {
	forEachEnv(t, func(e *env) {
		t := e.t.(*testing.T)
		for _, u := range []struct{ email, ext, display string }{
			{"a@example.com", "Ext-ABC", "Ann Lee"},
			{"b@example.com", "a_b%c", "Bob Ray"},
			{"c@example.com", "ÉTÉ-1", "Émile"},
		} {
			e.do("POST", "/scim/v2/Users", map[string]any{"userName": u.email, "externalId": u.ext, "displayName": u.display}).
				want(t, "provision "+u.email, http.StatusCreated, "", "")
		}
		for _, c := range []struct {
			filter string
			want   []string
		}{
			{`externalId sw "Ext"`, []string{"a@example.com"}},
			{`externalId sw "ext"`, nil},
			{`externalId co "ABC"`, []string{"a@example.com"}},
			{`externalId co "abc"`, nil},
			{`externalId co "_b%"`, []string{"b@example.com"}},
			{`externalId co "%"`, []string{"b@example.com"}},
			{`externalId sw "a_"`, []string{"b@example.com"}},
			{`externalId sw "a%"`, nil},
			{`externalId sw "ÉT"`, []string{"c@example.com"}},
			{`externalId co "été"`, nil},
			{`externalId co ""`, []string{"a@example.com", "b@example.com", "c@example.com"}},
			{`externalId eq "ext-abc"`, nil},
			{`displayName sw "ann"`, []string{"a@example.com"}},
			{`displayName co "RAY"`, []string{"b@example.com"}},
			{`userName sw "B@"`, []string{"b@example.com"}},
		} {
			r := e.do("GET", "/scim/v2/Users?filter="+url.QueryEscape(c.filter), nil)
			r.want(t, c.filter, http.StatusOK, "", "")
			var got []string
			for _, res := range r.body["Resources"].([]any) {
				if n := res.(map[string]any)["userName"].(string); n != "admin@example.com" {
					got = append(got, n)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.filter, got, c.want)
			}
		}
	})
}
