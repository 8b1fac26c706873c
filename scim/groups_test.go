package scim_test

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"
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
