package users_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/users"
)

// listFixture registers, in a scrambled order, users whose emails exercise
// the substring filter (LIKE wildcards taken literally) and whose roles and
// statuses exercise the other filters.
func listFixture(t *testing.T, dsn string) *env {
	e := newEnv(t, dsn, roster.Config{})
	e.register("admin@x.com")
	for _, email := range []string{"zed@y.org", "a_b@x.com", "axb@x.com", "a%b@x.com", "azzb@x.com", "Mixed.Case@X.com"} {
		e.register(email)
	}
	e.setRole(e.register("gc@x.com").ID, users.RoleGlobalCurator)
	e.setRole(e.register("lim@x.com").ID, users.RoleLimited)
	e.deactivate(e.register("off@x.com").ID)
	off2 := e.register("off-lim@y.org")
	e.setRole(off2.ID, users.RoleLimited)
	e.deactivate(off2.ID)
	return e
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := listFixture(t, dsn)
		all := []string{"a%b@x.com", "a_b@x.com", "admin@x.com", "axb@x.com", "azzb@x.com", "gc@x.com", "lim@x.com",
			"mixed.case@x.com", "off-lim@y.org", "off@x.com", "zed@y.org"}
		cases := []struct {
			name string
			f    users.Filter
			want []string
		}{
			{"everyone, ordered by email", users.Filter{}, all},
			{"underscore is literal", users.Filter{Query: "a_b"}, []string{"a_b@x.com"}},
			{"lone underscore", users.Filter{Query: "_"}, []string{"a_b@x.com"}},
			{"percent is literal", users.Filter{Query: "a%b"}, []string{"a%b@x.com"}},
			{"lone percent", users.Filter{Query: "%"}, []string{"a%b@x.com"}},
			{"backslash matches nothing", users.Filter{Query: `\`}, nil},
			{"case-insensitive", users.Filter{Query: "A_B@X.COM"}, []string{"a_b@x.com"}},
			{"stored lowercase, queried mixed", users.Filter{Query: "MIXED.case"}, []string{"mixed.case@x.com"}},
			{"domain substring", users.Filter{Query: "@y.org"}, []string{"off-lim@y.org", "zed@y.org"}},
			{"no match", users.Filter{Query: "nobody"}, nil},
			{"one role", users.Filter{Roles: []users.Role{users.RoleAdmin}}, []string{"admin@x.com"}},
			{"roles OR-ed", users.Filter{Roles: []users.Role{users.RoleGlobalCurator, users.RoleLimited}}, []string{"gc@x.com", "lim@x.com", "off-lim@y.org"}},
			{"basic", users.Filter{Roles: []users.Role{users.RoleBasic}}, []string{"a%b@x.com", "a_b@x.com", "axb@x.com", "azzb@x.com", "mixed.case@x.com", "off@x.com", "zed@y.org"}},
			{"nobody is curator", users.Filter{Roles: []users.Role{users.RoleCurator}}, nil},
			{"active", users.Filter{Active: ptr(true)}, []string{"a%b@x.com", "a_b@x.com", "admin@x.com", "axb@x.com", "azzb@x.com", "gc@x.com", "lim@x.com", "mixed.case@x.com", "zed@y.org"}},
			{"deactivated", users.Filter{Active: ptr(false)}, []string{"off-lim@y.org", "off@x.com"}},
			{"deactivated limited", users.Filter{Active: ptr(false), Roles: []users.Role{users.RoleLimited}}, []string{"off-lim@y.org"}},
			{"active limited", users.Filter{Active: ptr(true), Roles: []users.Role{users.RoleLimited}}, []string{"lim@x.com"}},
			{"all three filters", users.Filter{Query: "X.COM", Roles: []users.Role{users.RoleBasic, users.RoleAdmin}, Active: ptr(true)},
				[]string{"a%b@x.com", "a_b@x.com", "admin@x.com", "axb@x.com", "azzb@x.com", "mixed.case@x.com"}},
		}
		for _, c := range cases {
			page, err := e.us.List(e.ctx, c.f)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if got := emails(page.Users); fmt.Sprint(got) != fmt.Sprint(c.want) || page.Total != int64(len(c.want)) {
				t.Errorf("%s: List = %q (total %d), want %q", c.name, got, page.Total, c.want)
			}
		}
		// Roles and statuses in the page are the users' own.
		page, err := e.us.List(e.ctx, users.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := roles(page.Users); got["gc@x.com"] != users.RoleGlobalCurator || got["off-lim@y.org"] != users.RoleLimited || got["admin@x.com"] != users.RoleAdmin {
			t.Errorf("roles in List = %v", got)
		}
	})
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := listFixture(t, dsn)
		full, err := e.us.List(e.ctx, users.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if !sort.StringsAreSorted(emails(full.Users)) || full.Total != 11 || len(full.Users) != 11 {
			t.Fatalf("List = %q (total %d), want 11 users ordered by email", emails(full.Users), full.Total)
		}
		for _, limit := range []int{1, 2, 3, 4, 10, 11, 12} {
			var got []string
			for offset := 0; offset < 13; offset += limit {
				page, err := e.us.List(e.ctx, users.Filter{Offset: offset, Limit: limit})
				if err != nil {
					t.Fatalf("List(offset %d, limit %d): %v", offset, limit, err)
				}
				if page.Total != full.Total {
					t.Errorf("List(offset %d, limit %d) total = %d, want %d whatever the page", offset, limit, page.Total, full.Total)
				}
				if want := max(0, min(limit, 11-offset)); len(page.Users) != want {
					t.Errorf("List(offset %d, limit %d) has %d users, want %d", offset, limit, len(page.Users), want)
				}
				got = append(got, emails(page.Users)...)
			}
			if !reflect.DeepEqual(got, emails(full.Users)) {
				t.Errorf("pages of %d = %q, want %q", limit, got, emails(full.Users))
			}
		}
		// Paging a filtered list keeps the filter's total.
		page, err := e.us.List(e.ctx, users.Filter{Roles: []users.Role{users.RoleBasic}, Offset: 2, Limit: 2})
		if err != nil || page.Total != 7 || fmt.Sprint(emails(page.Users)) != "[axb@x.com azzb@x.com]" {
			t.Errorf("basic users, page 2 of 2 = %q (total %d), %v", emails(page.Users), page.Total, err)
		}
	})
}

func TestListRefusals(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := listFixture(t, dsn)
		cases := []struct {
			name string
			f    users.Filter
			want []error
		}{
			{"unknown role", users.Filter{Roles: []users.Role{"owner"}}, []error{users.ErrInvalidRole, roster.ErrInvalid}},
			{"empty role", users.Filter{Roles: []users.Role{users.RoleAdmin, ""}}, []error{users.ErrInvalidRole}},
			{"role in capitals", users.Filter{Roles: []users.Role{"ADMIN"}}, []error{users.ErrInvalidRole}},
			{"negative offset", users.Filter{Offset: -1}, []error{roster.ErrInvalid}},
			{"negative limit", users.Filter{Limit: -5}, []error{roster.ErrInvalid}},
		}
		for _, c := range cases {
			page, err := e.us.List(e.ctx, c.f)
			wantErr(t, c.name, err, c.want...)
			if page.Total != 0 || page.Users != nil {
				t.Errorf("%s: a refused List returned %+v", c.name, page)
			}
			if len(c.f.Roles) > 0 { // WriteCSV ignores paging, not roles
				var buf bytes.Buffer
				wantErr(t, c.name+" (CSV)", e.us.WriteCSV(e.ctx, &buf, c.f), c.want...)
			}
		}
	})
}

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		e.register("admin@x.com")
		e.register("=cmd@x.com")
		e.register("+a@x.com")
		e.register("-a@x.com")
		e.register("plain@x.com")
		e.setRole(e.register("gc@x.com").ID, users.RoleGlobalCurator)
		e.deactivate(e.register("off@x.com").ID)
		cases := []struct {
			name string
			f    users.Filter
			want [][]string
		}{
			{"everyone; formula-like cells quoted", users.Filter{}, [][]string{
				{"Email", "Role", "Status"},
				{"'+a@x.com", "basic", "Active"},
				{"'-a@x.com", "basic", "Active"},
				{"'=cmd@x.com", "basic", "Active"},
				{"admin@x.com", "admin", "Active"},
				{"gc@x.com", "global_curator", "Active"},
				{"off@x.com", "basic", "Inactive"},
				{"plain@x.com", "basic", "Active"},
			}},
			{"paging is ignored", users.Filter{Offset: 5, Limit: 1, Query: "a"}, [][]string{
				{"Email", "Role", "Status"},
				{"'+a@x.com", "basic", "Active"},
				{"'-a@x.com", "basic", "Active"},
				{"admin@x.com", "admin", "Active"},
				{"plain@x.com", "basic", "Active"},
			}},
			{"filters apply", users.Filter{Active: ptr(false)}, [][]string{
				{"Email", "Role", "Status"},
				{"off@x.com", "basic", "Inactive"},
			}},
			{"nobody matches", users.Filter{Query: "nobody"}, [][]string{{"Email", "Role", "Status"}}},
		}
		for _, c := range cases {
			var buf bytes.Buffer
			if err := e.us.WriteCSV(e.ctx, &buf, c.f); err != nil {
				t.Fatalf("%s: WriteCSV: %v", c.name, err)
			}
			got, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatalf("%s: the output is not CSV: %v\n%s", c.name, err, buf.String())
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: CSV rows\n got  %q\n want %q", c.name, got, c.want)
			}
		}
	})
}

// WriteCSV pages through List internally; more users than one page must all
// come out once.
func TestWriteCSVMoreThanOnePage(t *testing.T) {
	if testing.Short() {
		t.Skip("registers more than users.MaxPageSize users")
	}
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		n := users.MaxPageSize + 3
		for i := range n {
			e.register(fmt.Sprintf("user%04d@x.com", i))
		}
		var buf bytes.Buffer
		if err := e.us.WriteCSV(e.ctx, &buf, users.Filter{}); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != n+1 {
			t.Fatalf("CSV has %d rows, want a header and %d users", len(rows), n)
		}
		for i, r := range rows[1:] {
			if want := fmt.Sprintf("user%04d@x.com", i); r[0] != want {
				t.Fatalf("row %d is %q, want %q", i+1, r[0], want)
			}
		}
	})
}
