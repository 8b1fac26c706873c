package scim

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// maxOperations bounds the operations of one PATCH.
const maxOperations = 1000

// patchOp is one operation of a PATCH (RFC 7644 section 3.5.2), normalized:
// op lower-cased, and a path on every add and replace (a path-less one is
// split into one operation per key of its value).
type patchOp struct {
	op    string // "add", "replace" or "remove"
	path  string
	value any
}

// parsePatch reads a PatchOp body into operations, accepting the providers'
// quirks: Entra's capitalized ops ("Replace") and member names
// ("Operations"), path-less add and replace whose value keys are paths
// (Entra's "name.givenName" and extension URNs, Okta's {"active": false}),
// and the id and schemas Okta puts among them (ignored).
func parsePatch(body map[string]any) ([]patchOp, *Error) {
	if !hasSchema(body, PatchOpSchema) {
		return nil, badRequest(TypeInvalidSyntax, "A PATCH body must name the schema "+PatchOpSchema+".")
	}
	raw, ok := getFold(body, "Operations").([]any)
	if !ok || len(raw) == 0 {
		return nil, badRequest(TypeInvalidSyntax, "A PATCH body must carry a list of Operations.")
	}
	if len(raw) > maxOperations {
		return nil, badRequest(TypeInvalidSyntax, fmt.Sprintf("A PATCH body carries at most %d operations.", maxOperations))
	}
	var ops []patchOp
	for _, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, badRequest(TypeInvalidSyntax, "Each operation must be an object.")
		}
		op, _ := getFold(m, "op").(string)
		op = strings.ToLower(op)
		if op != "add" && op != "replace" && op != "remove" {
			return nil, badRequest(TypeInvalidSyntax, "Each operation's op must be add, replace or remove.")
		}
		path, isString := getFold(m, "path").(string)
		if getFold(m, "path") != nil && !isString {
			return nil, badRequest(TypeInvalidPath, "An operation's path must be a string.")
		}
		value := getFold(m, "value")
		path = strings.TrimSpace(path)
		switch {
		case path != "":
			ops = append(ops, patchOp{op: op, path: path, value: value})
		case op == "remove":
			return nil, scimErr(400, TypeNoTarget, "A remove operation must have a path.")
		default:
			split, err := splitPathless(op, value)
			if err != nil {
				return nil, err
			}
			ops = append(ops, split...)
		}
	}
	return ops, nil
}

// splitPathless turns a path-less add or replace into one operation per key
// of its value, in the keys' order (sorted, for a deterministic result).
func splitPathless(op string, value any) ([]patchOp, *Error) {
	m, ok := value.(map[string]any)
	if !ok {
		return nil, badRequest(TypeInvalidSyntax, "An add or replace without a path must have an object as its value.")
	}
	keys := slices.Sorted(maps.Keys(m))
	out := make([]patchOp, 0, len(keys))
	for _, k := range keys {
		if ignored(strings.ToLower(k)) {
			continue
		}
		out = append(out, patchOp{op: op, path: k, value: m[k]})
	}
	return out, nil
}

