package scim

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
	filter "github.com/scim2/filter-parser/v2"
)

// memberOp is a change of a group's members that a PATCH, PUT or POST asks
// for. A group's members are never loaded into its document: they are
// roster's membership lines, changed by id.
type memberOp struct {
	kind string // "add", "remove" or "replace"
	ids  []string
}

// memberWriter applies member changes: inside a transaction in the
// Handler, to a set in the fuzz test.
type memberWriter interface {
	add(ids []string) error
	remove(ids []string) error
	replace(ids []string) error
}

// runMemberOps applies ops in order.
func runMemberOps(w memberWriter, ops []memberOp) error {
	for _, op := range ops {
		var err error
		switch op.kind {
		case "add":
			err = w.add(op.ids)
		case "remove":
			err = w.remove(op.ids)
		case "replace":
			err = w.replace(op.ids)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// isMembersPath reports whether path names the members attribute of a
// group (members, members[...], members.value, or with the core URN).
func isMembersPath(path string) (filter.Path, bool) {
	p, err := filter.ParsePath([]byte(path))
	if err != nil || !strings.EqualFold(p.AttributePath.AttributeName, "members") {
		return filter.Path{}, false
	}
	if u := p.AttributePath.URIPrefix; u != nil && !strings.EqualFold(*u, GroupSchema) {
		return filter.Path{}, false
	}
	return p, true
}

// memberOpOf reads a PATCH operation on members:
//   - add members with a list of {"value": id} adds them;
//   - replace members with a list replaces the members with it ([] empties
//     the group);
//   - remove members[value eq "id"] (or several joined with or) removes
//     those;
//   - remove members with a list of {"value": id} removes THOSE members:
//     Entra sends it, and taking RFC 7644 literally (remove every member)
//     would empty the group;
//   - remove members with neither a filter nor a value is refused: roster
//     never empties a group unless told to with replace and [].
func memberOpOf(op patchOp, p filter.Path) (memberOp, *Error) {
	if p.AttributePath.SubAttribute != nil || p.SubAttribute != nil {
		return memberOp{}, unknownPath(op.path)
	}
	if p.ValueExpression != nil {
		if op.op != "remove" {
			return memberOp{}, unknownPath(op.path)
		}
		ids, err := idsOfFilter(p.ValueExpression)
		if err != nil {
			return memberOp{}, err
		}
		return memberOp{kind: "remove", ids: ids}, nil
	}
	if op.op == "remove" && op.value == nil {
		return memberOp{}, badRequest(TypeNoTarget, "Say which members to remove: roster never removes every member of a group at once.")
	}
	ids, err := memberIDs(op.value)
	if err != nil {
		return memberOp{}, err
	}
	return memberOp{kind: op.op, ids: ids}, nil
}

// idsOfFilter reads the ids of value eq "id" joined by or.
func idsOfFilter(e filter.Expression) ([]string, *Error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		if e.Operator != filter.OR {
			break
		}
		l, err := idsOfFilter(e.Left)
		if err != nil {
			return nil, err
		}
		r, err := idsOfFilter(e.Right)
		if err != nil {
			return nil, err
		}
		return append(l, r...), nil
	case *filter.AttributeExpression:
		s, ok := e.CompareValue.(string)
		if e.Operator != filter.EQ || !ok || e.AttributePath.URIPrefix != nil || e.AttributePath.SubAttribute != nil ||
			!strings.EqualFold(e.AttributePath.AttributeName, "value") {
			break
		}
		id, err := memberID(s)
		if err != nil {
			return nil, err
		}
		return []string{id}, nil
	}
	return nil, badRequest(TypeInvalidFilter, `A members filter must be value eq "<user id>", or several joined with or.`)
}

// memberIDs reads a members value: a list of {"value": "<user id>"} (one
// such object alone is a list of one; null or [] is none).
func memberIDs(v any) ([]string, *Error) {
	if v == nil {
		return []string{}, nil
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	if len(list) > MaxMembers {
		return nil, tooManyMembers()
	}
	ids := make([]string, 0, len(list))
	for _, el := range list {
		var s string
		switch el := el.(type) {
		case map[string]any:
			s, ok = getFold(el, "value").(string)
		case string:
			s, ok = el, true
		default:
			ok = false
		}
		if !ok {
			return nil, badRequest(TypeInvalidValue, `Each member must be an object with the user's id as "value".`)
		}
		id, err := memberID(s)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// memberID checks that s is a user id (a UUID) and returns it in roster's
// form.
func memberID(s string) (string, *Error) {
	u, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return "", badRequest(TypeInvalidValue, fmt.Sprintf("The member %q is not a user id.", s))
	}
	return u.String(), nil
}

func tooManyMembers() *Error {
	return badRequest(TypeInvalidValue, fmt.Sprintf("A request carries at most %d members.", MaxMembers))
}

// splitGroupPatch separates the operations on members from the others and
// checks the request's member count against MaxMembers.
func splitGroupPatch(ops []patchOp) ([]patchOp, []memberOp, *Error) {
	var rest []patchOp
	var mops []memberOp
	total := 0
	for _, op := range ops {
		p, ok := isMembersPath(op.path)
		if !ok {
			rest = append(rest, op)
			continue
		}
		m, err := memberOpOf(op, p)
		if err != nil {
			return nil, nil, err
		}
		if total += len(m.ids); total > MaxMembers {
			return nil, nil, tooManyMembers()
		}
		mops = append(mops, m)
	}
	return rest, mops, nil
}
