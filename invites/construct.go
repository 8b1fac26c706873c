package invites

import (
	"time"

	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/users"
)

// init hands package roster the constructor and the wiring of the invite
// gate into users' registrations; neither is any use to an application, so
// neither is exported. This is the sanctioned init of package construct's
// registry.
func init() {
	construct.Register[func(*store.Store, string, Mailer, func(string) string, Templates, time.Duration, *Throttle) *Service]("invites.New", newService)
	construct.Register[func(*Service, *construct.UserHooks[users.User, users.Registration])]("invites.Wire", (*Service).wire)
}
