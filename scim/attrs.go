package scim

import (
	"strings"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/users"
)

// The allow-lists of filterable attributes. The SQL here is the only SQL a
// filter can reach: columns of the list queries (users.go, groups.go),
// which alias roster_users as u, roster_groups as g and
// roster_scim_records as r, and package access's conditions over policy
// lines.

// userAttrs is the allow-list of /Users filters.
func userAttrs() schemaAttrs {
	deactivated := access.UserDeactivatedSQL("u.id", "u.workspace_id")
	return schemaAttrs{urn: UserSchema, attrs: map[string]attr{
		"username":    {kind: kindString, col: "u.email", norm: normalizeUserName},
		"externalid":  {kind: kindString, col: "r.external_id"},
		"displayname": {kind: kindString, col: "r.display_name", fold: true},
		"active":      {kind: kindBool, is: func(string) (string, []any) { return "NOT " + deactivated, nil }},
		"id":          {kind: kindID, col: "u.id"},
	}}
}

// groupAttrs is the allow-list of /Groups filters in workspace ws.
func groupAttrs(ws string) schemaAttrs {
	return schemaAttrs{urn: GroupSchema, attrs: map[string]attr{
		"displayname": {kind: kindString, col: "g.name", fold: true},
		"externalid":  {kind: kindString, col: "r.external_id"},
		"id":          {kind: kindID, col: "g.id"},
		"members": {kind: kindMember, is: func(userID string) (string, []any) {
			return access.GroupHasMemberSQL("g.id", ws, userID)
		}},
	}}
}

// normalizeUserName maps a userName filter value to roster's stored email:
// the normalized address, or for a part of one (co, sw) its lower case.
func normalizeUserName(s string) string {
	if n, err := users.NormalizeEmail(s); err == nil {
		return n
	}
	return strings.ToLower(s)
}
