package main

import (
	"context"
	"net/http"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/resources"
)

func (s *server) personaRoutes(mux *http.ServeMux) {
	s.handle(mux, "POST /persona", basicUp, s.createPersona)
	s.handle(mux, "PATCH /persona/{id}", basicUp, s.patchPersona)
	s.handle(mux, "PATCH /persona/{id}/share", basicUp, s.sharePersona)
	s.handle(mux, "DELETE /persona/{id}", basicUp, s.deletePersona)
	s.handle(mux, "GET /persona", signedIn, s.listPersonas)
	s.handle(mux, "GET /persona/{id}", signedIn, s.getPersona)
}

// personaJSON is an agent (Onyx's persona) as the API shows it; users are
// the users it is shared with directly.
type personaJSON struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	IsPublic    bool     `json:"is_public"`
	OwnerID     string   `json:"owner_id"`
	Groups      []string `json:"groups"`
	Users       []string `json:"users"`
}

func personaOut(row personaRow, f resources.Facts) personaJSON {
	return personaJSON{ID: row.ID, Name: row.Name, Description: row.Description, IsPublic: f.Public,
		OwnerID: f.Owner, Groups: orEmpty(f.Groups), Users: orEmpty(f.SharedWith)}
}

type personaRequest struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	IsPublic    bool     `json:"is_public"`
	Groups      []string `json:"groups"`
	Users       []string `json:"users"`
}

// createPersona answers POST /persona: 201 {id}. The caller owns the agent;
// roster lets them attach it only to groups they belong to.
func (s *server) createPersona(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	var req personaRequest
	if err := s.decode(w, r, &req); err != nil {
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
	res := access.Resource{Kind: access.Agent, ID: uuid.NewString()}
	f := resources.Facts{Owner: c.User.ID, Public: req.IsPublic, Groups: req.Groups, SharedWith: req.Users}
	err = s.create(r.Context(), c, res, f, func(tx *gorm.DB) error {
		return tx.Create(&personaRow{ID: res.ID, Name: name, Description: desc, CreatedUnix: s.cfg.Now().Unix()}).Error
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": res.ID})
	return nil
}

type personaPatch struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	IsPublic    *bool     `json:"is_public"`
	Groups      *[]string `json:"groups"`
	Users       *[]string `json:"users"`
}

// patchPersona answers PATCH /persona/{id}: the fields given change, with
// edit access.
func (s *server) patchPersona(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	ctx := r.Context()
	res := access.Resource{Kind: access.Agent, ID: r.PathValue("id")}
	row, old, err := s.viewPersona(ctx, c, res)
	if err != nil {
		return err
	}
	var req personaPatch
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	f := old
	setIf(&f.Public, req.IsPublic)
	setIf(&f.Groups, req.Groups)
	setIf(&f.SharedWith, req.Users)
	if req.Name != nil {
		if row.Name, err = textField("name", *req.Name, maxName, true); err != nil {
			return err
		}
	}
	if req.Description != nil {
		if row.Description, err = textField("description", *req.Description, maxDescription, false); err != nil {
			return err
		}
	}
	err = s.update(ctx, c, res, old, f, func(tx *gorm.DB) error {
		return tx.Model(&row).Updates(map[string]any{"name": row.Name, "description": row.Description}).Error
	})
	if err != nil {
		return err
	}
	return s.writePersona(w, r, row, res)
}

type personaShare struct {
	UserIDs  *[]string `json:"user_ids"`
	GroupIDs *[]string `json:"group_ids"`
	IsPublic *bool     `json:"is_public"`
}

// sharePersona answers PATCH /persona/{id}/share: the lists given replace
// the agent's direct shares and groups. Only its owner or an admin may, as
// in Onyx (edit access is not enough).
func (s *server) sharePersona(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	ctx := r.Context()
	res := access.Resource{Kind: access.Agent, ID: r.PathValue("id")}
	row, old, err := s.viewPersona(ctx, c, res)
	if err != nil {
		return err
	}
	if c.User.Role != access.Admin && old.Owner != c.User.ID {
		return &refusal{"server: only the owner or an admin shares an agent", "Only the owner of an agent or an admin may share it.", access.ErrForbidden}
	}
	var req personaShare
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	f := old
	setIf(&f.SharedWith, req.UserIDs)
	setIf(&f.Groups, req.GroupIDs)
	setIf(&f.Public, req.IsPublic)
	if err := s.update(ctx, c, res, old, f, nil); err != nil {
		return err
	}
	return s.writePersona(w, r, row, res)
}

// setIf sets *dst to *v when v is given.
func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// deletePersona answers DELETE /persona/{id}, with edit access.
func (s *server) deletePersona(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	res := access.Resource{Kind: access.Agent, ID: r.PathValue("id")}
	if err := s.remove(r.Context(), c, res, &personaRow{}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listPersonas answers GET /persona: the agents the caller may view, by
// name (limited users too).
func (s *server) listPersonas(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	ctx := r.Context()
	ids, err := s.visible(ctx, c, access.Agent)
	if err != nil {
		return err
	}
	out, err := listVisible(ctx, s.db, ids, func(row personaRow) (personaJSON, error) {
		f, err := s.ws.Resources().Facts(ctx, access.Resource{Kind: access.Agent, ID: row.ID})
		return personaOut(row, f), err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getPersona answers GET /persona/{id}, with view access.
func (s *server) getPersona(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	res := access.Resource{Kind: access.Agent, ID: r.PathValue("id")}
	row, f, err := s.viewPersona(r.Context(), c, res)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, personaOut(row, f))
	return nil
}

// viewPersona returns the agent's row and facts if the caller may view it.
func (s *server) viewPersona(ctx context.Context, c httpapi.Caller, res access.Resource) (personaRow, resources.Facts, error) {
	if err := s.mustView(ctx, c, res); err != nil {
		return personaRow{}, resources.Facts{}, err
	}
	row, err := rowByID[personaRow](ctx, s.db, res)
	if err != nil {
		return personaRow{}, resources.Facts{}, err
	}
	f, err := s.ws.Resources().Facts(ctx, res)
	return row, f, err
}

// writePersona answers with the agent as it is now.
func (s *server) writePersona(w http.ResponseWriter, r *http.Request, row personaRow, res access.Resource) error {
	f, err := s.ws.Resources().Facts(r.Context(), res)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, personaOut(row, f))
	return nil
}
