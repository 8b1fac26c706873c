package resources

import (
	"fmt"
	"slices"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// docSetConnectorRow is one connector of one document set: the
// roster_document_set_connectors table. Roster stores the relation so that
// every write that changes an input of the document-set rule can check it.
type docSetConnectorRow struct {
	WorkspaceID   string `gorm:"primaryKey"`
	DocumentSetID string `gorm:"primaryKey"`
	ConnectorID   string `gorm:"primaryKey"`
}

func (docSetConnectorRow) TableName() string { return "roster_document_set_connectors" }

// connectorsOf returns the connectors of document set id, sorted in Go
// (as Facts.normalized sorts them: a PostgreSQL collation may not).
func connectorsOf(tx *store.Tx, id string) ([]string, error) {
	var ids []string
	err := tx.DB.Model(&docSetConnectorRow{}).Where("workspace_id = ? AND document_set_id = ?", tx.Workspace, id).
		Pluck("connector_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("resources: connectors of document set %q: %w", id, err)
	}
	slices.Sort(ids)
	return ids, nil
}

// holdersOf returns the document sets that hold connector id, sorted.
func holdersOf(tx *store.Tx, id string) ([]string, error) {
	var ids []string
	err := tx.DB.Model(&docSetConnectorRow{}).Where("workspace_id = ? AND connector_id = ?", tx.Workspace, id).
		Pluck("document_set_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("resources: document sets holding connector %q: %w", id, err)
	}
	slices.Sort(ids)
	return ids, nil
}

// setConnectors replaces the connectors of r with ids (deduplicated and
// sorted) and reports whether anything changed; only a document set holds
// connectors, so for another kind it does nothing.
func setConnectors(tx *store.Tx, r access.Resource, ids []string) (bool, error) {
	if r.Kind != access.DocumentSet {
		return false, nil
	}
	id := r.ID
	old, err := connectorsOf(tx, id)
	if err != nil || slices.Equal(old, ids) {
		return false, err
	}
	var gone []string
	for _, c := range old {
		if !slices.Contains(ids, c) {
			gone = append(gone, c)
		}
	}
	if len(gone) > 0 {
		err := tx.DB.Where("workspace_id = ? AND document_set_id = ? AND connector_id IN ?", tx.Workspace, id, gone).
			Delete(&docSetConnectorRow{}).Error
		if err != nil {
			return false, fmt.Errorf("resources: remove connectors of document set %q: %w", id, err)
		}
	}
	for _, c := range ids {
		if slices.Contains(old, c) {
			continue
		}
		if err := tx.DB.Create(&docSetConnectorRow{WorkspaceID: tx.Workspace, DocumentSetID: id, ConnectorID: c}).Error; err != nil {
			return false, fmt.Errorf("resources: add connector %q to document set %q: %w", c, id, err)
		}
	}
	return true, nil
}

// forgetResource deletes the relation rows of an unregistered resource: a
// document set's connectors, or a connector's place in every document set
// (a document set left empty is the application's business). It returns the
// document sets a connector left.
func forgetResource(tx *store.Tx, r access.Resource) ([]string, error) {
	var column string
	var held []string
	switch r.Kind {
	case access.DocumentSet:
		column = "document_set_id"
	case access.Connector:
		column = "connector_id"
		var err error
		if held, err = holdersOf(tx, r.ID); err != nil {
			return nil, err
		}
	default:
		return nil, nil
	}
	err := tx.DB.Where("workspace_id = ? AND "+column+" = ?", tx.Workspace, r.ID).Delete(&docSetConnectorRow{}).Error
	if err != nil {
		return nil, fmt.Errorf("resources: forget %s: %w", r, err)
	}
	return held, nil
}

// enforceDocumentSetRule checks the document-set rule for every document set
// a write to resource r may have broken: r itself when it is a document set,
// or every document set holding r when it is a connector. Every write that
// changes an input of the rule (a document set's public flag, groups or
// connectors; a connector's public flag or groups) calls it last, inside its
// transaction, so that a refusal writes nothing.
func enforceDocumentSetRule(tx *store.Tx, r access.Resource) error {
	switch r.Kind {
	case access.DocumentSet:
		return checkDocumentSet(tx, r.ID)
	case access.Connector:
		sets, err := holdersOf(tx, r.ID)
		if err != nil {
			return err
		}
		for _, id := range sets {
			if err := checkDocumentSet(tx, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkDocumentSet enforces the document-set rule on document set id as
// stored: every connector exists, and in a private document set each private
// connector is attached to every group of the set.
func checkDocumentSet(tx *store.Tx, id string) error {
	set := access.Resource{Kind: access.DocumentSet, ID: id}
	f, err := loadFacts(tx, set)
	if err != nil {
		return err
	}
	ccs, err := connectorsOf(tx, id)
	if err != nil {
		return err
	}
	for _, c := range ccs {
		cf, err := loadFacts(tx, access.Resource{Kind: access.Connector, ID: c})
		if err != nil {
			return err
		}
		if f.Public || cf.Public {
			continue
		}
		for _, g := range f.Groups {
			if !slices.Contains(cf.Groups, g) {
				return errs.Named(ErrDocumentSetRule, fmt.Sprintf("%v: private connector %q of document set %q is not attached to the set's group %q", ErrDocumentSetRule, c, id, g),
					// The connector by kind only: the caller may not see it.
					"A private connector of %s is not attached to every group of the set.", access.Resource{Kind: access.DocumentSet, ID: id})
			}
		}
	}
	return nil
}

// storedFacts is loadFacts with a document set's connectors.
func storedFacts(tx *store.Tx, r access.Resource) (Facts, error) {
	f, err := loadFacts(tx, r)
	if err != nil || r.Kind != access.DocumentSet {
		return f, err
	}
	f.Connectors, err = connectorsOf(tx, r.ID)
	return f, err
}
