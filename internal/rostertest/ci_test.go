package rostertest

import (
	"fmt"
	"testing"
)

// outcome records how SkipOrFail ended a test, through a testing.TB whose
// Fatalf and Skipf only record (the real ones end the test's goroutine).
type outcome struct {
	testing.TB
	failed, skipped string
}

func (o *outcome) Helper()                        {}
func (o *outcome) Fatalf(format string, a ...any) { o.failed = fmt.Sprintf(format, a...) }
func (o *outcome) Skipf(format string, a ...any)  { o.skipped = fmt.Sprintf(format, a...) }

// TestSkipOrFail: one rule for "must not skip in CI": a true CI value fails,
// anything else skips, with the same message.
func TestSkipOrFail(t *testing.T) {
	cases := []struct {
		ci   string
		fail bool
	}{
		{"", false},
		{"false", false},
		{"0", false},
		{"no", false}, // not a boolean strconv.ParseBool reads: not CI
		{"true", true},
		{"1", true},
		{"TRUE", true},
	}
	for _, c := range cases {
		t.Setenv(CIEnv, c.ci)
		var o outcome
		SkipOrFail(&o, "no %s on PATH", "chromium")
		switch {
		case c.fail && (o.failed != "in CI (CI="+c.ci+") this test must run: no chromium on PATH" || o.skipped != ""):
			t.Errorf("CI=%q: failed %q, skipped %q; want it failed, saying it must run in CI", c.ci, o.failed, o.skipped)
		case !c.fail && (o.skipped != "no chromium on PATH" || o.failed != ""):
			t.Errorf("CI=%q: failed %q, skipped %q; want it skipped", c.ci, o.failed, o.skipped)
		}
		if InCI() != c.fail {
			t.Errorf("CI=%q: InCI() = %v, want %v", c.ci, InCI(), c.fail)
		}
	}
}
