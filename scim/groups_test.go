package scim_test

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/users"
)

// countPolicyReads counts the queries that read casbin_rule rows as a
// table (a group's member lines), apart from conditions other queries
// test with EXISTS.
func (e *env) countPolicyReads() *atomic.Int64 {
	e.t.Helper()
	var n atomic.Int64
	err := e.db().Callback().Query().After("gorm:query").Register("scim_test:count", func(db *gorm.DB) {
		if db.Statement.Table == "casbin_rule" {
			n.Add(1)
		}
	})
	e.must(err)
	return &n
}

func TestListingWithoutMembersNeverLoadsThem(t *testing.T) {
	forEachEnv(t, func(e *env) {
		var ids []any
		for i := range 3 {
			ids = append(ids, map[string]any{"value": e.provision(fmt.Sprintf("u%d@example.com", i))})
		}
		r := e.do("POST", "/scim/v2/Groups", map[string]any{"displayName": "Big", "members": ids})
		r.want(t, "group", http.StatusCreated, "", "")
		gid := r.body["id"].(string)
		member := ids[0].(map[string]any)["value"].(string)
		reads := e.countPolicyReads()
		for _, path := range []string{
			"/scim/v2/Groups?excludedAttributes=members",
			"/scim/v2/Groups?excludedAttributes=members&filter=" + urlq(`id eq "`+gid+`" and members eq "`+member+`"`),
			"/scim/v2/Groups/" + gid + "?excludedAttributes=members",
		} {
			r := e.do("GET", path, nil)
			r.want(t, path, http.StatusOK, "", "")
			if _, has := r.body["members"]; has {
				t.Fatalf("%s: members in %s", path, r.raw)
			}
		}
		if n := reads.Load(); n != 0 {
			t.Fatalf("listing without members read member lines %d times", n)
		}
		// The count sees member reads when members are wanted (so the test
		// can fail).
		r = e.do("GET", "/scim/v2/Groups/"+gid, nil)
		if len(r.body["members"].([]any)) != 3 || reads.Load() == 0 {
			t.Fatalf("with members: %d reads, %s", reads.Load(), r.raw)
		}
		// The probe answers the membership.
		r = e.do("GET", "/scim/v2/Groups?excludedAttributes=members&filter="+urlq(`id eq "`+gid+`" and members eq "`+e.admin.ID+`"`), nil)
		if r.body["totalResults"] != float64(0) {
			t.Fatalf("probe of a non-member: %s", r.raw)
		}
	})
}

func TestListPaging(t *testing.T) {
	forEachEnv(t, func(e *env) {
		for i := range 5 {
			e.provision(fmt.Sprintf("p%d@example.com", i))
		}
		cases := []struct {
			query          string
			total, n, from int
		}{
			{"", 5, 5, 1},
			{"?startIndex=2&count=2", 5, 2, 2},
			{"?startIndex=5&count=10", 5, 1, 5},
			{"?startIndex=9", 5, 0, 9},
			{"?startIndex=0&count=-3", 5, 0, 1}, // a start below 1 is 1, a negative count 0
			{"?count=100000", 5, 5, 1},          // capped at MaxCount
			{"?startIndex=x&count=y", 5, 5, 1},  // unreadable numbers take the defaults
		}
		for _, c := range cases {
			r := e.do("GET", "/scim/v2/Users"+c.query, nil)
			r.want(t, c.query, http.StatusOK, "", "")
			res := r.body["Resources"].([]any)
			if r.body["totalResults"] != float64(c.total) || len(res) != c.n || r.body["itemsPerPage"] != float64(c.n) || r.body["startIndex"] != float64(c.from) {
				t.Errorf("%s: %s", c.query, r.raw)
			}
		}
		// Pages of 2 from 1, 3 and 5 hold every user once.
		seen := map[any]int{}
		for _, start := range []int{1, 3, 5} {
			r := e.do("GET", fmt.Sprintf("/scim/v2/Users?count=2&startIndex=%d", start), nil)
			for _, x := range r.body["Resources"].([]any) {
				seen[x.(map[string]any)["userName"]]++
			}
		}
		for i := range 5 {
			if n := seen[fmt.Sprintf("p%d@example.com", i)]; n != 1 {
				t.Errorf("p%d is on %d pages, want 1 (%v)", i, n, seen)
			}
		}
	})
}

