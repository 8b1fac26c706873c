package groups

import (
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
)

// init hands package roster the constructor and the transaction-level
// operations it composes, and the module's other packages the scope checks
// they run inside their transactions (see internal/authz); none of these is
// any use to an application, so none is exported. This is the sanctioned
// init of package construct's registry.
func init() {
	construct.Register[func(*store.Store, string, hooks) *Service]("groups.New", newService)
	construct.Register[func(*store.Tx, string) (Group, error)]("groups.Create", createTx)
	construct.Register[func(*store.Tx, string, []string) error]("groups.SetMembers", setMembersTx)
	construct.Register[func(*store.Tx, string) error]("groups.Exists", exists)
	construct.Register[func(*store.Tx, string) ([]string, error)]("groups.GroupsOf", groupsOf)
	construct.Register[func(*store.Tx, string) error]("groups.RequireScope", requireScope)
	construct.Register[func(*store.Tx, string) error]("groups.OutOfScope", outOfScope)
	construct.Register[func(*store.Tx, string, access.Role, string) (bool, error)]("groups.Curatable", curatable)
}

// init registers what package scim composes with its SCIM record in one
// transaction.
func init() {
	construct.Register[func(*store.Tx, string, string) (Group, error)]("groups.RenameTx", renameNamed)
	construct.Register[func(*Service, *store.Tx, string) error]("groups.DeleteTx", (*Service).deleteTx)
	construct.Register[func(*store.Tx, string, []string) error]("groups.AddMembersTx", addMembersTx)
	construct.Register[func(*store.Tx, string, []string) error]("groups.RemoveMembersTx", removeMembersTx)
	construct.Register[func(*store.Tx, string) ([]string, error)]("groups.MemberIDs", memberIDs)
	construct.Register[func(*store.Tx, string) (Group, error)]("groups.GetTx", getTx)
}
