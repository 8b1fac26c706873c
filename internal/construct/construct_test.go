package construct

import (
	"strings"
	"testing"
)

// panicText runs f and returns what it panicked with, or "" if it returned.
func panicText(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = r.(string)
		}
	}()
	f()
	return ""
}

func TestGetOfAMissingRegistrationPanicsNamingThePackage(t *testing.T) {
	msg := panicText(func() { Get[func() int]("nosuchpkg.New") })
	if !strings.Contains(msg, "package nosuchpkg") || !strings.Contains(msg, "nosuchpkg.New") {
		t.Fatalf("panic = %q, want it to name package nosuchpkg and nosuchpkg.New", msg)
	}
}

func TestGetOfAnotherTypePanics(t *testing.T) {
	registry["typed.New"] = func() int { return 1 }
	t.Cleanup(func() { delete(registry, "typed.New") })
	msg := panicText(func() { Get[func() string]("typed.New") })
	if !strings.Contains(msg, "package typed") || !strings.Contains(msg, "func() int") {
		t.Fatalf("panic = %q, want it to name package typed and the registered type", msg)
	}
	if got := Get[func() int]("typed.New")(); got != 1 {
		t.Fatalf("Get of the registered type = %d, want 1", got)
	}
}

func TestRegisterAfterGetPanics(t *testing.T) {
	panicText(func() { Get[int]("any.Thing") }) // seals the registry
	msg := panicText(func() { Register("late.New", 1) })
	if !strings.Contains(msg, "late.New") || !strings.Contains(msg, "after initialization") {
		t.Fatalf("panic = %q, want a refusal of the late registration", msg)
	}
	if _, ok := registry["late.New"]; ok {
		t.Fatal("a refused registration was recorded")
	}
}
