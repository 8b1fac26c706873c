//go:build !linux

package access

import "time"

// threadCPU is not available outside Linux; benchmarks then report wall time
// only.
func threadCPU() (time.Duration, bool) { return 0, false }
