package scim

import (
	"fmt"
	"strings"

	"github.com/elimity-com/scim/schema"
)

// attrDef is what the Handler needs to know of one schema attribute to read
// a request: its canonical name, its shape, and whether a client may write
// it.
type attrDef struct {
	name     string
	typ      string // RFC 7643 type: string, boolean, complex, ...
	multi    bool
	readOnly bool
	subs     map[string]attrDef // complex: by lower-cased name
}

// resourceDef is the schema of a resource type: its core attributes and
// extensions, by lower-cased name and URN.
type resourceDef struct {
	name  string // "User", "Group"
	core  string // core schema URN
	attrs map[string]attrDef
	exts  map[string]extDef // by lower-cased URN
}

type extDef struct {
	urn   string
	attrs map[string]attrDef
}

func defsOf(as schema.Attributes) map[string]attrDef {
	out := make(map[string]attrDef, len(as))
	for _, a := range as {
		d := attrDef{name: a.Name(), typ: a.AttributeType(), multi: a.MultiValued(), readOnly: a.Mutability() == "readOnly"}
		if a.HasSubAttributes() {
			d.subs = defsOf(a.SubAttributes())
		}
		out[strings.ToLower(a.Name())] = d
	}
	return out
}

// userDef and groupDef are built from github.com/elimity-com/scim's RFC
// 7643 schemas, with the common attribute externalId.
func userDef() resourceDef {
	d := resourceDef{name: "User", core: UserSchema, attrs: defsOf(schema.CoreUserSchema().Attributes),
		exts: map[string]extDef{strings.ToLower(EnterpriseUserSchema): {urn: EnterpriseUserSchema, attrs: defsOf(enterpriseUser().Attributes)}}}
	d.attrs["externalid"] = attrDef{name: "externalId", typ: "string"}
	return d
}

func groupDef() resourceDef {
	d := resourceDef{name: "Group", core: GroupSchema, attrs: defsOf(schema.CoreGroupSchema().Attributes)}
	d.attrs["externalid"] = attrDef{name: "externalId", typ: "string"}
	return d
}

// ignored reports whether lk (lower-cased) is a top-level key a client may
// send but never sets: the server owns it (Okta sends id and schemas in
// path-less PATCH values).
func ignored(lk string) bool { return lk == "id" || lk == "schemas" || lk == "meta" }

// canonical returns body with every attribute name in its schema's case,
// Entra's "True"/"False" strings as booleans, and the server's keys (id,
// schemas, meta) and read-only attributes (a user's groups) and the
// password (never stored) dropped. An attribute the schema does not define,
// or a value of the wrong shape, is an invalidSyntax error.
func (d resourceDef) canonical(body map[string]any) (map[string]any, *Error) {
	out := make(map[string]any, len(body))
	for k, v := range body {
		lk := strings.ToLower(k)
		if ignored(lk) {
			continue
		}
		if ext, ok := d.exts[lk]; ok {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, badRequest(TypeInvalidSyntax, fmt.Sprintf("%q must be an object.", ext.urn))
			}
			cm, err := canonicalAttrs(ext.attrs, m, ext.urn+":")
			if err != nil {
				return nil, err
			}
			out[ext.urn] = cm
			continue
		}
		// A core attribute may be written with its schema URN.
		if rest, ok := cutPrefixFold(k, d.core+":"); ok {
			k, lk = rest, strings.ToLower(rest)
		}
		a, ok := d.attrs[lk]
		if !ok {
			return nil, unknownAttribute(k)
		}
		if a.readOnly || a.name == "password" {
			continue
		}
		cv, err := canonicalValue(a, v, "")
		if err != nil {
			return nil, err
		}
		out[a.name] = cv
	}
	return out, nil
}

func canonicalAttrs(defs map[string]attrDef, m map[string]any, prefix string) (map[string]any, *Error) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		a, ok := defs[strings.ToLower(k)]
		if !ok {
			return nil, unknownAttribute(prefix + k)
		}
		cv, err := canonicalValue(a, v, prefix)
		if err != nil {
			return nil, err
		}
		out[a.name] = cv
	}
	return out, nil
}

func unknownAttribute(name string) *Error {
	return badRequest(TypeInvalidSyntax, fmt.Sprintf("The attribute %q is not part of the schema.", name))
}

// canonicalValue checks v against a and returns it canonical.
func canonicalValue(a attrDef, v any, prefix string) (any, *Error) {
	if v == nil {
		return nil, nil
	}
	if a.multi {
		list, ok := v.([]any)
		if !ok {
			list = []any{v} // a single value where a list belongs: a list of one
		}
		out := make([]any, len(list))
		for i, x := range list {
			cv, err := canonicalSingle(a, x, prefix)
			if err != nil {
				return nil, err
			}
			out[i] = cv
		}
		return out, nil
	}
	return canonicalSingle(a, v, prefix)
}

func canonicalSingle(a attrDef, v any, prefix string) (any, *Error) {
	wrong := func(what string) *Error {
		return badRequest(TypeInvalidSyntax, fmt.Sprintf("%q must be %s.", prefix+a.name, what))
	}
	switch a.typ {
	case "complex":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, wrong("an object")
		}
		return canonicalAttrs(a.subs, m, prefix+a.name+".")
	case "boolean":
		b, ok := boolOf(v)
		if !ok {
			return nil, wrong("true or false")
		}
		return b, nil
	case "string", "reference", "binary", "dateTime":
		s, ok := v.(string)
		if !ok {
			return nil, wrong("a string")
		}
		if strings.ContainsRune(s, 0) { // PostgreSQL's text refuses NUL
			return nil, badRequest(TypeInvalidValue, fmt.Sprintf("%q cannot hold a NUL character.", prefix+a.name))
		}
	}
	return v, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// checkExternalID refuses a document whose externalId is longer than
// MaxExternalIDBytes.
func checkExternalID(doc map[string]any) *Error {
	if id, _ := doc["externalId"].(string); len(id) > MaxExternalIDBytes {
		return badRequest(TypeInvalidValue, fmt.Sprintf("An externalId is at most %d bytes long.", MaxExternalIDBytes))
	}
	return nil
}
