package rostertest

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// CIEnv names the environment variable that marks a CI run. Set to a true
// value (as strconv.ParseBool reads it: "1", "t", "true", ...), a test whose
// dependency is missing fails instead of skipping: CI must run every test.
// .ci/run sets CI=true, as most CI services do; "false", "0" or unset is a
// run on a developer's machine.
const CIEnv = "CI"

// InCI reports whether the tests run in CI: [CIEnv] holds a true value.
// Every test that must not skip in CI asks this helper (through
// [SkipOrFail]), so that one rule decides.
func InCI() bool {
	ci, err := strconv.ParseBool(os.Getenv(CIEnv))
	return err == nil && ci
}

// SkipOrFail ends a test whose dependency is missing (PostgreSQL, a
// browser): in CI ([InCI]) it fails the test with the message, elsewhere it
// skips it with the message. The message says what is missing and how to
// provide it.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("in CI (%s=%s) this test must run: %s", CIEnv, os.Getenv(CIEnv), fmt.Sprintf(format, args...))
		return // Fatalf does not return; a testing.TB standing in for a test may
	}
	t.Skipf(format, args...)
}
