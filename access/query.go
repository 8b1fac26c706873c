package access

import "strings"

// SQL over the casbin_rule table, for the packages that filter their own
// tables by policy lines in one query (users' and groups' listings, the
// last-admin count). The table is gorm-adapter's: the policy type in ptype,
// the values in v0 to v5 (Line's V0 to V3; v4 and v5 stay empty). Column
// arguments (userCol, wsCol, groupCol) are SQL column references of the
// caller's query, such as "roster_users.id", written in code, never input;
// values always travel as bind arguments.
//
// Each condition matches roster's lines only, as ParseLine reads them: a
// casbin_rule row another tool wrote (a v4 or v5 value, a g line with a
// fourth value) never counts, so it can neither make a user an admin for the
// last-admin rule nor show a group or a role in a listing.

// Conditions every row of the policy type must meet to be one of roster's
// lines, for the EXISTS queries below (the table is aliased c).
const (
	rosterP = " AND c.v4 = '' AND c.v5 = ''"
	rosterG = " AND c.v3 = '' AND c.v4 = '' AND c.v5 = ''"
)

// UserHasRoleSQL returns a condition that holds when the user in userCol
// holds the stored role in the workspace in wsCol, with its argument.
func UserHasRoleSQL(userCol, wsCol string, role Role) (string, []any) {
	return "EXISTS (SELECT 1 FROM casbin_rule c WHERE c.ptype = 'g' AND c.v0 = " + subjectSQL(userPrefix, userCol) +
		" AND c.v1 = ? AND c.v2 = " + wsCol + rosterG + ")", []any{rolePrefix + string(role)}
}

// UserIsCuratorSQL returns a condition that holds when the user in userCol
// holds at least one curator flag in the workspace in wsCol.
func UserIsCuratorSQL(userCol, wsCol string) string {
	return "EXISTS (SELECT 1 FROM casbin_rule c WHERE c.ptype = 'p' AND c.v0 = " + subjectSQL(userPrefix, userCol) +
		" AND c.v1 = " + wsCol + " AND c.v2 LIKE '" + groupPrefix + "_%' AND c.v3 = '" + actCurate + "'" + rosterP + ")"
}

// UserDeactivatedSQL returns a condition that holds when the user in userCol
// is deactivated in the workspace in wsCol.
func UserDeactivatedSQL(userCol, wsCol string) string {
	return "EXISTS (SELECT 1 FROM casbin_rule c WHERE c.ptype = 'g' AND c.v0 = " + subjectSQL(userPrefix, userCol) +
		" AND c.v1 = '" + deactivatedName + "' AND c.v2 = " + wsCol + rosterG + ")"
}

// GroupHasMemberSQL returns a condition that holds when the group in
// groupCol has the user as a member in the workspace, with its arguments.
func GroupHasMemberSQL(groupCol, workspace, userID string) (string, []any) {
	return "EXISTS (SELECT 1 FROM casbin_rule c WHERE c.ptype = 'g' AND c.v0 = ? AND c.v1 = " + subjectSQL(groupPrefix, groupCol) +
		" AND c.v2 = ?" + rosterG + ")", []any{UserSubject(userID), workspace}
}

// GroupCuratedBySQL returns a condition that holds when the user holds the
// curator flag of the group in groupCol in the workspace, with its
// arguments.
func GroupCuratedBySQL(groupCol, workspace, userID string) (string, []any) {
	return "EXISTS (SELECT 1 FROM casbin_rule c WHERE c.ptype = 'p' AND c.v0 = ? AND c.v1 = ? AND c.v2 = " + subjectSQL(groupPrefix, groupCol) +
		" AND c.v3 = '" + actCurate + "'" + rosterP + ")", []any{UserSubject(userID), workspace}
}

// UsersStateSQL returns a condition over casbin_rule itself selecting the
// lines that make up the authorization state of the users in a workspace
// (their role, deactivation and membership lines, and their curator flags),
// with its arguments. ParseLine decodes the lines it selects.
func UsersStateSQL(workspace string, userIDs []string) (string, []any) {
	subjects := make([]string, len(userIDs))
	for i, id := range userIDs {
		subjects[i] = UserSubject(id)
	}
	return "((ptype = 'g' AND v2 = ?) OR (ptype = 'p' AND v1 = ? AND v3 = '" + actCurate + "')) AND v0 IN ?",
		[]any{workspace, workspace, subjects}
}

// subjectSQL is the SQL expression of the subject whose id is in col:
// prefix || col, which SQLite and PostgreSQL both read as concatenation.
func subjectSQL(prefix, col string) string {
	return "'" + strings.ReplaceAll(prefix, "'", "''") + "' || " + col
}

// LineSQL returns a condition over casbin_rule matching exactly line l, on
// every column, with its arguments. Casbin's own adapter widens a match when
// a value is empty; this never does.
func LineSQL(l Line) (string, []any) {
	return "ptype = ? AND v0 = ? AND v1 = ? AND v2 = ? AND v3 = ? AND v4 = ? AND v5 = ?",
		[]any{l.PType, l.V0, l.V1, l.V2, l.V3, l.V4, l.V5}
}

// PatternSQL returns a condition over casbin_rule matching the lines of a
// pattern (see the patterns in pattern.go: an empty value matches any), with
// its arguments. The policy type is always tested, empty or not.
func PatternSQL(pattern Line) (string, []any) {
	cond := []string{"ptype = ?"}
	args := []any{pattern.PType}
	for i, v := range [...]string{pattern.V0, pattern.V1, pattern.V2, pattern.V3} {
		if v != "" {
			cond = append(cond, "v"+string(rune('0'+i))+" = ?")
			args = append(args, v)
		}
	}
	return strings.Join(cond, " AND "), args
}
