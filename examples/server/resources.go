package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/resources"
)

// The example application owns its connectors, document sets and agents
// (personas): names, descriptions and a document set's connectors live in
// its own tables. Who may see and edit each one are access facts it
// registers with roster (owner = creator, public flag, groups, direct
// shares), and roster decides every write: the creation scope of curators,
// the document-set rule, edit access. Lists show what Access.Visible says
// the caller may view.
//
// Roster's write and the application's row are two transactions. A create
// registers with roster first (roster refuses most requests) and removes
// the registration again, as System, if the row cannot be written; an update
// reverts roster's facts the same way. Only a crash between the two can
// leave a registration without a row (invisible in lists) or a deleted
// resource's row behind (unreachable: roster no longer knows it).

// maxName and maxDescription bound the application's text fields, in
// characters.
const (
	maxName        = 200
	maxDescription = 2000
	idChunk        = 500 // ids per IN (...) query
)

func (s *server) resourceRoutes(mux *http.ServeMux) {
	s.connectorRoutes(mux)
	s.documentSetRoutes(mux)
	s.personaRoutes(mux)
}

// textField trims a name or description and checks it: valid UTF-8, no
// control characters but line breaks in descriptions, at most max
// characters, and not empty if required.
func textField(field, v string, max int, required bool) (string, error) {
	v = strings.TrimSpace(v)
	bad := func(r rune) bool { return unicode.IsControl(r) && (required || (r != '\n' && r != '\t')) }
	switch {
	case !utf8.ValidString(v) || strings.IndexFunc(v, bad) >= 0:
		return "", invalid(field, "holds a control character or invalid UTF-8")
	case required && v == "":
		return "", invalid(field, "is required")
	case utf8.RuneCountInString(v) > max:
		return "", invalid(field, "is longer than %d characters", max)
	}
	return v, nil
}

// notFound is the answer for a resource that does not exist, or that the
// caller may not view, so its existence does not leak.
func notFound(r access.Resource) error {
	return &refusal{fmt.Sprintf("server: %s %q not found", r.Kind, r.ID), "The " + r.Kind.Noun() + " does not exist.", access.ErrNotFound}
}

// resourceName names a connector, document set or agent from the
// application's own tables, for the sentences of error details (roster
// stores no names): "" for another workspace, an unknown resource or a
// failed read, and the detail then names it by kind only.
func (s *server) resourceName(ctx context.Context, ws string, r access.Resource) string {
	var model any
	switch r.Kind {
	case access.Connector:
		model = &connectorRow{}
	case access.DocumentSet:
		model = &documentSetRow{}
	case access.Agent:
		model = &personaRow{}
	}
	if ws != s.ws.ID() || model == nil {
		return ""
	}
	var names []string
	if err := s.db.WithContext(ctx).Model(model).Where("id = ?", r.ID).Limit(1).Pluck("name", &names).Error; err != nil || len(names) == 0 {
		return ""
	}
	return names[0]
}

// mustView returns nil when the caller may view r, else notFound.
func (s *server) mustView(ctx context.Context, c httpapi.Caller, r access.Resource) error {
	if r.Validate() != nil {
		return notFound(r)
	}
	ok, err := s.ws.Access().Can(ctx, c.User.ID, access.View, r)
	if errors.Is(err, roster.ErrNotFound) || (err == nil && !ok) {
		return notFound(r)
	}
	return err
}

// visible returns the ids of every resource of kind the caller may view.
func (s *server) visible(ctx context.Context, c httpapi.Caller, kind access.Kind) ([]string, error) {
	var all []string
	p := roster.Page{Limit: 1000}
	for {
		ids, next, err := s.ws.Access().Visible(ctx, c.User.ID, kind, p)
		if err != nil {
			return nil, err
		}
		all = append(all, ids...)
		if next == "" {
			return all, nil
		}
		p.After = next
	}
}

// rowsByID loads the rows of ids, in chunks of idChunk.
func rowsByID[T any](ctx context.Context, db *gorm.DB, ids []string) ([]T, error) {
	var out []T
	for chunk := range slices.Chunk(ids, idChunk) {
		var rows []T
		if err := db.WithContext(ctx).Where("id IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// listVisible returns, ordered by name, the rows of kind whose ids are in
// ids (the caller's visible ones), each shown through out; a resource that
// vanished meanwhile (out answers not found) is left out.
func listVisible[T interface{ rowName() string }, J any](ctx context.Context, db *gorm.DB, ids []string, out func(T) (J, error)) ([]J, error) {
	rows, err := rowsByID[T](ctx, db, ids)
	if err != nil {
		return nil, err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].rowName() < rows[j].rowName() })
	list := make([]J, 0, len(rows))
	for _, row := range rows {
		j, err := out(row)
		if err == nil {
			list = append(list, j)
		} else if !isNotFound(err) {
			return nil, err
		}
	}
	return list, nil
}

// rowByID loads the row of r, or returns notFound(r).
func rowByID[T any](ctx context.Context, db *gorm.DB, r access.Resource) (T, error) {
	var rows []T
	if err := db.WithContext(ctx).Where("id = ?", r.ID).Limit(1).Find(&rows).Error; err != nil {
		var zero T
		return zero, err
	}
	if len(rows) == 0 {
		var zero T
		return zero, notFound(r)
	}
	return rows[0], nil
}

// isNotFound reports an error of a resource unregistered since a list was
// made; lists skip it.
func isNotFound(err error) bool { return errors.Is(err, roster.ErrNotFound) }

// create registers r's facts with roster as the caller, then writes the
// application's rows with write; if that fails, it unregisters r again (as
// System, even if the request was cancelled), and the audit trail records the
// undone registration. Names are labels, not keys (ids are identity): two
// resources may share one, so creating or renaming never tells a caller that
// a resource it may not see exists.
func (s *server) create(ctx context.Context, c httpapi.Caller, r access.Resource, f resources.Facts,
	write func(tx *gorm.DB) error) error {
	if _, err := s.ws.Resources().Register(ctx, c.Actor(), r, f); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Transaction(write)
	if err == nil {
		return nil
	}
	if _, uerr := s.ws.Resources().Unregister(context.WithoutCancel(ctx), roster.System, r); uerr != nil {
		s.cfg.Logger.Error("server: undoing a registration failed", "resource", r.String(), "error", uerr)
	}
	return err
}

// update replaces r's facts (old → f) with roster as the caller, then
// writes the application's rows with write (nil: none); if that fails, it
// puts the old facts back.
func (s *server) update(ctx context.Context, c httpapi.Caller, r access.Resource, old, f resources.Facts,
	write func(tx *gorm.DB) error) error {
	if _, err := s.ws.Resources().Update(ctx, c.Actor(), r, f); err != nil {
		return err
	}
	if write == nil {
		return nil
	}
	err := s.db.WithContext(ctx).Transaction(write)
	if err == nil {
		return nil
	}
	if _, uerr := s.ws.Resources().Update(context.WithoutCancel(ctx), roster.System, r, old); uerr != nil {
		s.cfg.Logger.Error("server: undoing an update failed", "resource", r.String(), "error", uerr)
	}
	return err
}

// remove unregisters r as the caller (roster checks edit access), then
// deletes the application's row.
func (s *server) remove(ctx context.Context, c httpapi.Caller, r access.Resource, model any) error {
	if err := s.mustView(ctx, c, r); err != nil {
		return err
	}
	if _, err := s.ws.Resources().Unregister(ctx, c.Actor(), r); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Delete(model, "id = ?", r.ID).Error
}

// orEmpty makes a nil list encode as [].
func orEmpty(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
