package resources

import (
	"context"
	"fmt"
	"slices"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/users"
)

// Facts are the access facts of one resource that the application registers:
// roster does not own resource content, only who may see and edit it.
type Facts struct {
	Owner      string   // user id of the owner; empty for none
	Public     bool     // every active user of the workspace may view it
	Groups     []string // ids of the groups it is attached to
	SharedWith []string // user ids it is shared with directly (agents only)
}

// Service registers the resources of one workspace. It is safe for
// concurrent use; every method runs as one audited transaction.
type Service struct {
	st *store.Store
	ws string
}

// New returns the resources of workspace ws; applications get it from
// roster.Workspace.Resources.
func New(st *store.Store, ws string) *Service { return &Service{st: st, ws: ws} }

// Register records a new resource and its facts, and returns the version of
// the change. A resource that exists is an error matching access.ErrConflict;
// an unknown owner, group or shared user matches access.ErrNotFound.
func (s *Service) Register(ctx context.Context, actor access.Actor, r access.Resource, f Facts) (int64, error) {
	if err := validate(r, f); err != nil {
		return 0, err
	}
	ch, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := s.authorizeCreate(tx, r, f); err != nil {
			return err
		}
		exists, err := tx.HasLine(access.ExistsLine(s.ws, r))
		if err != nil {
			return err
		}
		if exists {
			return fmt.Errorf("%w: resource %s exists", access.ErrConflict, r)
		}
		if err := s.checkReferences(tx, f); err != nil {
			return err
		}
		tx.Audit("resource.register", r.String(), factsDetails(f))
		return tx.AddLines(linesOf(s.ws, r, f)...)
	})
	return ch.Version, err
}

// authorizeCreate is the creation scope. The foundation allows admins and
// System, and any active user registering a resource they own.
func (s *Service) authorizeCreate(tx *store.Tx, r access.Resource, f Facts) error {
	role, err := users.ActorRole(tx)
	if err != nil {
		return err
	}
	if role == access.Admin {
		return nil
	}
	if id, ok := tx.Actor.UserID(); ok && id == f.Owner {
		return nil
	}
	return fmt.Errorf("%w: only an admin registers resources owned by others", access.ErrForbidden)
}

func validate(r access.Resource, f Facts) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if len(f.SharedWith) > 0 && r.Kind != access.Agent {
		return fmt.Errorf("%w: only agents are shared with users directly", access.ErrInvalid)
	}
	return nil
}

func (s *Service) checkReferences(tx *store.Tx, f Facts) error {
	ids := slices.Clone(f.SharedWith)
	if f.Owner != "" {
		ids = append(ids, f.Owner)
	}
	for _, id := range ids {
		if err := users.Exists(tx, id); err != nil {
			return err
		}
	}
	for _, g := range f.Groups {
		if err := groupExists(tx, g); err != nil {
			return err
		}
	}
	return nil
}

func linesOf(ws string, r access.Resource, f Facts) []access.Line {
	lines := []access.Line{access.ExistsLine(ws, r)}
	if f.Owner != "" {
		lines = append(lines, access.OwnerLine(ws, f.Owner, r))
	}
	if f.Public {
		lines = append(lines, access.PublicLine(ws, r))
	}
	for _, g := range f.Groups {
		lines = append(lines, access.AttachLine(ws, g, r))
	}
	for _, u := range f.SharedWith {
		lines = append(lines, access.ShareLine(ws, u, r))
	}
	return lines
}

func factsDetails(f Facts) map[string]any {
	return map[string]any{"owner": f.Owner, "public": f.Public, "groups": f.Groups, "shared_with": f.SharedWith}
}

// groupExists is replaced by package groups' check once groups exist; until
// then no group id is known.
func groupExists(tx *store.Tx, id string) error {
	return fmt.Errorf("%w: group %q", access.ErrNotFound, id)
}
