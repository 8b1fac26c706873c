package roster

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// AuditEvent is one entry of a workspace's audit trail: who did what to
// whom, when, and at which version. Every mutation writes its events in the
// same transaction as its change.
type AuditEvent struct {
	ID      int64
	Version int64
	Actor   Actor  // "system", "u:<id>" or "scim:<token id>"
	Action  string // e.g. "user.set_role", "group.create"
	Target  string // the id acted on
	Details map[string]any
	At      time.Time
}

// AuditFilter selects audit events; empty fields match everything.
type AuditFilter struct {
	Actor  Actor
	Target string
	Action string
	Offset int // events to skip
	Limit  int // page size; 100 if zero, at most 1,000
}

// AuditPage is one page of the audit trail, newest first, and the count of
// every event the filter matches.
type AuditPage struct {
	Events []AuditEvent
	Total  int64
}

// Audit lists the workspace's audit trail. Only admins (and System) may.
func (w *Workspace) Audit(ctx context.Context, actor Actor, f AuditFilter) (AuditPage, error) {
	if f.Offset < 0 || f.Limit < 0 {
		return AuditPage{}, errs.Errorf(ErrInvalid, "The offset and limit cannot be negative.", "roster: negative offset or limit")
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 1000)
	var page AuditPage
	err := w.d.st.View(ctx, w.id, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		rows, total, err := store.ListAudit(tx, store.AuditFilter{Actor: string(f.Actor),
			Target: f.Target, Action: f.Action, Offset: f.Offset, Limit: f.Limit})
		if err != nil {
			return err
		}
		page.Total = total
		page.Events, err = auditEvents(rows)
		return err
	})
	return page, err
}

func auditEvents(rows []store.AuditEvent) ([]AuditEvent, error) {
	out := make([]AuditEvent, len(rows))
	for i, r := range rows {
		var details map[string]any
		if err := json.Unmarshal([]byte(r.Details), &details); err != nil {
			return nil, fmt.Errorf("roster: audit row %d: %w", r.ID, err)
		}
		out[i] = AuditEvent{ID: r.ID, Version: r.Version, Actor: Actor(r.Actor), Action: r.Action,
			Target: r.Target, Details: details, At: r.CreatedAt}
	}
	return out, nil
}
