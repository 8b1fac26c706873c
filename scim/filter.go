package scim

import (
	"fmt"
	"strings"
	"unicode/utf8"

	filter "github.com/scim2/filter-parser/v2"
)

// A filter (RFC 7644 section 3.4.2.2) becomes one SQL condition: attribute
// names are looked up in an allow-list whose entries hold the SQL written
// here, in code; values from the request only ever travel as bind
// arguments. Anything outside the allow-list, and any operator but eq, co,
// sw and pr (with and, or, not), is refused with invalidFilter.

// maxFilterLen and maxFilterDepth bound what a filter may cost to parse and
// to query.
const (
	maxFilterLen   = 4096
	maxFilterDepth = 32
)

// attrKind is how an allow-listed attribute is compared.
type attrKind int

const (
	kindString attrKind = iota // eq, co, sw, pr on a text column
	kindID                     // eq, pr on an id column
	kindBool                   // eq, pr on a condition
	kindMember                 // eq: the group has the user as a member
)

// attr is one allow-listed attribute of a resource type.
type attr struct {
	kind attrKind
	col  string // kindString, kindID: the SQL column
	fold bool   // kindString: compare case-insensitively
	// norm maps a kindString value before it is compared (userName through
	// the email normalizer); nil keeps it.
	norm func(string) string
	// is returns, for kindBool, the condition that holds when the attribute
	// is true, and for kindMember, the condition that holds when the user
	// with id v is a member, each with its bind arguments.
	is func(v string) (string, []any)
}

// cond is a translated filter: SQL with one ? per argument, and the
// allow-listed attributes it tests.
type cond struct {
	SQL   string
	Args  []any
	Attrs []string
}

// schemaAttrs is the allow-list of one resource type, keyed by lower-cased
// attribute name, with the URN of its core schema.
type schemaAttrs struct {
	urn   string
	attrs map[string]attr
}

// parseFilter parses and translates raw. An empty raw is the condition that
// always holds.
func parseFilter(raw string, sa schemaAttrs) (cond, *Error) {
	if strings.TrimSpace(raw) == "" {
		return cond{SQL: "1 = 1"}, nil
	}
	if len(raw) > maxFilterLen {
		return cond{}, badRequest(TypeInvalidFilter, fmt.Sprintf("The filter is longer than %d bytes.", maxFilterLen))
	}
	expr, err := filter.ParseFilter([]byte(raw))
	// A NUL or invalid UTF-8 could reach no row, and PostgreSQL refuses it
	// as a bind argument: refused as bad syntax.
	if err != nil || !utf8.ValidString(raw) || strings.ContainsRune(raw, 0) {
		return cond{}, badRequest(TypeInvalidFilter, "The filter is not valid SCIM filter syntax.")
	}
	var c cond
	if e := c.expr(expr, sa, 0); e != nil {
		return cond{}, e
	}
	return c, nil
}

func (c *cond) expr(e filter.Expression, sa schemaAttrs, depth int) *Error {
	if depth > maxFilterDepth {
		return badRequest(TypeInvalidFilter, fmt.Sprintf("The filter nests deeper than %d levels.", maxFilterDepth))
	}
	switch e := e.(type) {
	case *filter.LogicalExpression:
		op := " AND "
		if e.Operator == filter.OR {
			op = " OR "
		}
		c.SQL += "("
		if err := c.expr(e.Left, sa, depth+1); err != nil {
			return err
		}
		c.SQL += op
		if err := c.expr(e.Right, sa, depth+1); err != nil {
			return err
		}
		c.SQL += ")"
	case *filter.NotExpression:
		c.SQL += "NOT ("
		if err := c.expr(e.Expression, sa, depth+1); err != nil {
			return err
		}
		c.SQL += ")"
	case *filter.AttributeExpression:
		return c.compare(e.AttributePath, e.Operator, e.CompareValue, sa)
	case *filter.ValuePath:
		return c.valuePath(e, sa)
	default:
		return badRequest(TypeInvalidFilter, "The filter is not valid SCIM filter syntax.")
	}
	return nil
}

// valuePath serves members[value eq "<id>"], the one value path a filter
// may use.
func (c *cond) valuePath(e *filter.ValuePath, sa schemaAttrs) *Error {
	a, ok := lookup(e.AttributePath, sa)
	inner, isCmp := e.ValueFilter.(*filter.AttributeExpression)
	if !ok || a.kind != kindMember || !isCmp || inner.AttributePath.URIPrefix != nil ||
		!strings.EqualFold(inner.AttributePath.AttributeName, "value") || inner.AttributePath.SubAttribute != nil {
		return unsupportedFilter(e.AttributePath.String())
	}
	return c.leaf(a, inner.Operator, inner.CompareValue, e.AttributePath.String())
}

