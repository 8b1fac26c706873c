package access

import (
	"fmt"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
)

// Domain returns the workspace a line belongs to: the second value of a p
// line, the third of a g line (casbin's RBAC-with-domains places), and ""
// for any other policy type.
func (l Line) Domain() string {
	switch l.PType {
	case "p":
		return l.V1
	case "g":
		return l.V2
	}
	return ""
}

// DomainPatterns returns the patterns of every line of a workspace, one per
// policy type: a p line whose domain is the workspace, and a g line whose
// domain is the workspace. An empty value in a pattern matches any value. A
// filtered casbin adapter loads one workspace's policy with them.
func DomainPatterns(workspace string) []Line {
	return []Line{{PType: "p", V1: workspace}, {PType: "g", V2: workspace}}
}

// Rule returns the line as casbin's model holds it: its policy type, which
// is also its section, and its values. ok is false for a line roster's
// model cannot hold: a policy type other than p or g, a p line without its
// fourth value (act) or a g line with a fourth one; those lines never
// follow the encoding of policy.go.
func (l Line) Rule() (ptype string, rule []string, ok bool) {
	switch {
	case l.PType == "p" && l.V3 != "":
		return "p", []string{l.V0, l.V1, l.V2, l.V3}, true
	case l.PType == "g" && l.V3 == "":
		return "g", []string{l.V0, l.V1, l.V2}, true
	}
	return "", nil, false
}

// NewSyncedEnforcer returns a casbin SyncedEnforcer over roster's model
// (model.conf, with curatesAll registered) reading through the adapter, with
// auto-save off, so that no call of the enforcer writes through the adapter
// on its own. It loads nothing: the adapter must report IsFiltered (or
// casbin would load every line of every workspace at once), and the caller
// loads a workspace with LoadFilteredPolicy. Auto-loading is not started.
//
// The enforcer's policy is changed only with its Self* calls under its
// lock (GetLock), never through its write methods. Enforce scans every p
// line of the workspace; keep it off request paths.
func NewSyncedEnforcer(a persist.FilteredAdapter) (*casbin.SyncedEnforcer, error) {
	if !a.IsFiltered() {
		return nil, invalidf("The casbin view needs a filtered adapter.", "a synced enforcer needs a filtered adapter")
	}
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("access: casbin model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m, a)
	if err != nil {
		return nil, fmt.Errorf("access: casbin enforcer: %w", err)
	}
	e.EnableAutoSave(false)
	// curatesAll reads the inner enforcer, which takes no lock: Enforce holds
	// the synced enforcer's read lock already, and taking it again would
	// deadlock behind a waiting writer.
	e.AddFunction("curatesAll", curatesAllFunc(e.Enforcer))
	return e, nil
}
