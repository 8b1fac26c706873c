package tokens

import (
	"context"

	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
)

// init hands package roster the constructor, Authenticate and the
// transaction-level steps it composes with a service user (API keys), and
// the module's other packages the SCIM actor's check (see internal/authz);
// none of these is any use to an application, so none is exported. This is
// the sanctioned init of package construct's registry.
func init() {
	construct.Register[func(*store.Store, string) *Service]("tokens.New", newService)
	construct.Register[func(context.Context, *store.Store, string) (Token, error)]("tokens.Authenticate", authenticate)
	construct.Register[func(*store.Tx) error]("tokens.RequireSCIMToken", requireSCIMToken)
	construct.Register[func(*store.Tx, string, Kind, string, string) (Token, string, error)]("tokens.Create", createTx)
	construct.Register[func(*store.Tx, string, Kind) (Token, error)]("tokens.Load", loadTx)
	construct.Register[func(*store.Tx, string, Kind, string) (Token, error)]("tokens.Rename", renameTx)
	construct.Register[func(*store.Tx, string, Kind) (Token, error)]("tokens.Delete", deleteTx)
}
