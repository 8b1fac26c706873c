package store

import (
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// AuditEvent is one row of the audit trail.
type AuditEvent struct {
	ID          int64 `gorm:"primaryKey"`
	Version     int64
	WorkspaceID string
	Actor       string
	Action      string
	Target      string
	Details     string // JSON object
	CreatedAt   time.Time
}

// TableName is the audit table.
func (AuditEvent) TableName() string { return "roster_audit" }

type auditRow struct {
	Action, Target string
	details        map[string]any
}

func insertAudit(db *gorm.DB, tx *Tx, version int64, e auditRow) error {
	details := e.details
	if details == nil {
		details = map[string]any{}
	}
	body, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("roster: audit details: %w", err)
	}
	row := AuditEvent{Version: version, WorkspaceID: tx.Workspace, Actor: string(tx.Actor),
		Action: e.Action, Target: e.Target, Details: string(body), CreatedAt: tx.Now}
	if err := db.Create(&row).Error; err != nil {
		return fmt.Errorf("roster: audit: %w", err)
	}
	return nil
}

// AuditFilter selects audit events; empty fields match everything.
type AuditFilter struct {
	Actor, Target, Action string
	Offset, Limit         int
}

// ListAudit returns the audit events of tx's workspace, newest first, and
// the total count matching the filter, read in tx (so from the snapshot the
// caller's permission check saw).
func ListAudit(tx *Tx, f AuditFilter) ([]AuditEvent, int64, error) {
	q := tx.DB.Model(&AuditEvent{}).Where("workspace_id = ?", tx.Workspace)
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if f.Target != "" {
		q = q.Where("target = ?", f.Target)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var events []AuditEvent
	err := q.Order("id DESC").Offset(f.Offset).Limit(f.Limit).Find(&events).Error
	return events, total, err
}
