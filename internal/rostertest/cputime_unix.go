//go:build unix

package rostertest

import (
	"syscall"
	"time"
)

// CPUTime returns the CPU time the process has used, user and system, or 0
// where it cannot be read. Benchmarks report it per operation
// ([ReportCPU]) besides wall time, which a loaded machine inflates.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
