package rostertest

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time, user and system, of the calling OS thread
// (getrusage RUSAGE_THREAD, which only Linux has), or 0 if it cannot be read.
func threadCPU() time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD; package syscall does not name it
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
