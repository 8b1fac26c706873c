package resources_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
)

// env is one test's Directory on a fresh database, with its users, groups
// and resources by name (see rostertest.Env), and its resources service.
type env struct {
	*rostertest.Env
	rs *resources.Service
}

// newEnv wraps base: its State also records every registered document set's
// connectors.
func newEnv(base *rostertest.Env) *env {
	e := &env{Env: base, rs: base.W.Resources()}
	e.MoreState = e.docSetConnectors
	return e
}

// forEachStore runs test on a fresh env per store, in parallel with the
// package's other tests (each has a database of its own).
func forEachStore(t *testing.T, test func(e *env)) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) { test(newEnv(e)) })
}

// docSetConnectors records every registered document set's connectors.
func (e *env) docSetConnectors(out map[string]string) {
	e.T.Helper()
	for _, r := range e.Res {
		if r.Kind != access.DocumentSet {
			continue
		}
		f, err := e.rs.Facts(e.Ctx, r)
		if errors.Is(err, resources.ErrResourceNotFound) {
			continue
		}
		e.Must("Facts", err)
		out["connectors of "+r.String()] = strings.Join(f.Connectors, " ")
	}
}

func docSet(id string) access.Resource { return access.Resource{Kind: access.DocumentSet, ID: id} }

func agent(id string) access.Resource { return access.Resource{Kind: access.Agent, ID: id} }

// gids returns the ids of named groups.
func (e *env) gids(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = e.Groups[n]
	}
	return out
}

func second[T any](_ T, err error) error { return err }

// nobody is a well-formed id that names no user or group.
const nobody = "00000000-0000-4000-8000-000000000000"
