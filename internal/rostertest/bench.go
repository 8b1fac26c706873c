package rostertest

import (
	"testing"
	"time"
)

// ReportCPU reports the process's CPU time per operation since start (a
// [CPUTime] reading taken before the loop) as the metric cpu-ns/op: on a
// shared, loaded machine wall time per operation also counts the time other
// processes held the CPU, CPU time does not. It counts every goroutine of the
// process, so a benchmark whose background goroutines work reads higher.
func ReportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(CPUTime()-start)/float64(b.N), "cpu-ns/op")
}
