package construct

import (
	"context"
	"log/slog"
	"time"

	"github.com/rosterhq/roster/access"
)

// LimitsConfig is what package roster gives a workspace's ratelimit.Service
// when it creates it (the "ratelimit.NewService" registration). It lives
// here, not in package ratelimit, because no application creates a Service:
// roster.Workspace.Limits hands one out. Every field is required; package
// roster fills them from roster.Config, whose withDefaults applies the
// defaults.
type LimitsConfig struct {
	// Now is the clock of the Service and of its engine's buckets.
	Now func() time.Time
	// MaxBuckets caps the per-user buckets the Service holds in memory.
	MaxBuckets int
	// Index is the access index a user's role and groups are read from on
	// every Check, Record and Status, so that membership changes apply to the
	// next call.
	Index *access.Index
	// IsService reports whether a user of the workspace is a service
	// principal (users.KindService), which meets global limits only. It is
	// asked once per user: a user's kind never changes.
	IsService func(ctx context.Context, userID string) (bool, error)
	// Logger receives errors of work done after a commit, with ids only.
	Logger *slog.Logger
	// Shared keeps the token buckets in PostgreSQL, shared by every
	// process on the database (roster.LimitsConfig.Shared); package roster
	// sets it only on PostgreSQL.
	Shared bool
}
