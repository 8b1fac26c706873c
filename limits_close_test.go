package roster_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/users"
)

// Close's last flush is bounded: on a database whose writes hang until
// their context ends, Close returns after the flush timeout with the
// context's error instead of hanging.
func TestCloseFlushIsBounded(t *testing.T) {
	ctx := context.Background()
	gdb, err := gorm.Open(sqlite.Open(filepath.Join(t.TempDir(), "roster.db")), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := gdb.DB(); err == nil {
			s.Close()
		}
	})
	var hang atomic.Bool
	var sawDeadline atomic.Bool
	err = gdb.Callback().Create().Before("gorm:create").Register("test:hang", func(db *gorm.DB) {
		if !hang.Load() {
			return
		}
		ctx := db.Statement.Context
		_, has := ctx.Deadline()
		sawDeadline.Store(has)
		<-ctx.Done() // a database that does not answer until the caller gives up
		db.AddError(ctx.Err())
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := roster.Open(ctx, roster.Config{DB: gdb, PollInterval: -1, Limits: roster.LimitsConfig{FlushInterval: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := d.Default().Users().Register(ctx, users.Registration{Email: "u@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Default().Limits().Record(ctx, u.ID, 10); err != nil { // usage to flush
		t.Fatal(err)
	}
	roster.SetCloseFlushTimeout(d, 200*time.Millisecond)
	hang.Store(true)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- d.Close() }()
	select {
	case err := <-done:
		if took := time.Since(start); took < 200*time.Millisecond {
			t.Fatalf("Close returned after %v, before the flush timeout: the flush did not reach the database", took)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Close = %v, want the flush's context.DeadlineExceeded", err)
		}
		if !sawDeadline.Load() {
			t.Fatal("the last flush ran without a deadline")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs on a database that does not answer")
	}
}
