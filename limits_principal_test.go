package roster_test

import (
	"context"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/ratelimit"
)

// TestLimitsMembershipBindsAtOnce: Check and Record keep what they read of a
// user from the access index (ratelimit's principal cache), and a change of
// the user's groups must still bind the next Check: on the instance that made
// it as soon as the call returns, on another as soon as it has applied the
// change's version (and not before: its index still has the old groups). A
// group limit of 100 refuses an estimate of 150 exactly while the user is a
// member, so each Check shows which groups the limits saw.
func TestLimitsMembershipBindsAtOnce(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		in := openInstances(t, dsn, 2, 1, false)
		gs := in.ds[0].Default().Groups()
		member := []string{in.members[0]}
		if _, err := in.lim(0).CreateLimit(ctx, in.admin, ratelimit.Limit{Scope: ratelimit.ScopeGroup,
			GroupID: in.group, Budget: 100, Period: time.Hour, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		in.sync()
		in.checks("member", 0, 150, true)
		in.checks("member", 1, 150, true)

		if _, err := gs.RemoveMembers(ctx, in.admin, in.group, member); err != nil {
			t.Fatal(err)
		}
		in.checks("removed on A", 0, 150, false)
		in.checks("removed on A, not yet applied on B", 1, 150, true)
		in.sync()
		in.checks("removed on A, applied on B", 1, 150, false)

		if _, err := gs.AddMembers(ctx, in.admin, in.group, member); err != nil {
			t.Fatal(err)
		}
		in.checks("added back on A", 0, 150, true)
		in.checks("added back on A, not yet applied on B", 1, 150, false)
		in.sync()
		in.checks("added back on A, applied on B", 1, 150, true)

		if _, err := gs.Delete(ctx, in.admin, in.group); err != nil {
			t.Fatal(err)
		}
		in.checks("group deleted on A", 0, 150, false)
		in.sync()
		in.checks("group deleted on A, applied on B", 1, 150, false)
	})
}

// TestLimitsDeletedUserIsAnonymous: once a user who used the limits is
// deleted, their id meets global limits only, like any id that is not a user:
// what the limits kept of them (their groups) no longer applies.
func TestLimitsDeletedUserIsAnonymous(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		in := openInstances(t, dsn, 1, 1, false)
		w := in.ds[0].Default()
		if _, err := in.lim(0).CreateLimit(ctx, in.admin, ratelimit.Limit{Scope: ratelimit.ScopeGroup,
			GroupID: in.group, Budget: 100, Period: time.Hour, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		in.checks("member", 0, 150, true)
		if _, err := w.Users().Deactivate(ctx, in.admin, in.members[0]); err != nil {
			t.Fatal(err)
		}
		in.checks("deactivated (still a user, still a member)", 0, 150, true)
		if err := w.Users().Delete(ctx, in.admin, in.members[0]); err != nil {
			t.Fatal(err)
		}
		in.checks("deleted", 0, 150, false)
		st, err := in.lim(0).Status(ctx, in.members[0])
		if err != nil || st.Group.Limited || st.User.Limited {
			t.Fatalf("Status of a deleted user = %+v, %v; want global limits only", st, err)
		}
	})
}
