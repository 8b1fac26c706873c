package scim_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// Directory, server and listener a test starts must be closed, and Close
// must stop every goroutine it started.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
