package access

import (
	"fmt"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
)

// The policy types of roster's casbin model. Each is also the name of the
// model's section that holds its lines, and each line of the encoding has
// one of them.
const (
	PolicyType   = "p" // p lines: sub, dom, obj, act
	GroupingType = "g" // g lines: user, role, dom
)

// Domain returns the workspace a line belongs to: the second value of a p
// line, the third of a g line (casbin's RBAC-with-domains places), and ""
// for any other policy type.
func (l Line) Domain() string {
	switch l.PType {
	case PolicyType:
		return l.V1
	case GroupingType:
		return l.V2
	}
	return ""
}

// DomainFilters returns the casbin_rule rows a filtered adapter loads for
// one workspace, as one filter per policy type: for the policy type and
// each of v0 to v5 (index 0 to 6), the values the column may hold, nil for
// any value. A p row must have the workspace as v1 and one of the model's
// actions as v3, a g row the workspace as v2 and no v3; neither has a v4
// or v5. Every row so selected has a shape casbin's model holds, so a
// foreign row cannot make loading fail; some may still not be roster's
// lines (ParseLine tells), and a loader must skip those.
func DomainFilters(workspace string) [][7][]string {
	none := []string{""}
	return [][7][]string{
		{{PolicyType}, nil, {workspace}, nil, {string(View), actOwn, actExists, actCurate}, none, none},
		{{GroupingType}, nil, nil, {workspace}, none, none, none},
	}
}

// Rule returns the line as casbin's model holds it: its policy type, which
// is also its section, and its values. ok is false for a line roster's
// model cannot hold: a policy type other than p or g, a p line without its
// fourth value (act), a g line with a fourth one, a line with a V4 or V5;
// those lines never follow the encoding of policy.go. Lines the model can
// hold may still be ones roster never writes: ParseLine tells.
func (l Line) Rule() (ptype string, rule []string, ok bool) {
	switch {
	case l.V4 != "" || l.V5 != "":
	case l.PType == PolicyType && l.V3 != "":
		return PolicyType, []string{l.V0, l.V1, l.V2, l.V3}, true
	case l.PType == GroupingType && l.V3 == "":
		return GroupingType, []string{l.V0, l.V1, l.V2}, true
	}
	return "", nil, false
}

// RuleLine is the inverse of Line.Rule: the line casbin's model holds as
// rule under policy type ptype. ok is false for a rule Rule never returns
// (another policy type, or a rule of the wrong length).
func RuleLine(ptype string, rule []string) (Line, bool) {
	switch {
	case ptype == PolicyType && len(rule) == 4 && rule[3] != "":
		return Line{PType: PolicyType, V0: rule[0], V1: rule[1], V2: rule[2], V3: rule[3]}, true
	case ptype == GroupingType && len(rule) == 3:
		return Line{PType: GroupingType, V0: rule[0], V1: rule[1], V2: rule[2]}, true
	}
	return Line{}, false
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