func (c *cond) compare(p filter.AttributePath, op filter.CompareOperator, v any, sa schemaAttrs) *Error {
	a, ok := lookup(filter.AttributePath{URIPrefix: p.URIPrefix, AttributeName: p.AttributeName}, sa)
	if !ok {
		return unsupportedFilter(p.String())
	}
	// members.value is members; no other attribute has sub-attributes here.
	if p.SubAttribute != nil && (a.kind != kindMember || !strings.EqualFold(*p.SubAttribute, "value")) {
		return unsupportedFilter(p.String())
	}
	return c.leaf(a, op, v, p.String())
}

// lookup finds an allow-listed attribute, with or without its schema URN.
func lookup(p filter.AttributePath, sa schemaAttrs) (attr, bool) {
	if p.URIPrefix != nil && !strings.EqualFold(*p.URIPrefix, sa.urn) {
		return attr{}, false
	}
	if p.SubAttribute != nil {
		return attr{}, false
	}
	a, ok := sa.attrs[strings.ToLower(p.AttributeName)]
	return a, ok
}

func unsupportedFilter(name string) *Error {
	return badRequest(TypeInvalidFilter, fmt.Sprintf("Filtering on %q is not supported.", name))
}

func unsupportedOperator(op filter.CompareOperator, name string) *Error {
	return badRequest(TypeInvalidFilter, fmt.Sprintf("The operator %q is not supported on %q.", string(op), name))
}

// leaf appends the condition of one comparison.
func (c *cond) leaf(a attr, op filter.CompareOperator, v any, name string) *Error {
	c.Attrs = append(c.Attrs, strings.ToLower(name))
	if op == filter.PR {
		switch a.kind {
		case kindString:
			c.SQL += "(" + a.col + " IS NOT NULL AND " + a.col + " <> '')"
		case kindMember:
			return unsupportedOperator(op, name)
		default: // an id and a boolean are always present
			c.SQL += "1 = 1"
		}
		return nil
	}
	if op != filter.EQ && !(a.kind == kindString && (op == filter.CO || op == filter.SW)) {
		return unsupportedOperator(op, name)
	}
	switch a.kind {
	case kindBool:
		b, ok := boolOf(v)
		if !ok {
			return badRequest(TypeInvalidFilter, fmt.Sprintf("%q compares with true or false.", name))
		}
		sql, args := a.is("")
		if !b {
			sql = "NOT " + sql
		}
		c.add(sql, args...)
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return badRequest(TypeInvalidFilter, fmt.Sprintf("%q compares with a string.", name))
	}
	switch a.kind {
	case kindMember:
		sql, args := a.is(s)
		c.add(sql, args...)
	case kindID:
		c.add(a.col+" = ?", s)
	default:
		c.text(a, op, s)
	}
	return nil
}

// text appends a comparison of a text column. A case-insensitive attribute
// (fold) compares lower cases with LIKE. A case-exact one cannot use LIKE,
// which ignores ASCII case on SQLite and not on PostgreSQL; it uses what
// compares exactly on both: substr for sw, replace for co (the value occurs
// when removing it changes the column; an empty value is in every column).
func (c *cond) text(a attr, op filter.CompareOperator, s string) {
	if a.norm != nil {
		s = a.norm(s)
	}
	col := a.col
	if a.fold {
		col, s = "LOWER("+col+")", strings.ToLower(s)
		switch op {
		case filter.CO:
			c.add(col+` LIKE ? ESCAPE '\'`, "%"+escapeLike(s)+"%")
			return
		case filter.SW:
			c.add(col+` LIKE ? ESCAPE '\'`, escapeLike(s)+"%")
			return
		}
	}
	switch op {
	case filter.EQ:
		c.add(col+" = ?", s)
	case filter.CO:
		if s == "" {
			c.add(col + " IS NOT NULL")
			return
		}
		c.add("REPLACE("+col+", ?, '') <> "+col, s)
	case filter.SW:
		c.add("SUBSTR("+col+", 1, ?) = ?", utf8.RuneCountInString(s), s)
	}
}

func (c *cond) add(sql string, args ...any) {
	c.SQL += sql
	c.Args = append(c.Args, args...)
}

// escapeLike escapes LIKE's wildcards and its escape character.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// boolOf reads a boolean filter value: true or false, or Entra's "True" and
// "False" strings.
func boolOf(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(v) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}
