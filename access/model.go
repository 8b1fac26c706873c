package access

import (
	_ "embed" // model.conf
	"fmt"
	"strings"

	"github.com/casbin/casbin/v2"
)

// modelConf is never written: a go:embed target must be a variable.
//
//go:embed model.conf
var modelConf string

// ModelConf returns roster's casbin model (model.conf): RBAC with domains,
// domain = workspace, whose matcher answers View and Edit for requests
// (u:<user>, <workspace>, <kind>:<id>, view|edit) over the lines of
// policy.go. Its Edit rule calls curatesAll, which [NewSyncedEnforcer]
// registers; an enforcer built from this text without it fails on Edit
// requests.
func ModelConf() string { return modelConf }

// curatesAllFunc returns the matcher function curatesAll(sub, dom, obj): true
// when obj is attached to at least one group and sub may curate every one of
// them. It reads the enforcer's own policy, never the index, so that the
// differential tests compare two independent implementations.
func curatesAllFunc(e *casbin.Enforcer) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		if len(args) != 3 {
			return false, fmt.Errorf("access: curatesAll takes 3 arguments, got %d", len(args))
		}
		sub, ok1 := args[0].(string)
		dom, ok2 := args[1].(string)
		obj, ok3 := args[2].(string)
		if !ok1 || !ok2 || !ok3 {
			return false, fmt.Errorf("access: curatesAll takes strings")
		}
		attached, err := e.GetFilteredPolicy(1, dom, obj, string(View))
		if err != nil {
			return false, err
		}
		n := 0
		for _, rule := range attached {
			if !strings.HasPrefix(rule[0], groupPrefix) {
				continue
			}
			n++
			if ok, err := enforcerCurates(e, sub, dom, rule[0]); err != nil || !ok {
				return false, err
			}
		}
		return n > 0, nil
	}
}

// enforcerCurates reports whether sub may curate the group subject grp,
// reading the enforcer's policy.
func enforcerCurates(e *casbin.Enforcer, sub, dom, grp string) (bool, error) {
	has := func(role string) (bool, error) { return e.HasGroupingPolicy(sub, role, dom) }
	if member, err := has(grp); err != nil || !member {
		return false, err
	}
	if global, err := has(rolePrefix + string(GlobalCurator)); err != nil || global {
		return global, err
	}
	if basic, err := has(rolePrefix + string(Basic)); err != nil || !basic {
		return false, err
	}
	return e.HasPolicy(sub, dom, grp, actCurate)
}
