//go:build !linux

package rostertest

import "time"

// threadCPU is not measured outside Linux: it returns 0, and the cpu-ns/op
// metric of [ReportCPU] then reads 0.
func threadCPU() time.Duration { return 0 }
