package scim

import (
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rosterhq/roster/internal/scimrecords"
	"github.com/rosterhq/roster/internal/store"
)

// The kinds of SCIM record.
const (
	kindUser  = scimrecords.KindUser
	kindGroup = scimrecords.KindGroup
)

// record is a row of roster_scim_records (migration 0008): what an identity
// provider sent for one user or group that roster's own tables do not hold.
// Package scim owns the table and is the only code that reads or writes it;
// package internal/scimrecords deletes records, for users and groups too.
type record struct {
	WorkspaceID string
	Kind        string `gorm:"primaryKey"`
	RosterID    string `gorm:"primaryKey"`
	ExternalID  string
	UserName    string
	DisplayName string
	GivenName   string
	FamilyName  string
	Formatted   string
	Attributes  string // a JSON object
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (record) TableName() string { return "roster_scim_records" }

// loadRecord returns the record of the kind and roster id in workspace ws,
// and whether there is one.
func loadRecord(db *gorm.DB, ws, kind, id string) (record, bool, error) {
	var r record
	err := db.Where("workspace_id = ? AND kind = ? AND roster_id = ?", ws, kind, id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return record{}, false, nil
	}
	return r, err == nil, err
}

// saveRecord writes r in tx, creating or replacing it, with its times set.
func saveRecord(tx *store.Tx, r *record) error {
	r.WorkspaceID = tx.Workspace
	r.UpdatedAt = tx.Now
	if r.CreatedAt.IsZero() {
		r.CreatedAt = tx.Now
	}
	if r.Attributes == "" {
		r.Attributes = "{}"
	}
	return tx.DB.Clauses(clause.OnConflict{UpdateAll: true}).Create(r).Error
}

// deleteRecord ends the record of the kind and roster id in tx's workspace.
func deleteRecord(tx *store.Tx, kind, id string) error {
	return scimrecords.Delete(tx, kind, id)
}

// attributes decodes the record's unmapped attributes.
func (r record) attributes() map[string]any {
	m := map[string]any{}
	if r.Attributes != "" {
		_ = json.Unmarshal([]byte(r.Attributes), &m) // written by setAttributes only
	}
	return m
}

func (r *record) setAttributes(m map[string]any) error {
	if len(m) == 0 {
		r.Attributes = "{}"
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	r.Attributes = string(b)
	return nil
}

// same reports whether r and o hold the same data (times aside).
func (r record) same(o record) bool {
	r.CreatedAt, r.UpdatedAt, o.CreatedAt, o.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return r == o
}
