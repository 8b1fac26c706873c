package roster

import (
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/users"
)

// InvitesConfig configures invitations and the invite gate.
type InvitesConfig struct{}

// wireInvites adds the invite gate and the invite clean-up to the
// workspace's hooks.
func (w *Workspace) wireInvites(uh *users.Hooks, gh *groups.Hooks) {}