// getFold returns the value of m's key that equals key case-insensitively
// (SCIM attribute names are case-insensitive), or nil.
func getFold(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// hasSchema reports whether body's schemas list holds urn.
func hasSchema(body map[string]any, urn string) bool {
	list, _ := getFold(body, "schemas").([]any)
	for _, s := range list {
		if str, ok := s.(string); ok && strings.EqualFold(str, urn) {
			return true
		}
	}
	return false
}

// target is where a PATCH path points in a resource document.
type target struct {
	container map[string]any // the object that holds the attribute
	def       attrDef
	sub       *attrDef          // a sub-attribute: name.givenName, emails[...].value
	vf        filter.Expression // a value filter of a multi-valued attribute
	path      string
}

// resolve finds path's target in doc (a canonical resource document; an
// extension's object is made if missing). An attribute outside the schema,
// or a path of a shape roster does not serve, is invalidPath; a read-only
// attribute is mutability.
func (d resourceDef) resolve(doc map[string]any, path string) (target, *Error) {
	if ext, ok := d.exts[strings.ToLower(path)]; ok { // the whole extension
		return target{container: doc, def: attrDef{name: ext.urn, typ: "complex", subs: ext.attrs}, path: path}, nil
	}
	p, err := filter.ParsePath([]byte(path))
	if err != nil {
		return target{}, badRequest(TypeInvalidPath, fmt.Sprintf("The path %q is not a valid SCIM path.", path))
	}
	container, defs, inCore := doc, d.attrs, true
	if p.AttributePath.URIPrefix != nil {
		uri := *p.AttributePath.URIPrefix
		ext, isExt := d.exts[strings.ToLower(uri)]
		switch {
		case isExt:
			m, _ := doc[ext.urn].(map[string]any)
			if m == nil {
				m = map[string]any{}
				doc[ext.urn] = m
			}
			container, defs, inCore = m, ext.attrs, false
		case !strings.EqualFold(uri, d.core):
			return target{}, unknownPath(path)
		}
	}
	lk := strings.ToLower(p.AttributePath.AttributeName)
	if inCore && ignored(lk) {
		return target{}, scimErr(400, TypeMutability, fmt.Sprintf("The attribute %q cannot be changed.", p.AttributePath.AttributeName))
	}
	a, ok := defs[lk]
	if !ok {
		return target{}, unknownPath(path)
	}
	if a.readOnly {
		return target{}, scimErr(400, TypeMutability, fmt.Sprintf("The attribute %q cannot be changed.", a.name))
	}
	t := target{container: container, def: a, vf: p.ValueExpression, path: path}
	sub := p.AttributePath.SubAttribute
	if sub == nil {
		sub = p.SubAttribute
	}
	if sub != nil {
		s, ok := a.subs[strings.ToLower(*sub)]
		if !ok {
			return target{}, unknownPath(path)
		}
		t.sub = &s
	}
	if (t.vf != nil && !a.multi) || (t.sub != nil && a.multi && t.vf == nil) {
		return target{}, unknownPath(path)
	}
	return t, nil
}

func unknownPath(path string) *Error {
	return badRequest(TypeInvalidPath, fmt.Sprintf("The path %q is not an attribute roster serves.", path))
}

// apply runs one operation on doc. Members of a group never reach it (see
// memberOps).
func (d resourceDef) apply(doc map[string]any, op patchOp) *Error {
	t, err := d.resolve(doc, op.path)
	if err != nil {
		return err
	}
	if t.vf != nil {
		return t.applyFiltered(op)
	}
	if t.sub != nil {
		obj, _ := t.container[t.def.name].(map[string]any)
		if obj == nil {
			obj = map[string]any{}
		}
		if op.op == "remove" {
			delete(obj, t.sub.name)
		} else {
			v, err := canonicalValue(*t.sub, subValue(*t.sub, op.value), t.def.name+".")
			if err != nil {
				return err
			}
			obj[t.sub.name] = v
		}
		t.container[t.def.name] = obj
		return nil
	}
	if op.op == "remove" {
		delete(t.container, t.def.name)
		return nil
	}
	v, err := canonicalValue(t.def, subValue(t.def, op.value), "")
	if err != nil {
		return err
	}
	switch {
	case v == nil:
		delete(t.container, t.def.name)
	case t.def.multi && op.op == "add":
		old, _ := t.container[t.def.name].([]any)
		t.container[t.def.name] = appendNew(old, v.([]any))
	case t.def.typ == "complex" && !t.def.multi:
		old, _ := t.container[t.def.name].(map[string]any)
		merged := maps.Clone(old)
		if merged == nil {
			merged = map[string]any{}
		}
		maps.Copy(merged, v.(map[string]any))
		t.container[t.def.name] = merged
	default:
		t.container[t.def.name] = v
	}
	return nil
}

// subValue accepts Entra's manager written as the manager's id string where
// the schema has a complex {"value": id}.
func subValue(a attrDef, v any) any {
	if s, ok := v.(string); ok && a.typ == "complex" && !a.multi {
		if _, hasValue := a.subs["value"]; hasValue {
			return map[string]any{"value": s}
		}
	}
	return v
}

// appendNew appends the values of add not already in list.
func appendNew(list, add []any) []any {
	out := slices.Clone(list)
	for _, v := range add {
		if !slices.ContainsFunc(out, func(x any) bool { return reflect.DeepEqual(x, v) }) {
			out = append(out, v)
		}
	}
	return out
}

// applyFiltered runs an operation on the elements of a multi-valued
// attribute its value filter matches (emails[type eq "work"].value).
func (t target) applyFiltered(op patchOp) *Error {
	list, _ := t.container[t.def.name].([]any)
	var kept []any
	matched := false
	for _, el := range list {
		m, _ := el.(map[string]any)
		ok, err := matches(t.vf, m)
		if err != nil {
			return err
		}
		if !ok {
			kept = append(kept, el)
			continue
		}
		matched = true
		switch {
		case op.op == "remove" && t.sub == nil:
			continue // the element goes
		case op.op == "remove":
			m = maps.Clone(m)
			delete(m, t.sub.name)
		default:
			nm, err := t.updated(m, op.value)
			if err != nil {
				return err
			}
			m = nm
		}
		kept = append(kept, m)
	}
	if !matched && op.op != "remove" {
		// Entra replaces emails[type eq "work"].value on a user who has no
		// work email yet: make the element the filter describes.
		seed, ok := seedOf(t.vf)
		if !ok {
			return scimErr(400, TypeNoTarget, fmt.Sprintf("The path %q matches no value.", t.path))
		}
		nm, err := t.updated(seed, op.value)
		if err != nil {
			return err
		}
		kept = append(kept, nm)
	}
	if len(kept) == 0 {
		delete(t.container, t.def.name)
		return nil
	}
	t.container[t.def.name] = kept
	return nil
}

// updated returns element m with op's value written: into the
// sub-attribute, or merged into the element.
func (t target) updated(m map[string]any, value any) (map[string]any, *Error) {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]any{}
	}
	if t.sub != nil {
		v, err := canonicalValue(*t.sub, value, t.def.name+".")
		if err != nil {
			return nil, err
		}
		out[t.sub.name] = v
		return out, nil
	}
	v, err := canonicalSingle(t.def, value, "")
	if err != nil {
		return nil, err
	}
	maps.Copy(out, v.(map[string]any))
	return out, nil
}

