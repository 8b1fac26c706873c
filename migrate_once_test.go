package roster_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
)

// TestOpenTogetherMigratesOnce: instances starting at once on an empty
// PostgreSQL database all open, and the schema is migrated once (one
// version row, one run of each data step, one default workspace).
func TestOpenTogetherMigratesOnce(t *testing.T) {
	rostertest.ForEachStore(t, testOpenTogetherMigratesOnce)
}

func testOpenTogetherMigratesOnce(t *testing.T, dsn string) {
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			d, err := roster.Open(context.Background(), roster.Config{DSN: dsn, PollInterval: -1})
			if err == nil {
				err = d.Close()
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: Open: %v", i, err)
		}
	}
	for q, want := range map[string]int64{
		`SELECT count(*) FROM roster_schema_migrations WHERE NOT dirty`: 1,
		`SELECT count(*) FROM roster_data_steps`:                        2, // the email step, the SCIM record orphans
		`SELECT count(*) FROM roster_workspaces`:                        1,
	} {
		if got := queryInt(t, dsn, q); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
}

// queryInt runs a query of one integer on the database of dsn.
func queryInt(t *testing.T, dsn, q string) int64 {
	t.Helper()
	var dialector gorm.Dialector
	if strings.HasPrefix(dsn, "postgres") {
		dialector = postgres.Open(dsn)
	} else {
		dialector = sqlite.Open(roster.SQLiteDSN(strings.TrimPrefix(dsn, "sqlite:")))
	}
	db, err := gorm.Open(dialector, &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	var n int64
	if err := db.Raw(q).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
