package roster_test

import (
	"context"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/resources"
)

// A notification naming a version never committed (a large number, sent
// behind roster's back) does not make Status report a lag: while the
// database answers, Committed is the database's version.
func TestStatusIgnoresNotifiedVersionNeverCommitted(t *testing.T) {
	dsn := rostertest.PostgresDSN(t)
	ctx := context.Background()
	a := instance(t, dsn, hourPoll, nil)
	b := instance(t, dsn, hourPoll, nil)
	listening(t, b)
	db := adminDB(t, dsn)
	if _, err := db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, store.NotifyChannel, "999999"); err != nil {
		t.Fatal(err)
	}
	// A real change notifies after the forged one; a listener gets one
	// channel's notifications in order, so once b's follower has applied
	// the change, it has seen 999999 too.
	v, err := a.Default().Resources().Register(ctx, access.System, access.Resource{Kind: access.Agent, ID: "x"}, resources.Facts{Public: true})
	if err != nil {
		t.Fatal(err)
	}
	reaches(t, v, b)
	st := b.Status(ctx)
	if st.Err != nil || st.Committed != v || st.Version != v || st.Lag() != 0 {
		t.Fatalf("Status after a notification of 999999 and a change at %d = %+v (lag %d), want Committed = Version = %d, lag 0, no error", v, st, st.Lag(), v)
	}
	// A later change, applied by a later catch-up, comes after the one
	// that applied v has forgotten 999999; once the database can no longer
	// be asked (the Directory closed), Status says what it knows, which no
	// longer includes the forged version.
	v2, err := a.Default().Resources().Register(ctx, access.System, access.Resource{Kind: access.Agent, ID: "y"}, resources.Facts{Public: true})
	if err != nil {
		t.Fatal(err)
	}
	reaches(t, v2, b)
	b.Close()
	st = b.Status(ctx)
	if st.Committed != v2 {
		t.Fatalf("Status of the closed instance = %+v, want Committed %d: a successful catch-up forgets a notified version never committed", st, v2)
	}
	if st.Listening {
		t.Fatal("Status of the closed instance says it is listening")
	}
}