// seedOf returns the element an equality filter describes: {"type":
// "work"} for type eq "work".
func seedOf(e filter.Expression) (map[string]any, bool) {
	a, ok := e.(*filter.AttributeExpression)
	if !ok || a.Operator != filter.EQ || a.AttributePath.SubAttribute != nil || a.AttributePath.URIPrefix != nil {
		return nil, false
	}
	return map[string]any{a.AttributePath.AttributeName: a.CompareValue}, true
}

// matches evaluates a value filter on one element of a multi-valued
// attribute: eq, ne, co, sw, ew and pr on its sub-attributes, with and, or
// and not. Strings compare case-insensitively (type, value and display are
// not case-exact in RFC 7643).
func matches(e filter.Expression, el map[string]any) (bool, *Error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := matches(e.Left, el)
		if err != nil {
			return false, err
		}
		r, err := matches(e.Right, el)
		if err != nil {
			return false, err
		}
		if e.Operator == filter.AND {
			return l && r, nil
		}
		return l || r, nil
	case *filter.NotExpression:
		v, err := matches(e.Expression, el)
		return !v, err
	case *filter.AttributeExpression:
		return compareValue(getFold(el, e.AttributePath.AttributeName), e.Operator, e.CompareValue)
	}
	return false, badRequest(TypeInvalidFilter, "The value filter of the path is not supported.")
}

func compareValue(got any, op filter.CompareOperator, want any) (bool, *Error) {
	if op == filter.PR {
		return got != nil && got != "", nil
	}
	gs, gok := got.(string)
	ws, wok := want.(string)
	if gok && wok {
		gs, ws = strings.ToLower(gs), strings.ToLower(ws)
		switch op {
		case filter.EQ:
			return gs == ws, nil
		case filter.NE:
			return gs != ws, nil
		case filter.CO:
			return strings.Contains(gs, ws), nil
		case filter.SW:
			return strings.HasPrefix(gs, ws), nil
		case filter.EW:
			return strings.HasSuffix(gs, ws), nil
		}
	}
	switch op {
	case filter.EQ:
		return reflect.DeepEqual(got, want), nil
	case filter.NE:
		return !reflect.DeepEqual(got, want), nil
	}
	return false, badRequest(TypeInvalidFilter, fmt.Sprintf("The operator %q is not supported in a path's value filter.", string(op)))
}
