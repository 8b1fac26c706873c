package scim

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestFilterTranslation(t *testing.T) {
	isActive := userAttrs().attrs["active"].sqlOf(t)
	cases := []struct {
		filter string
		sql    string
		args   []any
	}{
		{``, "1 = 1", nil},
		{`userName eq "Alice@Example.COM"`, "u.email = ?", []any{"alice@example.com"}},
		{`USERNAME Eq "bob@example.com"`, "u.email = ?", []any{"bob@example.com"}},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a@example.com"`, "u.email = ?", []any{"a@example.com"}},
		{`userName sw "Al_i%"`, `SUBSTR(u.email, 1, ?) = ?`, []any{5, `al_i%`}},
		{`externalId sw "Ext-é"`, `SUBSTR(r.external_id, 1, ?) = ?`, []any{5, `Ext-é`}},
		{`externalId co "X_%"`, `REPLACE(r.external_id, ?, '') <> r.external_id`, []any{`X_%`}},
		{`externalId co ""`, `r.external_id IS NOT NULL`, nil},
		{`displayName co "Ann"`, `LOWER(r.display_name) LIKE ? ESCAPE '\'`, []any{"%ann%"}},
		{`externalId eq "00uAbC"`, "r.external_id = ?", []any{"00uAbC"}},
		{`externalId pr`, "(r.external_id IS NOT NULL AND r.external_id <> '')", nil},
		{`active eq true`, isActive, nil},
		{`active eq "False"`, "NOT " + isActive, nil},
		{`id eq "x" or not (userName pr)`, "(u.id = ? OR NOT ((u.email IS NOT NULL AND u.email <> '')))", []any{"x"}},
		{`userName eq "a@example.com" and active eq true`, "(u.email = ? AND " + isActive + ")", []any{"a@example.com"}},
	}
	for _, c := range cases {
		got, err := parseFilter(c.filter, userAttrs())
		if err != nil {
			t.Errorf("%q: %v", c.filter, err)
			continue
		}
		if got.SQL != c.sql || !reflect.DeepEqual(got.Args, c.args) {
			t.Errorf("%q:\n got %s %#v\nwant %s %#v", c.filter, got.SQL, got.Args, c.sql, c.args)
		}
	}
}

func TestMembershipProbeIsOneCondition(t *testing.T) {
	got, err := parseFilter(`id eq "g1" and members eq "u1"`, groupAttrs("ws"))
	if err != nil {
		t.Fatal(err)
	}
	member, margs := groupAttrs("ws").attrs["members"].is("u1")
	if want := "(g.id = ? AND " + member + ")"; got.SQL != want {
		t.Errorf("SQL %s, want %s", got.SQL, want)
	}
	if want := append([]any{"g1"}, margs...); !reflect.DeepEqual(got.Args, want) {
		t.Errorf("args %v, want %v", got.Args, want)
	}
	vp, err := parseFilter(`members[value eq "u1"]`, groupAttrs("ws"))
	if err != nil || vp.SQL != member {
		t.Errorf("members[value eq]: %s %v", vp.SQL, err)
	}
}

func TestFilterRefusals(t *testing.T) {
	cases := []struct{ filter, detail string }{
		{`userName eq`, "The filter is not valid SCIM filter syntax."},
		{`password eq "x"`, `Filtering on "password" is not supported.`},
		{`emails.value eq "a@example.com"`, `Filtering on "emails.value" is not supported.`},
		{`urn:other:User:userName eq "a"`, `Filtering on "urn:other:User:userName" is not supported.`},
		{`userName gt "a"`, `The operator "gt" is not supported on "userName".`},
		{`userName ne "a"`, `The operator "ne" is not supported on "userName".`},
		{`id co "a"`, `The operator "co" is not supported on "id".`},
		{`active eq 1`, `"active" compares with true or false.`},
		{`userName eq true`, `"userName" compares with a string.`},
		{`name.givenName eq "x"`, `Filtering on "name.givenName" is not supported.`},
		{strings.Repeat("not (", 40) + `id eq "a"` + strings.Repeat(")", 40), "The filter nests deeper than 32 levels."},
		{strings.Repeat("a", 5000), "The filter is longer than 4096 bytes."},
	}
	for _, c := range cases {
		_, err := parseFilter(c.filter, userAttrs())
		if err == nil || err.Status != 400 || err.ScimType != TypeInvalidFilter || err.Detail != c.detail {
			t.Errorf("%.40q: %+v, want 400 invalidFilter %q", c.filter, err, c.detail)
		}
	}
	for _, f := range []string{`members pr`, `members co "u"`, `members[display eq "x"]`, `userName eq "a"`} {
		if _, err := parseFilter(f, groupAttrs("ws")); err == nil || err.ScimType != TypeInvalidFilter {
			t.Errorf("group filter %q: %+v, want invalidFilter", f, err)
		}
	}
}

