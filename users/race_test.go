package users_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/users"
)

// raceRounds is how many times each race runs per store.
const raceRounds = 30

// Two admins take each other's admin rights away at the same moment. The
// store serializes the two transactions, so the first wins and the second
// sees the result: whatever the interleaving, at least one active admin
// remains and at most one call succeeds. Each round starts both calls
// together through a barrier.
func TestLastAdminRace(t *testing.T) {
	t.Parallel()
	moves := []struct {
		name string
		// do is one side's move: actor takes target's admin rights away.
		do func(e *env, actor roster.Actor, target string) error
		// undo restores target as an active admin, as System.
		undo func(e *env, target string)
		// loser is what the second call may get: the other side is no longer
		// an active admin (ErrForbidden), or the target is the last active
		// admin (ErrLastAdmin, when the actors are System).
		loser []error
	}{
		{"demote",
			func(e *env, actor roster.Actor, target string) error {
				_, err := e.us.SetRole(e.ctx, actor, target, users.RoleBasic)
				return err
			},
			func(e *env, target string) { e.setRole(target, users.RoleAdmin) },
			[]error{roster.ErrForbidden, users.ErrLastAdmin}},
		{"deactivate",
			func(e *env, actor roster.Actor, target string) error {
				_, err := e.us.Deactivate(e.ctx, actor, target)
				return err
			},
			func(e *env, target string) {
				if _, err := e.us.Activate(e.ctx, roster.System, target); err != nil {
					e.t.Fatal(err)
				}
			},
			[]error{roster.ErrForbidden, users.ErrLastAdmin}},
	}
	for _, m := range moves {
		for _, bySystem := range []bool{false, true} {
			name := m.name + " each other"
			if bySystem {
				// Both calls pass the permission check, so only the
				// last-admin guard can refuse the second.
				name = m.name + " both, by System"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
					e := newEnv(t, dsn, roster.Config{})
					a := e.register("a@example.com")
					b := e.register("b@example.com")
					e.setRole(b.ID, users.RoleAdmin)
					actorA, actorB := access.UserActor(a.ID), access.UserActor(b.ID)
					loser := m.loser
					if bySystem {
						actorA, actorB = roster.System, roster.System
						loser = []error{users.ErrLastAdmin}
					}
					wins := map[string]int{}
					for round := range raceRounds {
						errA, errB := together(
							func() error { return m.do(e, actorA, b.ID) },
							func() error { return m.do(e, actorB, a.ID) })
						if n := activeAdmins(e); n < 1 {
							t.Fatalf("round %d: %d active admins after a=%v, b=%v", round, n, errA, errB)
						}
						var winner, victim string
						switch {
						case errA == nil && errB == nil:
							t.Fatalf("round %d: both calls succeeded", round)
						case errA == nil:
							winner, victim = "a", b.ID
							checkLoser(t, round, "b", errB, loser)
						case errB == nil:
							winner, victim = "b", a.ID
							checkLoser(t, round, "a", errA, loser)
						default:
							// The rule allows both to fail, but with two active
							// admins the first call to commit must succeed.
							t.Fatalf("round %d: both refused: a=%v, b=%v", round, errA, errB)
						}
						wins[winner]++
						m.undo(e, victim)
						if n := activeAdmins(e); n != 2 {
							t.Fatalf("round %d: %d active admins after restoring, want 2", round, n)
						}
					}
					t.Logf("%d rounds: %v", raceRounds, wins)
				})
			})
		}
	}
}

func checkLoser(t *testing.T, round int, who string, err error, allowed []error) {
	t.Helper()
	for _, w := range allowed {
		if errors.Is(err, w) {
			return
		}
	}
	t.Fatalf("round %d: %s's call failed with %v, want one of %v", round, who, err, allowed)
}

// together runs f and g at the same moment: both goroutines wait on one
// barrier, which is closed once both are ready.
func together(f, g func() error) (error, error) {
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	start := make(chan struct{})
	var ef, eg error
	ready.Add(2)
	wg.Go(func() { ready.Done(); <-start; ef = f() })
	wg.Go(func() { ready.Done(); <-start; eg = g() })
	ready.Wait()
	close(start)
	wg.Wait()
	return ef, eg
}

func activeAdmins(e *env) int64 {
	e.t.Helper()
	page, err := e.us.List(e.ctx, users.Filter{Roles: []users.Role{users.RoleAdmin}, Active: ptr(true)})
	if err != nil {
		e.t.Fatal(fmt.Errorf("list active admins: %w", err))
	}
	return page.Total
}
