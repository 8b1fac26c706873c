package main

import (
	"net/http"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/resources"
)

func (s *server) connectorRoutes(mux *http.ServeMux) {
	s.handle(mux, "POST /manage/admin/connector", curatorUp, s.createConnector)
	s.handle(mux, "PATCH /manage/admin/connector/{id}", basicUp, s.patchConnector)
	s.handle(mux, "DELETE /manage/admin/connector/{id}", basicUp, s.deleteConnector)
	s.handle(mux, "GET /manage/connector", basicUp, s.listConnectors)
}

// connectorJSON is a connector (Onyx's cc-pair) as the API shows it.
type connectorJSON struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	AccessType string   `json:"access_type"`
	Groups     []string `json:"groups"`
}

func connectorOut(row connectorRow, f resources.Facts) connectorJSON {
	at := "private"
	if f.Public {
		at = "public"
	}
	return connectorJSON{ID: row.ID, Name: row.Name, AccessType: at, Groups: orEmpty(f.Groups)}
}

// accessType reads access_type: public or private (Onyx's sync, where the
// source system decides, is not offered).
func accessType(v string) (public bool, err error) {
	switch v {
	case "public":
		return true, nil
	case "private":
		return false, nil
	}
	return false, invalid("access_type", "must be public or private")
}

type connectorRequest struct {
	Name       string   `json:"name"`
	AccessType string   `json:"access_type"`
	Groups     []string `json:"groups"`
}

// createConnector answers POST /manage/admin/connector: 201 {id}. Roster
// applies the curator creation scope before the name is checked (see
// create), so a name clash is never told to a caller out of scope.
func (s *server) createConnector(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	var req connectorRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	name, err := textField("name", req.Name, maxName, true)
	if err != nil {
		return err
	}
	public, err := accessType(req.AccessType)
	if err != nil {
		return err
	}
	ctx := r.Context()
	res := access.Resource{Kind: access.Connector, ID: uuid.NewString()}
	f := resources.Facts{Owner: c.User.ID, Public: public, Groups: req.Groups}
	err = s.create(ctx, c, res, f, func(tx *gorm.DB) error {
		return tx.Create(&connectorRow{ID: res.ID, Name: name, CreatedUnix: s.cfg.Now().Unix()}).Error
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": res.ID})
	return nil
}

type connectorPatch struct {
	Name       *string   `json:"name"`
	AccessType *string   `json:"access_type"`
	Groups     *[]string `json:"groups"`
}

// patchConnector answers PATCH /manage/admin/connector/{id}: the fields
// given change, with edit access.
func (s *server) patchConnector(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	ctx := r.Context()
	res := access.Resource{Kind: access.Connector, ID: r.PathValue("id")}
	if err := s.mustView(ctx, c, res); err != nil {
		return err
	}
	row, err := rowByID[connectorRow](ctx, s.db, res)
	if err != nil {
		return err
	}
	var req connectorPatch
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	old, err := s.ws.Resources().Facts(ctx, res)
	if err != nil {
		return err
	}
	f, write, err := patchedConnector(req, old, &row)
	if err != nil {
		return err
	}
	if err := s.update(ctx, c, res, old, f, write); err != nil {
		return err
	}
	if f, err = s.ws.Resources().Facts(ctx, res); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, connectorOut(row, f))
	return nil
}

// patchedConnector applies the patch to the connector's facts and row, and
// returns the write of the row (nil if its name stays).
func patchedConnector(req connectorPatch, old resources.Facts, row *connectorRow) (resources.Facts, func(tx *gorm.DB) error, error) {
	f := old
	var err error
	if req.AccessType != nil {
		if f.Public, err = accessType(*req.AccessType); err != nil {
			return f, nil, err
		}
	}
	setIf(&f.Groups, req.Groups)
	if req.Name == nil {
		return f, nil, nil
	}
	if row.Name, err = textField("name", *req.Name, maxName, true); err != nil {
		return f, nil, err
	}
	name, id := row.Name, row.ID
	return f, func(tx *gorm.DB) error { return tx.Model(&connectorRow{ID: id}).Update("name", name).Error }, nil
}

// deleteConnector answers DELETE /manage/admin/connector/{id}, with edit
// access. The connector leaves every document set that held it.
func (s *server) deleteConnector(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	res := access.Resource{Kind: access.Connector, ID: r.PathValue("id")}
	if err := s.remove(r.Context(), c, res, &connectorRow{}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listConnectors answers GET /manage/connector: the connectors the caller
// may view, by name.
func (s *server) listConnectors(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	ctx := r.Context()
	ids, err := s.visible(ctx, c, access.Connector)
	if err != nil {
		return err
	}
	out, err := listVisible(ctx, s.db, ids, func(row connectorRow) (connectorJSON, error) {
		f, err := s.ws.Resources().Facts(ctx, access.Resource{Kind: access.Connector, ID: row.ID})
		return connectorOut(row, f), err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
