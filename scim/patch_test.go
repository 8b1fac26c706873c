package scim

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return m
}

func patchBody(ops string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`
}

// patchUser applies a PATCH body to a user document.
func patchUser(doc map[string]any, body map[string]any) (map[string]any, *Error) {
	ops, err := parsePatch(body)
	if err != nil {
		return nil, err
	}
	d := userDef()
	for _, op := range ops {
		if err := d.apply(doc, op); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

func TestPatchUser(t *testing.T) {
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	cases := []struct {
		name, doc, ops, want string
	}{
		{"okta path-less active false", `{"userName":"a@example.com","active":true}`,
			`[{"op":"replace","value":{"id":"x","active":false}}]`, `{"userName":"a@example.com","active":false}`},
		{"entra capitalized op and True string", `{"active":false}`,
			`[{"op":"Replace","path":"active","value":"True"}]`, `{"active":true}`},
		{"entra path-less dotted keys and URN", `{"name":{"familyName":"F"}}`,
			`[{"op":"Replace","value":{"name.givenName":"G","` + ent + `:department":"Eng","displayName":"G F"}}]`,
			`{"name":{"familyName":"F","givenName":"G"},"displayName":"G F","` + ent + `":{"department":"Eng"}}`},
		{"entra work email when none", `{}`,
			`[{"op":"Add","path":"emails[type eq \"work\"].value","value":"w@example.com"}]`,
			`{"emails":[{"type":"work","value":"w@example.com"}]}`},
		{"replace the matching email only", `{"emails":[{"type":"work","value":"a@x.io"},{"type":"home","value":"h@x.io"}]}`,
			`[{"op":"replace","path":"emails[type eq \"work\"].value","value":"b@x.io"}]`,
			`{"emails":[{"type":"work","value":"b@x.io"},{"type":"home","value":"h@x.io"}]}`},
		{"remove a sub-attribute", `{"name":{"givenName":"G","familyName":"F"}}`,
			`[{"op":"remove","path":"name.familyName"}]`, `{"name":{"givenName":"G"}}`},
		{"entra manager as a string", `{}`,
			`[{"op":"Add","path":"` + ent + `:manager","value":"m-1"}]`, `{"` + ent + `":{"manager":{"value":"m-1"}}}`},
		{"attribute names are case-insensitive", `{}`,
			`[{"op":"add","path":"DISPLAYNAME","value":"D"},{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:title","value":"T"}]`,
			`{"displayName":"D","title":"T"}`},
		{"add to a list keeps what is there", `{"phoneNumbers":[{"value":"1"}]}`,
			`[{"op":"add","path":"phoneNumbers","value":[{"value":"1"},{"value":"2"}]}]`, `{"phoneNumbers":[{"value":"1"},{"value":"2"}]}`},
	}
	for _, c := range cases {
		got, err := patchUser(decode(t, c.doc), decode(t, patchBody(c.ops)))
		if err != nil {
			t.Errorf("%s: %+v", c.name, err)
			continue
		}
		if want := decode(t, c.want); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", c.name, got, want)
		}
	}
}