// sqlOf returns a boolean attribute's condition.
func (a attr) sqlOf(t *testing.T) string {
	t.Helper()
	s, _ := a.is("")
	return s
}

// leaves returns every leaf condition the allow-list can produce: the SQL
// of each attribute under each operator, values being bind arguments.
func leaves(sa schemaAttrs) []string {
	var out []string
	for _, a := range sa.attrs {
		switch a.kind {
		case kindString:
			col := a.col
			if a.fold {
				col = "LOWER(" + col + ")"
				out = append(out, col+` LIKE ? ESCAPE '\'`)
			} else {
				out = append(out, "REPLACE("+col+", ?, '') <> "+col, "SUBSTR("+col+", 1, ?) = ?", col+" IS NOT NULL")
			}
			out = append(out, col+" = ?", "("+a.col+" IS NOT NULL AND "+a.col+" <> '')")
		case kindID:
			out = append(out, a.col+" = ?", "1 = 1")
		case kindBool:
			s, _ := a.is("")
			out = append(out, "NOT "+s, s, "1 = 1")
		case kindMember:
			s, _ := a.is("")
			out = append(out, s)
		}
	}
	// Longest first, so that a leaf containing another is replaced whole.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// structure is what may remain of a translated filter once its leaves are
// replaced: parentheses, AND, OR, NOT and leaf markers.
var structure = regexp.MustCompile(`^(?:[()\s]|AND|OR|NOT|LEAF)*$`)

// FuzzFilter feeds arbitrary filters to the translator: it never panics,
// and whatever it accepts is built only of the allow-list's own SQL (every
// leaf removed, only parentheses, AND, OR and NOT remain), with exactly one
// bind argument per placeholder, on the attributes the allow-list names.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{`userName eq "a@example.com"`, `id eq "g" and members eq "u"`, `members[value eq "u"]`,
		`not (active eq false) or displayName sw "x"`, `externalId pr`, `userName eq "x' OR 1=1 --"`, `userName eq "\"); DROP TABLE x"`,
		`(((a eq "b")))`, `emails[type eq "work"].value co "@"`} {
		f.Add(s)
	}
	sets := []schemaAttrs{userAttrs(), groupAttrs("ws")}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, sa := range sets {
			c, err := parseFilter(raw, sa)
			if err != nil {
				if err.Status != 400 || err.ScimType != TypeInvalidFilter {
					t.Fatalf("%q: refused with %+v", raw, err)
				}
				continue
			}
			if n := strings.Count(c.SQL, "?"); n != len(c.Args) {
				t.Fatalf("%q: %d placeholders, %d args: %s", raw, n, len(c.Args), c.SQL)
			}
			rest := c.SQL
			for _, l := range leaves(sa) {
				rest = strings.ReplaceAll(rest, l, "LEAF")
			}
			if !structure.MatchString(rest) {
				t.Fatalf("%q: SQL %q holds more than the allow-list's conditions: %q", raw, c.SQL, rest)
			}
			for _, a := range c.Attrs {
				name := strings.ToLower(a)
				if i := strings.LastIndex(name, ":"); i >= 0 {
					name = name[i+1:]
				}
				name, _, _ = strings.Cut(name, ".")
				name, _, _ = strings.Cut(name, "[")
				if _, ok := sa.attrs[name]; !ok {
					t.Fatalf("%q: tests %q, which is not allow-listed", raw, a)
				}
			}
		}
	})
}
