package rostertest

import (
	"runtime"
	"testing"
	"time"
)

// StartCPU prepares a single-goroutine benchmark's cpu-ns/op metric: it locks
// the calling goroutine (the benchmark's) to its OS thread and returns the
// thread's CPU time so far. Call it right before the loop and [ReportCPU]
// right after.
//
// The metric is the CPU time of the benchmark's own thread, so neither other
// processes on a loaded machine (which inflate wall time per operation) nor
// the process's other goroutines (a Directory's follower and flusher) count;
// the garbage collector's background workers do not either, which is right
// for the benchmarks that use it: they do not allocate. It reads 0 outside
// Linux.
func StartCPU() time.Duration {
	runtime.LockOSThread()
	return threadCPU()
}

// ReportCPU reports the thread CPU time per operation since start (from
// [StartCPU]) as the metric cpu-ns/op, and unlocks the thread.
func ReportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(threadCPU()-start)/float64(b.N), "cpu-ns/op")
	runtime.UnlockOSThread()
}