func TestPatchRefusals(t *testing.T) {
	cases := []struct {
		name, body, scimType, detail string
	}{
		{"no schema", `{"Operations":[{"op":"add","path":"title","value":"x"}]}`, TypeInvalidSyntax,
			"A PATCH body must name the schema urn:ietf:params:scim:api:messages:2.0:PatchOp."},
		{"no operations", patchBody(`[]`), TypeInvalidSyntax, "A PATCH body must carry a list of Operations."},
		{"op not an object", patchBody(`["x"]`), TypeInvalidSyntax, "Each operation must be an object."},
		{"unknown op", patchBody(`[{"op":"move","path":"title"}]`), TypeInvalidSyntax, "Each operation's op must be add, replace or remove."},
		{"path not a string", patchBody(`[{"op":"add","path":1,"value":"x"}]`), TypeInvalidPath, "An operation's path must be a string."},
		{"remove without path", patchBody(`[{"op":"remove"}]`), TypeNoTarget, "A remove operation must have a path."},
		{"path-less scalar", patchBody(`[{"op":"replace","value":"x"}]`), TypeInvalidSyntax, "An add or replace without a path must have an object as its value."},
		{"unknown attribute", patchBody(`[{"op":"add","path":"shoeSize","value":"x"}]`), TypeInvalidPath, `The path "shoeSize" is not an attribute roster serves.`},
		{"unknown path-less key", patchBody(`[{"op":"replace","value":{"shoeSize":"x"}}]`), TypeInvalidPath, `The path "shoeSize" is not an attribute roster serves.`},
		{"unknown sub-attribute", patchBody(`[{"op":"add","path":"name.nick","value":"x"}]`), TypeInvalidPath, `The path "name.nick" is not an attribute roster serves.`},
		{"unknown extension", patchBody(`[{"op":"add","path":"urn:x:User:a","value":"x"}]`), TypeInvalidPath, `The path "urn:x:User:a" is not an attribute roster serves.`},
		{"bad path syntax", patchBody(`[{"op":"add","path":"emails[","value":"x"}]`), TypeInvalidPath, `The path "emails[" is not a valid SCIM path.`},
		{"read-only groups", patchBody(`[{"op":"add","path":"groups","value":[]}]`), TypeMutability, `The attribute "groups" cannot be changed.`},
		{"the id", patchBody(`[{"op":"replace","path":"id","value":"x"}]`), TypeMutability, `The attribute "id" cannot be changed.`},
		{"wrong type", patchBody(`[{"op":"replace","path":"active","value":"maybe"}]`), TypeInvalidSyntax, `"active" must be true or false.`},
		{"string where an object belongs", patchBody(`[{"op":"replace","path":"name","value":"x"}]`), TypeInvalidSyntax, `"name" must be an object.`},
		{"number where a string belongs", patchBody(`[{"op":"replace","path":"name.givenName","value":1}]`), TypeInvalidSyntax, `"name.givenName" must be a string.`},
		{"filter on a single value", patchBody(`[{"op":"replace","path":"name[givenName eq \"x\"]","value":{}}]`), TypeInvalidPath, `The path "name[givenName eq \"x\"]" is not an attribute roster serves.`},
		{"no match for a complex filter", patchBody(`[{"op":"replace","path":"emails[type eq \"work\" and primary eq true].value","value":"x"}]`), TypeNoTarget, `The path "emails[type eq \"work\" and primary eq true].value" matches no value.`},
		{"unsupported operator in a value filter", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"emails[value gt \"a\"]"}]}`, TypeInvalidFilter, `The operator "gt" is not supported in a path's value filter.`},
	}
	doc := `{"emails":[{"type":"home","value":"h@x.io"}]}`
	for _, c := range cases {
		_, err := patchUser(decode(t, doc), decode(t, c.body))
		if err == nil || err.Status != 400 || err.ScimType != c.scimType || err.Detail != c.detail {
			t.Errorf("%s: %+v, want 400 %s %q", c.name, err, c.scimType, c.detail)
		}
	}
}

const (
	uA = "0b7e3f6a-1c1d-4c4e-9a0e-000000000001"
	uB = "0b7e3f6a-1c1d-4c4e-9a0e-000000000002"
	uC = "0b7e3f6a-1c1d-4c4e-9a0e-000000000003"
	uD = "0b7e3f6a-1c1d-4c4e-9a0e-000000000004"
)

// setWriter applies member changes to a set.
type setWriter map[string]bool

func (s setWriter) add(ids []string) error {
	for _, id := range ids {
		s[id] = true
	}
	return nil
}

func (s setWriter) remove(ids []string) error {
	for _, id := range ids {
		delete(s, id)
	}
	return nil
}

