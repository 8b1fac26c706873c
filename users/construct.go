package users

import (
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
)

// init hands package roster the constructor and the module's other packages
// the checks they run inside their transactions (see internal/authz); none
// of these is any use to an application, so none is exported. This is the
// sanctioned init of package construct's registry.
func init() {
	construct.Register[func(*store.Store, string, []string, hooks) *Service]("users.New", newService)
	construct.Register[func(*store.Tx) (access.Role, error)]("users.ActorRole", actorRole)
	construct.Register[func(*store.Tx) error]("users.RequireAdmin", requireAdmin)
	construct.Register[func(*store.Tx, string) (access.Role, error)]("users.RoleOf", roleOf)
	construct.Register[func(*store.Tx, string) error]("users.Exists", exists)
}

// init registers what package roster composes into an API key's
// transactions: its service user's creation, role change and deletion; and
// for package groups whether a user is a service user.
func init() {
	construct.Register[func(*store.Tx, string) (bool, error)]("users.IsService", isService)
	construct.Register[func(*Service, *store.Tx, string, string, Role) (User, error)]("users.CreateService", (*Service).createServiceTx)
	construct.Register[func(*Service, *store.Tx, string, Role) (User, error)]("users.SetServiceRole", (*Service).setServiceRoleTx)
	construct.Register[func(*Service, *store.Tx, string, string) error]("users.DeleteService", (*Service).deleteServiceTx)
}

// init registers what package scim composes with its SCIM record in one
// transaction.
func init() {
	construct.Register[func(*Service, *store.Tx, Registration) (User, error)]("users.RegisterTx", (*Service).registerTx)
	construct.Register[func(*Service, *store.Tx, string, bool) (User, error)]("users.SetActiveTx", (*Service).setActiveTx)
	construct.Register[func(*Service, *store.Tx, string, string) (User, error)]("users.ChangeEmailTx", (*Service).changeEmailTx)
	construct.Register[func(*store.Tx, string) (User, error)]("users.GetTx", getTx)
	construct.Register[func(*store.Tx, string) (User, error)]("users.ByEmailTx", byEmailTx)
}
