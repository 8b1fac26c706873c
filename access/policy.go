package access

import (
	"fmt"
	"strings"
)

// Line is one casbin policy line as stored in the casbin_rule table: the
// policy type ("p" or "g") and its values, all six columns of the row.
// Roster writes only four values; V4 and V5 stay empty, and a line with
// either set is not roster's (ParseLine refuses it, so it never grants).
//
// Lines are built by the constructors below and never by hand, so every
// authorization fact has exactly one spelling:
//
//	g, u:<user>, role:<role>, <workspace>          role grant
//	g, u:<user>, deactivated, <workspace>          the user is deactivated
//	g, u:<user>, g:<group>, <workspace>            group membership
//	p, u:<user>, <workspace>, g:<group>, curate    curator flag
//	p, g:<group>, <workspace>, <kind>:<id>, view   resource attached to a group
//	p, public, <workspace>, <kind>:<id>, view      public resource
//	p, u:<user>, <workspace>, <kind>:<id>, own     resource owner
//	p, u:<user>, <workspace>, agent:<id>, view     agent shared with a user
//	p, -, <workspace>, <kind>:<id>, exists         the resource is registered
//
// The domain (workspace) is the third value of g lines and the second of p
// lines, as casbin's RBAC-with-domains model expects.
type Line struct {
	PType                  string
	V0, V1, V2, V3, V4, V5 string
}

// String renders the line as casbin's CSV form, for Explain and logs.
func (l Line) String() string {
	parts := []string{l.PType, l.V0, l.V1, l.V2, l.V3, l.V4, l.V5}
	n := len(parts)
	for n > 4 && parts[n-1] == "" {
		n--
	}
	return strings.Join(parts[:n], ", ")
}

// Subject and object prefixes and fixed names used in policy lines.
const (
	userPrefix      = "u:"
	groupPrefix     = "g:"
	rolePrefix      = "role:"
	deactivatedName = "deactivated"
	publicSubject   = "public"
	noSubject       = "-"
	actCurate       = "curate"
	actOwn          = "own"
	actExists       = "exists"
)

// UserSubject is the policy subject of a user id.
func UserSubject(userID string) string { return userPrefix + userID }

// GroupSubject is the policy subject (and curator object) of a group id.
func GroupSubject(groupID string) string { return groupPrefix + groupID }

// RoleLine grants a stored role to a user in a workspace.
func RoleLine(workspace, userID string, role Role) Line {
	return Line{PType: "g", V0: UserSubject(userID), V1: rolePrefix + string(role), V2: workspace}
}

// DeactivatedLine marks a user as deactivated in a workspace.
func DeactivatedLine(workspace, userID string) Line {
	return Line{PType: "g", V0: UserSubject(userID), V1: deactivatedName, V2: workspace}
}

// MemberLine makes a user a member of a group.
func MemberLine(workspace, userID, groupID string) Line {
	return Line{PType: "g", V0: UserSubject(userID), V1: GroupSubject(groupID), V2: workspace}
}

// CuratorLine gives a member the curator flag of a group.
func CuratorLine(workspace, userID, groupID string) Line {
	return Line{PType: "p", V0: UserSubject(userID), V1: workspace, V2: GroupSubject(groupID), V3: actCurate}
}

// AttachLine attaches a resource to a group: the group's members may view it.
func AttachLine(workspace, groupID string, r Resource) Line {
	return Line{PType: "p", V0: GroupSubject(groupID), V1: workspace, V2: r.object(), V3: string(View)}
}

// PublicLine makes a resource visible to every active user of the workspace.
func PublicLine(workspace string, r Resource) Line {
	return Line{PType: "p", V0: publicSubject, V1: workspace, V2: r.object(), V3: string(View)}
}

// OwnerLine records the owner of a resource.
func OwnerLine(workspace, userID string, r Resource) Line {
	return Line{PType: "p", V0: UserSubject(userID), V1: workspace, V2: r.object(), V3: actOwn}
}

// ShareLine shares an agent with one user directly.
func ShareLine(workspace, userID string, r Resource) Line {
	return Line{PType: "p", V0: UserSubject(userID), V1: workspace, V2: r.object(), V3: string(View)}
}

// ExistsLine records that a resource is registered, so that a private,
// ownerless resource attached to no group still exists.
func ExistsLine(workspace string, r Resource) Line {
	return Line{PType: "p", V0: noSubject, V1: workspace, V2: r.object(), V3: actExists}
}

// Kind is the kind of a resource whose access roster answers for.
type Kind string

// The resource kinds.
const (
	Connector   Kind = "connector"
	DocumentSet Kind = "document_set"
	Agent       Kind = "agent"
)

// Kinds lists every resource kind.
func Kinds() []Kind { return []Kind{Connector, DocumentSet, Agent} }

// Valid reports whether k is one of the resource kinds.
func (k Kind) Valid() bool { return k == Connector || k == DocumentSet || k == Agent }

// Action is what a user wants to do with a resource.
type Action string

// The actions.
const (
	View Action = "view"
	Edit Action = "edit"
)

// Valid reports whether a is one of the actions.
func (a Action) Valid() bool { return a == View || a == Edit }

// MaxResourceIDLen is the longest resource id roster accepts, so that every
// policy value fits casbin_rule's varchar(100) columns.
const MaxResourceIDLen = 64

// Resource names one resource of the application by kind and id. The id is
// the application's own, unique within its kind and workspace.
type Resource struct {
	Kind Kind
	ID   string
}

func (r Resource) object() string { return string(r.Kind) + ":" + r.ID }

// String renders the resource as kind:id.
func (r Resource) String() string { return r.object() }

// Validate returns an error wrapping ErrInvalid if the kind is unknown or the
// id is empty, too long or holds a comma or control character (casbin's CSV
// form and its matchers must never see one).
func (r Resource) Validate() error {
	if !r.Kind.Valid() {
		return invalidf("That is not a kind of resource.", "unknown resource kind %q", r.Kind)
	}
	if r.ID == "" || len(r.ID) > MaxResourceIDLen {
		return invalidf(fmt.Sprintf("A resource id is 1 to %d bytes long.", MaxResourceIDLen), "resource id must be 1 to %d bytes", MaxResourceIDLen)
	}
	for _, c := range r.ID {
		if c < 0x21 || c == ',' || c == 0x7f {
			return invalidf("A resource id cannot hold a space, comma or control character.", "resource id %q holds a space, comma or control character", r.ID)
		}
	}
	return nil
}
