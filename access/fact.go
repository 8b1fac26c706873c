package access

// FactOp names the authorization fact a policy line states; see Line for
// the spelling of each.
type FactOp uint8

// The facts policy lines state.
const (
	FactRole        FactOp = FactOp(opRole)        // a user holds a stored role
	FactDeactivated FactOp = FactOp(opDeactivated) // a user is deactivated
	FactMember      FactOp = FactOp(opMember)      // a user is a member of a group
	FactCurator     FactOp = FactOp(opCurate)      // a member holds a group's curator flag
	FactAttach      FactOp = FactOp(opAttach)      // a resource is attached to a group
	FactPublic      FactOp = FactOp(opPublic)      // a resource is public
	FactOwner       FactOp = FactOp(opOwn)         // a user owns a resource
	FactShare       FactOp = FactOp(opShare)       // an agent is shared with a user
	FactExists      FactOp = FactOp(opExists)      // a resource is registered
)

// Fact is one policy line decoded: what it states, in which workspace, and
// about whom. Ids are bare (no u:, g: or kind: prefix). Fields a fact does
// not use are empty: User for FactAttach, FactPublic and FactExists; Group
// outside FactMember, FactCurator and FactAttach; Role outside FactRole;
// Resource for the user and group facts.
//
// ParseLine reads a line into a Fact and Fact.Line writes it back: for every
// line ParseLine accepts, ParseLine(l) then Line gives l again, so a line
// has one spelling and packages other than access never spell one.
type Fact struct {
	Op        FactOp
	Workspace string
	User      string
	Group     string
	Role      Role
	Resource  Resource
}

// ParseLine decodes a policy line as the constructors of Line spell it. It
// reports false for anything else (an unknown policy type, role, kind or
// action, an empty id, a stored curator role, a direct share of anything but
// an agent, a V4 or V5 value): such a line states nothing, the index ignores
// it, and the casbin view never loads it. Lines
// come from the database, so ParseLine accepts any strings without
// panicking.
func ParseLine(l Line) (Fact, bool) {
	f, ok := parseLine(l)
	if !ok {
		return Fact{}, false
	}
	out := Fact{Op: FactOp(f.op), Workspace: f.ws, User: f.user, Group: f.group, Role: roleOfBit(f.role)}
	switch out.Op {
	case FactAttach, FactPublic, FactOwner, FactShare, FactExists:
		out.Resource = Resource{Kind: kindOf(f.kind), ID: f.res}
	}
	return out, true
}

// Line spells the fact as a policy line, with the constructor of its op. A
// Fact of no known op gives the zero Line.
func (f Fact) Line() Line {
	switch f.Op {
	case FactRole:
		return RoleLine(f.Workspace, f.User, f.Role)
	case FactDeactivated:
		return DeactivatedLine(f.Workspace, f.User)
	case FactMember:
		return MemberLine(f.Workspace, f.User, f.Group)
	case FactCurator:
		return CuratorLine(f.Workspace, f.User, f.Group)
	case FactAttach:
		return AttachLine(f.Workspace, f.Group, f.Resource)
	case FactPublic:
		return PublicLine(f.Workspace, f.Resource)
	case FactOwner:
		return OwnerLine(f.Workspace, f.User, f.Resource)
	case FactShare:
		return ShareLine(f.Workspace, f.User, f.Resource)
	case FactExists:
		return ExistsLine(f.Workspace, f.Resource)
	}
	return Line{}
}

// roleOfBit is the inverse of roleBit for one bit; "" for none.
func roleOfBit(b roleSet) Role {
	switch b {
	case bitAdmin:
		return Admin
	case bitGlobalCurator:
		return GlobalCurator
	case bitBasic:
		return Basic
	case bitLimited:
		return Limited
	}
	return ""
}
