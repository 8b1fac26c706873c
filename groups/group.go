package groups

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/scimrecords"
	"github.com/rosterhq/roster/internal/store"
)

// MaxNameLen is the longest group name, in characters.
const MaxNameLen = 100

// Group is a group of one workspace.
type Group struct {
	ID        string
	Workspace string
	Name      string
	CreatedAt time.Time
}

type row struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string
	Name        string
	CreatedAt   time.Time
}

func (row) TableName() string { return "roster_groups" }

func (r row) group() Group {
	return Group{ID: r.ID, Workspace: r.WorkspaceID, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}
}

// hooks are the clean-up package roster adds to a group's deletion (its
// token rate limits).
type hooks = construct.GroupHooks

// Service manages the groups of one workspace. It is safe for concurrent
// use; every mutating method runs as one audited transaction and returns the
// version of its change.
type Service struct {
	st    *store.Store
	ws    string
	hooks hooks
}

// newService returns the groups of workspace ws. Package roster calls it
// through package construct; applications get a Service from roster's
// Workspace.Groups.
func newService(st *store.Store, ws string, h hooks) *Service {
	return &Service{st: st, ws: ws, hooks: h}
}

// normalizeName trims a group name and validates it: 1 to MaxNameLen
// characters, valid UTF-8, no control characters.
func normalizeName(name string) (string, error) {
	n := strings.TrimSpace(name)
	if n == "" || !utf8.ValidString(n) || utf8.RuneCountInString(n) > MaxNameLen || strings.IndexFunc(n, unicode.IsControl) >= 0 {
		return "", ErrInvalidName
	}
	return n, nil
}

// createTx creates a group inside a transaction the caller runs. Admin
// or a live SCIM token's actor only; a name in use is ErrDuplicateName. Package roster's
// Workspace.CreateGroup, the one way to create a group, composes it with the
// group's first members and connectors.
func createTx(tx *store.Tx, name string) (Group, error) {
	n, err := normalizeName(name)
	if err != nil {
		return Group{}, err
	}
	if err := authz.RequireAdminOrSCIM(tx); err != nil {
		return Group{}, err
	}
	r := row{ID: uuid.NewString(), WorkspaceID: tx.Workspace, Name: n, CreatedAt: tx.Now}
	if err := insertUnique(tx, &r); err != nil {
		return Group{}, err
	}
	tx.Audit("group.create", r.ID, map[string]any{"name": n})
	return r.group(), nil
}

func insertUnique(tx *store.Tx, r *row) error {
	var n int64
	if err := tx.DB.Model(&row{}).Where("workspace_id = ? AND name = ?", r.WorkspaceID, r.Name).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return duplicateName(r.Name)
	}
	return tx.DB.Create(r).Error
}

// Rename renames a group. Admin only, or the actor of a live SCIM token of
// the workspace (SCIM groups are roster groups). Renaming changes no policy line and no
// ACL token: groups are known by id.
func (s *Service) Rename(ctx context.Context, actor access.Actor, id, name string) (Group, error) {
	n, err := normalizeName(name)
	if err != nil {
		return Group{}, err
	}
	var g Group
	_, err = s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		g, err = renameTx(tx, id, n)
		return err
	})
	return g, err
}

// renameTx is Rename inside a transaction the caller runs, with the name
// normalized.
func renameTx(tx *store.Tx, id, n string) (Group, error) {
	if err := authz.RequireAdminOrSCIM(tx); err != nil {
		return Group{}, err
	}
	r, err := load(tx.DB, tx.Workspace, id)
	if err != nil {
		return Group{}, err
	}
	if r.Name == n {
		return r.group(), nil
	}
	if err := checkNameFree(tx, n); err != nil {
		return Group{}, err
	}
	if err := tx.DB.Model(&row{}).Where("id = ?", id).Update("name", n).Error; err != nil {
		return Group{}, err
	}
	tx.Audit("group.rename", id, map[string]any{"from": r.Name, "to": n})
	r.Name = n
	return r.group(), nil
}

func checkNameFree(tx *store.Tx, name string) error {
	var n int64
	if err := tx.DB.Model(&row{}).Where("workspace_id = ? AND name = ?", tx.Workspace, name).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return duplicateName(name)
	}
	return nil
}

// Delete deletes a group with its memberships, curator flags, attachments,
// SCIM record and (through the hooks) its token rate limits. The attached resources
// survive, detached. Admin only, or the actor of a live SCIM token of the
// workspace.
func (s *Service) Delete(ctx context.Context, actor access.Actor, id string) (int64, error) {
	ch, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		return s.deleteTx(tx, id)
	})
	return ch.Version, err
}

// deleteTx is Delete inside a transaction the caller runs.
func (s *Service) deleteTx(tx *store.Tx, id string) error {
	if err := authz.RequireAdminOrSCIM(tx); err != nil {
		return err
	}
	if _, err := load(tx.DB, s.ws, id); err != nil {
		return err
	}
	for _, h := range s.hooks.BeforeDelete {
		if err := h(tx, id); err != nil {
			return err
		}
	}
	if err := removeGroupLines(tx, id); err != nil {
		return err
	}
	if err := scimrecords.Delete(tx, scimrecords.KindGroup, id); err != nil {
		return err
	}
	tx.Audit("group.delete", id, nil)
	return tx.DB.Delete(&row{}, "id = ? AND workspace_id = ?", id, s.ws).Error
}

// removeGroupLines deletes the memberships, curator flags and attachments
// of a group.
func removeGroupLines(tx *store.Tx, id string) error {
	patterns := []access.Line{
		access.GroupMembersPattern(tx.Workspace, id),
		access.GroupCuratorsPattern(tx.Workspace, id),
		access.GroupAttachmentsPattern(tx.Workspace, id),
	}
	for _, p := range patterns {
		lines, err := tx.Lines(p)
		if err != nil {
			return err
		}
		if err := tx.RemoveLines(lines...); err != nil {
			return err
		}
	}
	return nil
}

// exists returns nil if id is a group of tx's workspace, else
// ErrGroupNotFound.
func exists(tx *store.Tx, id string) error {
	_, err := load(tx.DB, tx.Workspace, id)
	return err
}

func load(db *gorm.DB, ws, id string) (row, error) {
	var r row
	err := db.Where("id = ? AND workspace_id = ?", id, ws).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row{}, fmt.Errorf("%w: %q", ErrGroupNotFound, id)
	}
	return r, err
}

// Get returns a group by id, without a scope check (names are not secret
// to the application; the HTTP layer scopes what it shows).
func (s *Service) Get(ctx context.Context, id string) (Group, error) {
	db, err := s.st.Read(ctx)
	if err != nil {
		return Group{}, err
	}
	r, err := load(db, s.ws, id)
	return r.group(), err
}
