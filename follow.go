package roster

import (
	"context"
	"time"
)

// follower is the goroutine that keeps the index up to date with the
// changelog: changes committed by other processes sharing the database, and
// any of this process's own that could not be applied in order at commit.
type follower struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// startFollowing starts the follower unless polling is disabled.
func (d *Directory) startFollowing() {
	if d.cfg.PollInterval < 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.follow = &follower{cancel: cancel, done: make(chan struct{})}
	go d.runFollower(ctx, d.follow.done)
}

func (d *Directory) runFollower(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(d.cfg.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := d.st.CatchUp(ctx); err != nil && ctx.Err() == nil {
				d.cfg.Logger.Warn("roster: reading the changelog failed; retrying at the next poll", "error", err)
			}
		}
	}
}

// stopFollowing stops the follower and waits for it.
func (d *Directory) stopFollowing() {
	if d.follow == nil {
		return
	}
	d.follow.cancel()
	<-d.follow.done
}
