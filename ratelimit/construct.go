package ratelimit

import (
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
)

// init hands package roster the Service's constructor, the clean-up it adds
// to the deletion of a group and of a user, and the call that tells a Service
// a change of its workspace was applied; none of these is any use to an
// application, so none is exported. This is the sanctioned init of package
// construct's registry.
func init() {
	construct.Register[func(*store.Store, string, construct.LimitsConfig) *Service]("ratelimit.NewService", newService)
	construct.Register[func(*Service, *store.Tx, string) error]("ratelimit.DeleteGroupLimits", (*Service).deleteGroupLimits)
	construct.Register[func(*Service, *store.Tx, string) error]("ratelimit.ForgetUser", (*Service).forgetUser)
	construct.Register[func(*Service)]("ratelimit.Changed", (*Service).changed)
}
