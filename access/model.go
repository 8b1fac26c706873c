package access

import (
	_ "embed" // model.conf
	"fmt"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
)

// modelConf is never written: a go:embed target must be a variable.
//
//go:embed model.conf
var modelConf string

// ModelConf returns roster's casbin model (model.conf): RBAC with domains,
// domain = workspace, whose matcher answers View and Edit for requests
// (u:<user>, <workspace>, <kind>:<id>, view|edit) over the lines of
// policy.go. Its Edit rule calls curatesAll, which [NewEnforcer] registers;
// an enforcer built from this text without it fails on Edit requests.
func ModelConf() string { return modelConf }

// NewEnforcer returns a plain casbin enforcer (no adapter, no cache, not
// synchronized) over the model and the given lines, with curatesAll
// registered. It is the oracle the index is tested against and a debugging
// aid; never put it on a request path: Enforce scans every p line (measured
// 5.8 ms at 10k lines, 40 ms at 100k). The enforcer is not safe for
// concurrent mutation. Lines casbin cannot hold (a policy type other than p
// or g, a g line with a fourth value) are an error wrapping ErrInvalid.
func NewEnforcer(lines []Line) (*casbin.Enforcer, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("access: casbin model: %w", err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("access: casbin enforcer: %w", err)
	}
	e.AddFunction("curatesAll", curatesAllFunc(e))
	var ps, gs [][]string
	for _, l := range lines {
		switch ptype, rule, ok := l.Rule(); {
		case !ok:
			return nil, invalidf("The stored access rules are not valid.", "casbin cannot hold line %q", l)
		case ptype == PolicyType:
			ps = append(ps, rule)
		default:
			gs = append(gs, rule)
		}
	}
	if _, err := e.AddPoliciesEx(ps); err != nil {
		return nil, fmt.Errorf("access: casbin policies: %w", err)
	}
	if _, err := e.AddGroupingPoliciesEx(gs); err != nil {
		return nil, fmt.Errorf("access: casbin grouping policies: %w", err)
	}
	return e, nil
}

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
