package resources

import (
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
)

// init hands package roster the constructor and the attachment change it
// composes with a group's other changes; neither is any use to an
// application, so neither is exported. This is the sanctioned init of
// package construct's registry.
func init() {
	construct.Register[func(*store.Store, string) *Service]("resources.New", newService)
	construct.Register[func(*store.Tx, string, access.Kind, []string) error]("resources.SetAttached", setAttachedTx)
}
