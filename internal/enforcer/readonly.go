package enforcer

import (
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	gormadapter "github.com/casbin/gorm-adapter/v3"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
)

// ErrReadOnly is what every persisting method of a roster enforcer's adapter
// returns: casbin_rule is written only by roster's write path, in the same
// transaction as roster's rows, its audit event and its changelog row. It
// matches access.ErrForbidden. Its text must never be casbin's
// "not implemented", which casbin takes as a silent no-op.
var ErrReadOnly = errs.New("roster: the casbin enforcer is read-only; change policy through roster's API", "The casbin view is read-only; change access through roster.", access.ErrForbidden)

// readOnly is the adapter roster's enforcers read through: gorm-adapter's
// filtered load of one workspace, and an error from every method that would
// write (or load every workspace). It implements each adapter interface
// casbin's enforcer asserts without checking (BatchAdapter,
// UpdatableAdapter), so a write attempted through the enforcer is an error,
// never a panic or a silent no-op.
type readOnly struct {
	a *gormadapter.Adapter
}

var (
	_ persist.FilteredAdapter  = readOnly{}
	_ persist.BatchAdapter     = readOnly{}
	_ persist.UpdatableAdapter = readOnly{}
)

// LoadFilteredPolicy loads the lines the filter selects through gorm-adapter,
// and of them only roster's (see keep): gorm-adapter loads every row the
// filter selects, a foreign one too, with as many values as the row has, so
// it loads into a scratch copy of m, and m receives the lines kept. m is
// empty (casbin clears it first).
func (r readOnly) LoadFilteredPolicy(m model.Model, filter any) error {
	scratch := m.Copy()
	scratch.ClearPolicy()
	if err := r.a.LoadFilteredPolicy(scratch, filter); err != nil {
		return err
	}
	for _, ptype := range [...]string{access.PolicyType, access.GroupingType} {
		rules, err := scratch.GetPolicy(ptype, ptype) // the section is named as the type
		if err != nil {
			return err
		}
		for _, rule := range rules {
			if l, ok := access.RuleLine(ptype, rule); !ok || !keep(l) {
				continue
			}
			if err := m.AddPolicy(ptype, ptype, rule); err != nil {
				return err
			}
		}
	}
	return nil
}

// IsFiltered is always true: casbin must never load every workspace itself.
func (readOnly) IsFiltered() bool { return true }

// LoadPolicy refuses: an enforcer holds one workspace, loaded filtered.
func (readOnly) LoadPolicy(model.Model) error {
	return errs.Errorf(access.ErrInvalid, "The casbin view loads one workspace only.", "roster: an enforcer loads one workspace's lines only")
}

// SavePolicy refuses (gorm-adapter's would truncate casbin_rule outside any
// transaction).
func (readOnly) SavePolicy(model.Model) error { return ErrReadOnly }

// AddPolicy refuses.
func (readOnly) AddPolicy(string, string, []string) error { return ErrReadOnly }

// RemovePolicy refuses.
func (readOnly) RemovePolicy(string, string, []string) error { return ErrReadOnly }

// RemoveFilteredPolicy refuses.
func (readOnly) RemoveFilteredPolicy(string, string, int, ...string) error { return ErrReadOnly }

// AddPolicies refuses.
func (readOnly) AddPolicies(string, string, [][]string) error { return ErrReadOnly }

// RemovePolicies refuses.
func (readOnly) RemovePolicies(string, string, [][]string) error { return ErrReadOnly }

// UpdatePolicy refuses.
func (readOnly) UpdatePolicy(string, string, []string, []string) error { return ErrReadOnly }

// UpdatePolicies refuses.
func (readOnly) UpdatePolicies(string, string, [][]string, [][]string) error { return ErrReadOnly }

// UpdateFilteredPolicies refuses.
func (readOnly) UpdateFilteredPolicies(string, string, [][]string, int, ...string) ([][]string, error) {
	return nil, ErrReadOnly
}
