package scim_test

import (
	"net/http"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/internal/scimrecords"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/scim"
)

// records counts the SCIM records of roster id id.
func (e *env) records(id string) int64 {
	e.t.Helper()
	var n int64
	if err := e.db().Table("roster_scim_records").Where("roster_id = ?", id).Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// A user or group an admin deletes takes its SCIM record (what the identity
// provider sent about it) along, in the same transaction; others' records
// stay.
func TestAdminDeleteEndsSCIMRecords(t *testing.T) {
	forEachEnv(t, func(e *env) {
		t := e.t.(*testing.T)
		ctx := t.Context()
		uid, keep := e.provision("gone@example.com"), e.provision("kept@example.com")
		r := e.do("POST", "/scim/v2/Groups", map[string]any{"displayName": "Gone", "externalId": "g-1"})
		r.want(t, "create group", http.StatusCreated, "", "")
		gid := r.body["id"].(string)
		if e.records(uid) != 1 || e.records(gid) != 1 || e.records(keep) != 1 {
			t.Fatalf("records before: user %d, group %d, kept %d", e.records(uid), e.records(gid), e.records(keep))
		}
		_, err := e.w.Users().Deactivate(ctx, roster.System, uid)
		e.must(err)
		e.must(e.w.Users().Delete(ctx, roster.System, uid))
		_, err = e.w.Groups().Delete(ctx, roster.System, gid)
		e.must(err)
		if e.records(uid) != 0 || e.records(gid) != 0 || e.records(keep) != 1 {
			t.Fatalf("records after the admin's deletes: user %d, group %d, kept %d", e.records(uid), e.records(gid), e.records(keep))
		}
	})
}

// Records left behind by deletes before users and groups ended them are
// purged once, when Open runs the data step.
func TestOrphanStepPurgesRecords(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		t.Parallel()
		e := newEnv(t, dsn, scim.Config{})
		keep := e.provision("kept@example.com")
		for _, kind := range []string{scimrecords.KindUser, scimrecords.KindGroup} {
			err := e.db().Exec(`INSERT INTO roster_scim_records (workspace_id, kind, roster_id, external_id, created_at, updated_at)
				VALUES (?, ?, ?, 'orphan', ?, ?)`, e.w.ID(), kind, "00000000-0000-4000-8000-00000000000"+kind[:1], rostertest.NewClock().Now(), rostertest.NewClock().Now()).Error
			e.must(err)
		}
		e.must(e.db().Exec(`DELETE FROM `+store.DataStepsTable+` WHERE name = ?`, scimrecords.OrphanStepName).Error)
		var n int64
		e.must(e.db().Table("roster_scim_records").Where("external_id = 'orphan'").Count(&n).Error)
		if n != 2 {
			t.Fatalf("%d orphans seeded, want 2", n)
		}
		e.must(e.d.Close())
		d, err := roster.Open(t.Context(), roster.Config{DSN: dsn})
		e.must(err)
		t.Cleanup(func() { d.Close() })
		e.d = d
		e.must(e.db().Table("roster_scim_records").Where("external_id = 'orphan'").Count(&n).Error)
		if n != 0 || e.records(keep) != 1 {
			t.Fatalf("after Open: %d orphans, %d records of a live user; want 0 and 1", n, e.records(keep))
		}
	})
}
