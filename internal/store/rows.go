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
	return Rule{Ptype: l.PType, V0: l.V0, V1: l.V1, V2: l.V2, V3: l.V3, V4: l.V4, V5: l.V5}
}

// LineOf converts a casbin_rule row to a policy line, every column of it: a
// row with v4 or v5 set, which roster never writes, must reach
// access.ParseLine as such, to be refused (dropping those values could turn
// a foreign row into a line that grants).
func LineOf(r Rule) access.Line {
	return access.Line{PType: r.Ptype, V0: r.V0, V1: r.V1, V2: r.V2, V3: r.V3, V4: r.V4, V5: r.V5}
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

// linesJSON encodes lines for the changelog: five strings per line (ptype,
// v0 to v3), seven when v4 or v5 is set, which roster's own lines never
// have.
func linesJSON(lines []access.Line) [][]string {
	out := make([][]string, len(lines))
	for i, l := range lines {
		out[i] = []string{l.PType, l.V0, l.V1, l.V2, l.V3}
		if l.V4 != "" || l.V5 != "" {
			out[i] = append(out[i], l.V4, l.V5)
		}
	}
	return out
}

func parseLines(s string) ([]access.Line, error) {
	var raw [][]string
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("roster: changelog row: %w", err)
	}
	lines := make([]access.Line, len(raw))
	for i, r := range raw {
		if len(r) != 5 && len(r) != 7 {
			return nil, fmt.Errorf("roster: changelog row: a line of %d values", len(r))
		}
		r = append(r, "", "")[:7]
		lines[i] = access.Line{PType: r[0], V0: r[1], V1: r[2], V2: r[3], V3: r[4], V4: r[5], V5: r[6]}
	}
	return lines, nil
}
