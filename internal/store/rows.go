package store

import (
	"encoding/json"
	"fmt"
	"time"

	gormadapter "github.com/casbin/gorm-adapter/v3"

	"github.com/rosterhq/roster/access"
)

// Rule is a casbin_rule row. It is gorm-adapter's own model, so the table
// roster's migrations create is the one gorm-adapter reads (the oracle tests
// load it through the adapter with auto-migration turned off).
type Rule = gormadapter.CasbinRule

func ruleOf(l access.Line) Rule {
	return Rule{Ptype: l.PType, V0: l.V0, V1: l.V1, V2: l.V2, V3: l.V3}
}

// LineOf converts a casbin_rule row to a policy line.
func LineOf(r Rule) access.Line {
	return access.Line{PType: r.Ptype, V0: r.V0, V1: r.V1, V2: r.V2, V3: r.V3}
}

type changeRow struct {
	Version     int64 `gorm:"primaryKey;autoIncrement:false"`
	WorkspaceID string
	Added       string
	Removed     string
	CreatedAt   time.Time
}

func (changeRow) TableName() string { return "roster_changes" }

func (r changeRow) change() (Change, error) {
	added, err := parseLines(r.Added)
	if err != nil {
		return Change{}, err
	}
	removed, err := parseLines(r.Removed)
	if err != nil {
		return Change{}, err
	}
	return Change{Version: r.Version, Workspace: r.WorkspaceID, Added: added, Removed: removed}, nil
}

func linesJSON(lines []access.Line) [][5]string {
	out := make([][5]string, len(lines))
	for i, l := range lines {
		out[i] = [5]string{l.PType, l.V0, l.V1, l.V2, l.V3}
	}
	return out
}

func parseLines(s string) ([]access.Line, error) {
	var raw [][5]string
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("roster: changelog row: %w", err)
	}
	lines := make([]access.Line, len(raw))
	for i, r := range raw {
		lines[i] = access.Line{PType: r[0], V0: r[1], V1: r[2], V2: r[3], V3: r[4]}
	}
	return lines, nil
}
