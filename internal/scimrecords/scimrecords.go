// Package scimrecords owns the deletion of roster_scim_records rows
// (migration 0008), the SCIM records package scim keeps per provisioned
// user and group: package users and package groups end a record in the
// transaction that deletes its user or group, so personal data an identity
// provider sent never outlives the erasure, and they must not import scim.
// Package scim reads and writes the records; every delete goes through here.
package scimrecords

import (
	"context"

	"github.com/rosterhq/roster/internal/store"
)

// Table is the table of SCIM records.
const Table = "roster_scim_records"

// The kinds of record, as the table's kind column holds them.
const (
	KindUser  = "user"
	KindGroup = "group"
)

// Delete ends the record of the kind and roster id in tx's workspace, if
// there is one.
func Delete(tx *store.Tx, kind, id string) error {
	return tx.DB.Exec(`DELETE FROM `+Table+` WHERE workspace_id = ? AND kind = ? AND roster_id = ?`, tx.Workspace, kind, id).Error
}

// OrphanStepName is the name of OrphanStep in store.DataStepsTable.
const OrphanStepName = "0008_scim_record_orphans"

// OrphanStep is the data step that deletes, once per database, the SCIM
// records whose user or group was deleted before users and groups ended
// records with them (SQL could do it, but the migration numbers after 0009
// are reserved for other work; a step needs none).
func OrphanStep() store.Step {
	return store.Step{Name: OrphanStepName, Run: func(ctx context.Context, tx store.StepTx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+Table+` WHERE
			(kind = 'user' AND NOT EXISTS (SELECT 1 FROM roster_users u WHERE u.id = `+Table+`.roster_id AND u.workspace_id = `+Table+`.workspace_id))
			OR (kind = 'group' AND NOT EXISTS (SELECT 1 FROM roster_groups g WHERE g.id = `+Table+`.roster_id AND g.workspace_id = `+Table+`.workspace_id))`)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n > 0 {
			tx.Logger.Info("roster: deleted SCIM records of deleted users and groups", "records", n)
		}
		return nil
	}}
}
