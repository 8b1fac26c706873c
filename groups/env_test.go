package groups_test

import (
	"testing"

	"github.com/rosterhq/roster/internal/rostertest"
)

// env is one test's Directory on a fresh database, with its users, groups
// and resources by name (see rostertest.Env).
type env struct {
	*rostertest.Env
}

// forEachStore runs test on a fresh env per store, in parallel with the
// package's other tests (each has a database of its own).
func forEachStore(t *testing.T, test func(e *env)) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) { test(&env{Env: e}) })
}