// A PUT of a group replaces its members only when the body has the key:
// without it (a rename, as identity providers send it) they stay; with []
// or null the group is emptied.
func TestPutGroupWithoutMembersKeepsThem(t *testing.T) {
	forEachEnv(t, func(e *env) {
		t := e.t.(*testing.T)
		a, b := e.provision("a@example.com"), e.provision("b@example.com")
		r := e.do("POST", "/scim/v2/Groups", map[string]any{"schemas": []any{scim.GroupSchema}, "displayName": "Eng",
			"members": []any{map[string]any{"value": a}, map[string]any{"value": b}}})
		r.want(t, "create", http.StatusCreated, "", "")
		g := r.body["id"].(string)
		members := func() int {
			t.Helper()
			_, n, err := e.w.Groups().Members(t.Context(), roster.System, g, 0, 10)
			e.must(err)
			return n
		}
		e.do("PUT", "/scim/v2/Groups/"+g, map[string]any{"schemas": []any{scim.GroupSchema}, "displayName": "Eng renamed"}).
			want(t, "PUT without members", http.StatusOK, "", "")
		if n := members(); n != 2 {
			t.Fatalf("a PUT that only renames left %d members, want 2", n)
		}
		e.do("PUT", "/scim/v2/Groups/"+g, map[string]any{"schemas": []any{scim.GroupSchema}, "displayName": "Eng", "members": []any{map[string]any{"value": a}}}).
			want(t, "PUT with one member", http.StatusOK, "", "")
		if n := members(); n != 1 {
			t.Fatalf("a PUT with one member left %d members", n)
		}
		e.do("PUT", "/scim/v2/Groups/"+g, `{"schemas":["`+scim.GroupSchema+`"],"displayName":"Eng","members":null}`).
			want(t, "PUT with members null", http.StatusOK, "", "")
		if n := members(); n != 0 {
			t.Fatalf("a PUT with members null left %d members", n)
		}
	})
}

// A group's members are users of its workspace, and another workspace's
// token reaches none of its groups; every refusal writes nothing.
func TestGroupsStayInTheirWorkspace(t *testing.T) {
	forEachEnv(t, func(e *env) {
		t := e.t.(*testing.T)
		ctx := t.Context()
		other, err := e.d.CreateWorkspace(ctx, roster.System, "other", "Other")
		e.must(err)
		ou, err := other.Users().Register(ctx, users.Registration{Email: "o@example.com", Actor: roster.System})
		e.must(err)
		_, rawOther, err := other.Tokens().CreateSCIM(ctx, roster.System, "IdP")
		e.must(err)
		r := e.do("POST", "/scim/v2/Groups", map[string]any{"schemas": []any{scim.GroupSchema}, "displayName": "Eng"})
		r.want(t, "create", http.StatusCreated, "", "")
		g := r.body["id"].(string)
		before := e.state()
		e.do("PATCH", "/scim/v2/Groups/"+g, map[string]any{"schemas": []any{scim.PatchOpSchema},
			"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": ou.ID}}}}}).
			want(t, "foreign member", http.StatusBadRequest, scim.TypeInvalidValue, "A member is not a user of this workspace.")
		e.do("PATCH", "/scim/v2/Groups/"+g, map[string]any{"schemas": []any{scim.PatchOpSchema},
			"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": "x"}}}, "Authorization", "Bearer "+rawOther).
			want(t, "foreign token", http.StatusNotFound, "", "No such resource.")
		e.do("DELETE", "/scim/v2/Groups/"+g, nil, "Authorization", "Bearer "+rawOther).want(t, "foreign delete", http.StatusNotFound, "", "No such resource.")
		e.unchanged("cross-workspace group calls", before)
	})
}
