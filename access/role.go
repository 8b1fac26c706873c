package access

// Role is a user's role in a workspace. Admin, GlobalCurator, Basic and
// Limited are stored (as role lines); Curator is derived: a Basic user who
// holds at least one curator flag is reported as Curator, and no call may set
// it directly.
type Role string

// The roles, from most to least powerful.
const (
	Admin         Role = "admin"
	GlobalCurator Role = "global_curator"
	Curator       Role = "curator"
	Basic         Role = "basic"
	Limited       Role = "limited"
)

// Valid reports whether r is one of the five roles.
func (r Role) Valid() bool {
	switch r {
	case Admin, GlobalCurator, Curator, Basic, Limited:
		return true
	}
	return false
}

// Stored reports whether r is a role that is stored rather than derived.
func (r Role) Stored() bool { return r.Valid() && r != Curator }