func (s setWriter) replace(ids []string) error {
	clear(s)
	return s.add(ids)
}

func (s setWriter) sorted() []string {
	var out []string
	for id := range s {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// patchMembers applies a PATCH body's member operations to {A, B, C}.
func patchMembers(body map[string]any) (setWriter, []patchOp, *Error) {
	ops, err := parsePatch(body)
	if err != nil {
		return nil, nil, err
	}
	rest, mops, err := splitGroupPatch(ops)
	if err != nil {
		return nil, nil, err
	}
	s := setWriter{uA: true, uB: true, uC: true}
	if err := runMemberOps(s, mops); err != nil {
		return nil, nil, &Error{Status: 500, Detail: err.Error()}
	}
	return s, rest, nil
}

func TestPatchMembers(t *testing.T) {
	cases := []struct {
		name, ops string
		want      []string
	}{
		{"okta add", `[{"op":"add","path":"members","value":[{"value":"` + uD + `","display":"d@example.com"}]}]`, []string{uA, uB, uC, uD}},
		{"okta remove by value path", `[{"op":"remove","path":"members[value eq \"` + uB + `\"]"}]`, []string{uA, uC}},
		{"entra Remove with a value array removes those only", `[{"op":"Remove","path":"members","value":[{"value":"` + uA + `"}]}]`, []string{uB, uC}},
		{"removing a non-member succeeds", `[{"op":"remove","path":"members","value":[{"value":"` + uD + `"}]}]`, []string{uA, uB, uC}},
		{"remove several by or", `[{"op":"remove","path":"members[value eq \"` + uA + `\" or value eq \"` + uC + `\"]"}]`, []string{uB}},
		{"replace", `[{"op":"replace","path":"members","value":[{"value":"` + uD + `"}]}]`, []string{uD}},
		{"replace with [] empties", `[{"op":"replace","path":"members","value":[]}]`, nil},
		{"path-less add", `[{"op":"add","value":{"members":[{"value":"` + uD + `"}]}}]`, []string{uA, uB, uC, uD}},
		{"upper-case id is the same user", `[{"op":"remove","path":"members","value":[{"value":"` + strings.ToUpper(uA) + `"}]}]`, []string{uB, uC}},
		{"in order", `[{"op":"remove","path":"members","value":[{"value":"` + uA + `"}]},{"op":"add","path":"members","value":[{"value":"` + uA + `"}]}]`, []string{uA, uB, uC}},
	}
	for _, c := range cases {
		got, _, err := patchMembers(decode(t, patchBody(c.ops)))
		if err != nil {
			t.Errorf("%s: %+v", c.name, err)
			continue
		}
		if !slices.Equal(got.sorted(), c.want) {
			t.Errorf("%s: members %v, want %v", c.name, got.sorted(), c.want)
		}
	}
}

func TestPatchMemberRefusals(t *testing.T) {
	many := make([]string, MaxMembers+1)
	for i := range many {
		many[i] = fmt.Sprintf(`{"value":"0b7e3f6a-1c1d-4c4e-9a0e-%012d"}`, i)
	}
	half := strings.Join(many[:MaxMembers/2+1], ",")
	cases := []struct {
		name, ops, scimType, detail string
	}{
		{"remove all", `[{"op":"remove","path":"members"}]`, TypeNoTarget, "Say which members to remove: roster never removes every member of a group at once."},
		{"not a uuid", `[{"op":"add","path":"members","value":[{"value":"bob"}]}]`, TypeInvalidValue, `The member "bob" is not a user id.`},
		{"not a uuid in a filter", `[{"op":"remove","path":"members[value eq \"bob\"]"}]`, TypeInvalidValue, `The member "bob" is not a user id.`},
		{"no value key", `[{"op":"add","path":"members","value":[{"display":"x"}]}]`, TypeInvalidValue, `Each member must be an object with the user's id as "value".`},
		{"a members filter on display", `[{"op":"remove","path":"members[display eq \"x\"]"}]`, TypeInvalidFilter, `A members filter must be value eq "<user id>", or several joined with or.`},
		{"add by value path", `[{"op":"add","path":"members[value eq \"` + uA + `\"]","value":{}}]`, TypeInvalidPath, `The path "members[value eq \"` + uA + `\"]" is not an attribute roster serves.`},
		{"members.value", `[{"op":"remove","path":"members.value","value":"x"}]`, TypeInvalidPath, `The path "members.value" is not an attribute roster serves.`},
		{"too many in one op", `[{"op":"add","path":"members","value":[` + strings.Join(many, ",") + `]}]`, TypeInvalidValue, "A request carries at most 10000 members."},
		{"too many across ops", `[{"op":"add","path":"members","value":[` + half + `]},{"op":"add","path":"members","value":[` + half + `]}]`, TypeInvalidValue, "A request carries at most 10000 members."},
	}
	for _, c := range cases {
		_, _, err := patchMembers(decode(t, patchBody(c.ops)))
		if err == nil || err.Status != 400 || err.ScimType != c.scimType || err.Detail != c.detail {
			t.Errorf("%s: %+v, want 400 %s %q", c.name, err, c.scimType, c.detail)
		}
	}
}

// FuzzPatch feeds arbitrary PATCH bodies to a group {A, B, C}: parsing and
// applying never panic, and a member leaves only if the body names that
// member's id or has a replace operation on members; a member joins only if
// the body names them. What the body names and does is read from the decoded
// JSON (escapes resolved), not from the parser under test.
func FuzzPatch(f *testing.F) {
	for _, s := range []string{
		patchBody(`[{"op":"Remove","path":"members","value":[{"value":"` + uA + `"}]}]`),
		patchBody(`[{"op":"remove","path":"members[value eq \"` + uB + `\"]"}]`),
		patchBody(`[{"op":"remove","path":"members"}]`),
		patchBody(`[{"op":"add","value":{"members":[{"value":"` + uD + `"}]}}]`),
		patchBody(`[{"op":"replace","path":"members","value":[]}]`),
		patchBody(`[{"op":"Replace","value":{"displayName":"x","members":[]}}]`),
		patchBody(`[{"op":"remove","path":"members","value":{"value":"` + uC + `"}}]`),
		patchBody(`[{"op":"replace","path":"displayName","value":"x"},{"op":"remove","path":"members","value":[{"value":"\u0030` + uA[1:] + `"}]}]`),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var body map[string]any
		if json.Unmarshal([]byte(raw), &body) != nil || body == nil {
			return
		}
		got, rest, err := patchMembers(body)
		if err != nil {
			if err.Status != 400 {
				t.Fatalf("%s: refused with %+v", raw, err)
			}
			return
		}
		d := groupDef()
		for _, op := range rest {
			_ = d.apply(map[string]any{}, op) // must not panic
		}
		names := func(id string) bool {
			return slices.ContainsFunc(decodedStrings(body), func(s string) bool { return strings.Contains(s, id) })
		}
		replaces := replacesMembers(body)
		for _, id := range []string{uA, uB, uC} {
			if !got[id] && !replaces && !names(id) {
				t.Fatalf("%s: removed %s, which the body never names", raw, id)
			}
		}
		for id := range got {
			if id != uA && id != uB && id != uC && !names(id) {
				t.Fatalf("%s: added %s, which the body never names", raw, id)
			}
		}
	})
}

// TestFuzzPatchOracle checks FuzzPatch's reading of a body: a replace
// elsewhere, or an escape, does not excuse a removal of a member the body
// does not name.
func TestFuzzPatchOracle(t *testing.T) {
	for _, c := range []struct {
		body     string
		replaces bool
	}{
		{`{"Operations":[{"op":"replace","path":"displayName","value":"replace"}]}`, false},
		{`{"Operations":[{"op":"Replace","path":"members","value":[]}]}`, true},
		{`{"Operations":[{"OP":"REPLACE","value":{"displayName":"x","MEMBERS":[]}}]}`, true},
		{`{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:Group:members":[]}}]}`, true},
		{`{"Operations":[{"op":"\u0072eplace","path":"members","value":[]}]}`, true},
		{`{"Operations":[{"op":"add","path":"members","value":[]},{"op":"replace","path":"displayName","value":"members"}]}`, false},
		{`{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:Group":{"members":[]}}}]}`, true},
	} {
		var body map[string]any
		if err := json.Unmarshal([]byte(c.body), &body); err != nil {
			t.Fatal(err)
		}
		if got := replacesMembers(body); got != c.replaces {
			t.Errorf("%s: replacesMembers %v, want %v", c.body, got, c.replaces)
		}
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(`{"a":["\u0030`+uA[1:]+`"]}`), &body); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(decodedStrings(body), strings.ToLower(uA)) {
		t.Errorf("decodedStrings %v lacks %s", decodedStrings(body), uA)
	}
}

// decodedStrings returns every key and string value in v, lower-cased.
func decodedStrings(v any) []string {
	var out []string
	switch v := v.(type) {
	case string:
		out = append(out, strings.ToLower(v))
	case []any:
		for _, x := range v {
			out = append(out, decodedStrings(x)...)
		}
	case map[string]any:
		for k, x := range v {
			out = append(out, strings.ToLower(k))
			out = append(out, decodedStrings(x)...)
		}
	}
	return out
}

// replacesMembers reports whether a decoded body has a replace operation on
// members (an object with an "op" of "replace", in any case, whose path
// names members, or without a string path, whose value has a members key at
// any depth): the one kind of operation that may remove members the body
// does not name.
func replacesMembers(v any) bool {
	mentions := func(ss []string) bool {
		return slices.ContainsFunc(ss, func(s string) bool { return strings.Contains(s, "members") })
	}
	switch v := v.(type) {
	case []any:
		return slices.ContainsFunc(v, replacesMembers)
	case map[string]any:
		var replace, hasPath, onMembers bool
		var value []any
		for k, x := range v {
			switch {
			case strings.EqualFold(k, "op"):
				if op, ok := x.(string); ok && strings.EqualFold(strings.TrimSpace(op), "replace") {
					replace = true
				}
			case strings.EqualFold(k, "path"):
				if p, ok := x.(string); ok {
					hasPath = true
					onMembers = onMembers || strings.Contains(strings.ToLower(p), "members")
				}
			case strings.EqualFold(k, "value"):
				value = append(value, x)
			}
		}
		if replace && (onMembers || (!hasPath && mentions(keysOf(value)))) {
			return true
		}
		for _, x := range v {
			if replacesMembers(x) {
				return true
			}
		}
	}
	return false
}

// keysOf returns every object key in v, at any depth, lower-cased.
func keysOf(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			out = append(out, keysOf(x)...)
		}
	case map[string]any:
		for k, x := range v {
			out = append(out, strings.ToLower(k))
			out = append(out, keysOf(x)...)
		}
	}
	return out
}

func TestMaxMembersIsAllowed(t *testing.T) {
	list := make([]any, MaxMembers)
	for i := range list {
		list[i] = map[string]any{"value": fmt.Sprintf("0b7e3f6a-1c1d-4c4e-9a0e-%012d", i)}
	}
	ids, err := memberIDs(list)
	if err != nil || len(ids) != MaxMembers {
		t.Fatalf("%d members: %d ids, %+v", MaxMembers, len(ids), err)
	}
	if _, err := memberIDs(append(list, list[0])); err == nil || err.Detail != "A request carries at most 10000 members." {
		t.Fatalf("%d members: %+v", MaxMembers+1, err)
	}
}
