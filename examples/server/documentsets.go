package main

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/resources"
)

func (s *server) documentSetRoutes(mux *http.ServeMux) {
	s.handle(mux, "POST /manage/admin/document-set", curatorUp, s.createDocumentSet)
	s.handle(mux, "PATCH /manage/admin/document-set", basicUp, s.patchDocumentSet)
	s.handle(mux, "DELETE /manage/admin/document-set/{id}", basicUp, s.deleteDocumentSet)
	s.handle(mux, "GET /manage/document-set", basicUp, s.listDocumentSets)
}

// documentSetJSON is a document set as the API shows it; cc_pair_ids lists
// the connectors of the set that the caller may view.
type documentSetJSON struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	IsPublic    bool     `json:"is_public"`
	Groups      []string `json:"groups"`
	CCPairIDs   []string `json:"cc_pair_ids"`
}

type documentSetRequest struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	IsPublic    bool     `json:"is_public"`
	Groups      []string `json:"groups"`
	CCPairIDs   []string `json:"cc_pair_ids"`
}

// errNoConnectors refuses a document set without connectors: a set holds
// documents only through its connectors.
func errNoConnectors() error {
	return invalid("cc_pair_ids", "must name at least one connector")
}

// createDocumentSet answers POST /manage/admin/document-set: 201 {id}.
// Roster applies the curator creation scope and the document-set rule (a
// private connector in a private set must be attached to every group of the
// set); every connector must be one the caller may view.
func (s *server) createDocumentSet(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	var req documentSetRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	res := access.Resource{Kind: access.DocumentSet, ID: uuid.NewString()}
	f := resources.Facts{Owner: c.User.ID, Public: req.IsPublic, Groups: req.Groups}
	// Authorization before validation: the creation scope answers first.
	if err := s.ws.Resources().Authorize(ctx, c.Actor(), res, f); err != nil {
		return err
	}
	name, err := textField("name", req.Name, maxName, true)
	if err != nil {
		return err
	}
	desc, err := textField("description", req.Description, maxDescription, false)
	if err != nil {
		return err
	}
	if len(req.CCPairIDs) == 0 {
		return errNoConnectors()
	}
	ccs, err := s.viewableConnectors(ctx, c, req.CCPairIDs)
	if err != nil {
		return err
	}
	f.Connectors = ccs
	err = s.create(ctx, c, res, f, func(tx *gorm.DB) error {
		row := documentSetRow{ID: res.ID, Name: name, Description: desc, CreatedUnix: s.cfg.Now().Unix()}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return setConnectors(tx, res.ID, ccs)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": res.ID})
	return nil
}

// viewableConnectors dedupes ids and checks that the caller may view each
// connector (404 NOT_FOUND otherwise).
func (s *server) viewableConnectors(ctx context.Context, c httpapi.Caller, ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		if err := s.mustView(ctx, c, access.Resource{Kind: access.Connector, ID: id}); err != nil {
			return nil, err
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// setConnectors replaces the connectors of document set id.
func setConnectors(tx *gorm.DB, id string, ccs []string) error {
	if err := tx.Delete(&documentSetConnectorRow{}, "document_set_id = ?", id).Error; err != nil {
		return err
	}
	for _, cc := range ccs {
		if err := tx.Create(&documentSetConnectorRow{DocumentSetID: id, ConnectorID: cc}).Error; err != nil {
			return err
		}
	}
	return nil
}

// storedConnectors returns the connectors of document set id.
func (s *server) storedConnectors(ctx context.Context, id string) ([]string, error) {
	var ccs []string
	err := s.db.WithContext(ctx).Model(&documentSetConnectorRow{}).Where("document_set_id = ?", id).
		Order("connector_id").Pluck("connector_id", &ccs).Error
	return ccs, err
}

type documentSetPatch struct {
	ID          string    `json:"id"`
	Description *string   `json:"description"`
	IsPublic    *bool     `json:"is_public"`
	Groups      *[]string `json:"groups"`
	CCPairIDs   *[]string `json:"cc_pair_ids"`
}

// patchDocumentSet answers PATCH /manage/admin/document-set: the fields
// given replace the set's, with edit access; the document-set rule is
// checked again on the result.
func (s *server) patchDocumentSet(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	var req documentSetPatch
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if req.ID == "" {
		return invalid("id", "is required")
	}
	ctx := r.Context()
	res := access.Resource{Kind: access.DocumentSet, ID: req.ID}
	if err := s.mustView(ctx, c, res); err != nil {
		return err
	}
	row, err := rowByID[documentSetRow](ctx, s.db, res)
	if err != nil {
		return err
	}
	old, err := s.ws.Resources().Facts(ctx, res)
	if err != nil {
		return err
	}
	f, row, err := s.patchedDocumentSet(ctx, c, req, old, row)
	if err != nil {
		return err
	}
	err = s.update(ctx, c, res, old, f, func(tx *gorm.DB) error {
		if err := tx.Model(&row).Update("description", row.Description).Error; err != nil {
			return err
		}
		return setConnectors(tx, row.ID, f.Connectors)
	})
	if err != nil {
		return err
	}
	out, err := s.documentSetOut(ctx, c, row)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// patchedDocumentSet applies the patch to the set's facts and row.
func (s *server) patchedDocumentSet(ctx context.Context, c httpapi.Caller, req documentSetPatch, old resources.Facts,
	row documentSetRow) (resources.Facts, documentSetRow, error) {
	f := old
	var err error
	if f.Connectors, err = s.storedConnectors(ctx, row.ID); err != nil {
		return f, row, err
	}
	if req.IsPublic != nil {
		f.Public = *req.IsPublic
	}
	if req.Groups != nil {
		f.Groups = *req.Groups
	}
	// Authorization before validation: edit access and the creation scope
	// for the new groups and public flag answer first.
	if err := s.ws.Resources().Authorize(ctx, c.Actor(), access.Resource{Kind: access.DocumentSet, ID: row.ID}, f); err != nil {
		return f, row, err
	}
	if req.CCPairIDs != nil {
		if len(*req.CCPairIDs) == 0 {
			return f, row, errNoConnectors()
		}
		if f.Connectors, err = s.viewableConnectors(ctx, c, *req.CCPairIDs); err != nil {
			return f, row, err
		}
	}
	if req.Description != nil {
		if row.Description, err = textField("description", *req.Description, maxDescription, false); err != nil {
			return f, row, err
		}
	}
	return f, row, nil
}

// deleteDocumentSet answers DELETE /manage/admin/document-set/{id}, with
// edit access.
func (s *server) deleteDocumentSet(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	res := access.Resource{Kind: access.DocumentSet, ID: r.PathValue("id")}
	if err := s.remove(r.Context(), c, res, &documentSetRow{}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listDocumentSets answers GET /manage/document-set: the sets the caller may
// view, or with get_editable=true those they may edit, by name.
func (s *server) listDocumentSets(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	editable := false
	if v := r.URL.Query().Get("get_editable"); v != "" {
		var err error
		if editable, err = strconv.ParseBool(v); err != nil {
			return invalid("get_editable", "must be true or false")
		}
	}
	ctx := r.Context()
	ids, err := s.visible(ctx, c, access.DocumentSet)
	if err != nil {
		return err
	}
	if editable {
		ids = slices.DeleteFunc(ids, func(id string) bool {
			ok, err := s.ws.Access().Can(ctx, c.User.ID, access.Edit, access.Resource{Kind: access.DocumentSet, ID: id})
			return err != nil || !ok
		})
	}
	out, err := listVisible(ctx, s.db, ids, func(row documentSetRow) (documentSetJSON, error) {
		return s.documentSetOut(ctx, c, row)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// documentSetOut is the set as the caller sees it.
func (s *server) documentSetOut(ctx context.Context, c httpapi.Caller, row documentSetRow) (documentSetJSON, error) {
	res := access.Resource{Kind: access.DocumentSet, ID: row.ID}
	f, err := s.ws.Resources().Facts(ctx, res)
	if err != nil {
		return documentSetJSON{}, err
	}
	ccs, err := s.storedConnectors(ctx, row.ID)
	if err != nil {
		return documentSetJSON{}, err
	}
	ccs = slices.DeleteFunc(ccs, func(id string) bool {
		ok, err := s.ws.Access().Can(ctx, c.User.ID, access.View, access.Resource{Kind: access.Connector, ID: id})
		return err != nil || !ok
	})
	return documentSetJSON{ID: row.ID, Name: row.Name, Description: row.Description, IsPublic: f.Public,
		Groups: orEmpty(f.Groups), CCPairIDs: orEmpty(ccs)}, nil
}
