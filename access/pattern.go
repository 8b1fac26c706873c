package access

// Line patterns select stored policy lines: a pattern is a Line whose empty
// values match any value (internal/store's Tx.Lines reads them). Like the
// lines themselves, they are spelled here only.

// UserGroupingsPattern matches a user's role, deactivation and membership
// lines in a workspace.
func UserGroupingsPattern(workspace, userID string) Line {
	return Line{PType: "g", V0: UserSubject(userID), V2: workspace}
}

// UserPoliciesPattern matches every p line whose subject is the user: their
// curator flags, ownerships and direct shares.
func UserPoliciesPattern(workspace, userID string) Line {
	return Line{PType: "p", V0: UserSubject(userID), V1: workspace}
}

// UserCuratorFlagsPattern matches the curator flags a user holds.
func UserCuratorFlagsPattern(workspace, userID string) Line {
	return Line{PType: "p", V0: UserSubject(userID), V1: workspace, V3: actCurate}
}

// OwnedPattern matches the ownership lines of the resources a user owns.
func OwnedPattern(workspace, userID string) Line {
	return Line{PType: "p", V0: UserSubject(userID), V1: workspace, V3: actOwn}
}

// GroupMembersPattern matches the membership lines of a group.
func GroupMembersPattern(workspace, groupID string) Line {
	return Line{PType: "g", V1: GroupSubject(groupID), V2: workspace}
}

// GroupCuratorsPattern matches the curator flags on a group.
func GroupCuratorsPattern(workspace, groupID string) Line {
	return Line{PType: "p", V1: workspace, V2: GroupSubject(groupID), V3: actCurate}
}

// GroupAttachmentsPattern matches the lines attaching resources to a group.
func GroupAttachmentsPattern(workspace, groupID string) Line {
	return Line{PType: "p", V0: GroupSubject(groupID), V1: workspace, V3: string(View)}
}

// ResourcePattern matches every line about a resource: its registration,
// public flag, owner, attachments and shares.
func ResourcePattern(workspace string, r Resource) Line {
	return Line{PType: "p", V1: workspace, V2: r.object()}
}
