//go:build !unix

package rostertest

import "time"

// CPUTime is not measured on this platform: it returns 0, and the cpu-ns/op
// metric of [ReportCPU] then reads 0.
func CPUTime() time.Duration { return 0 }
