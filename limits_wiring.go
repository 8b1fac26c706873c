package roster

import (
	"context"

	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/users"
)

// LimitsConfig configures token rate limits.
type LimitsConfig struct{}

// wireLimits adds the rate-limit clean-up to the workspace's hooks.
func (w *Workspace) wireLimits(uh *users.Hooks, gh *groups.Hooks) {}

// startLimits starts what token rate limits need once the Directory is open.
func (d *Directory) startLimits(ctx context.Context) error { return nil }

// stopLimits stops it at Close; it runs before the database closes.
func (d *Directory) stopLimits() error { return nil }
