package roster_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// TestCanSeesEachWriteWhenItReturns hammers Access().Can from many
// goroutines while attachments and detachments land through the
// Directory: each must be visible to every reader once its call returned.
// The writer publishes the number of its last attachment and detachment
// only after the call returns, so a reader that sees the number must see
// the write. Meaningful under -race too.
func TestCanSeesEachWriteWhenItReturns(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		const writes = 30
		ann := e.User("ann", users.RoleBasic)
		g := e.Group("G", "ann")
		h := e.Group("H", "ann")
		granting := func(i int64) access.Resource {
			return access.Resource{Kind: access.Connector, ID: fmt.Sprintf("grant-%d", i)}
		}
		revoking := func(i int64) access.Resource {
			return access.Resource{Kind: access.Connector, ID: fmt.Sprintf("revoke-%d", i)}
		}
		for i := range int64(writes) {
			e.Register(granting(i), resources.Facts{})
			e.Register(revoking(i), resources.Facts{Groups: []string{h}})
		}
		ws := e.W
		var granted, revoked atomic.Int64 // last write returned; -1: none yet
		granted.Store(-1)
		revoked.Store(-1)
		done := make(chan struct{})
		failed := make(chan string, 4)
		var checks atomic.Int64
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					if i := granted.Load(); i >= 0 {
						if ok, err := ws.Access().Can(e.Ctx, ann, access.View, granting(i)); err != nil || !ok {
							failed <- fmt.Sprintf("attachment %d returned but Can = %v, %v", i, ok, err)
							return
						}
					}
					if i := revoked.Load(); i >= 0 {
						if ok, err := ws.Access().Can(e.Ctx, ann, access.View, revoking(i)); err != nil || ok {
							failed <- fmt.Sprintf("detachment %d returned but Can = %v, %v", i, ok, err)
							return
						}
					}
					checks.Add(1)
				}
			})
		}
		for i := range int64(writes) {
			if e.Can("ann", access.View, granting(i)) || !e.Can("ann", access.View, revoking(i)) {
				t.Errorf("ann's access to pair %d changed before the writes", i)
				break
			}
			_, err := ws.Resources().Attach(e.Ctx, roster.System, g, granting(i))
			e.Must("Attach", err)
			granted.Store(i)
			_, err = ws.Resources().Detach(e.Ctx, roster.System, h, revoking(i))
			e.Must("Detach", err)
			revoked.Store(i)
		}
		close(done)
		wg.Wait()
		close(failed)
		for msg := range failed {
			t.Error(msg)
		}
		if checks.Load() == 0 {
			t.Error("no reader made a check while the writes landed")
		}
	})
}
