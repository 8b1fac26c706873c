package resources

import (
	"context"
	"fmt"
	"slices"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// Attach attaches a resource to a group, so the group's members may view
// it. The actor needs the group's scope and edit access to the resource; a
// basic user (or curator) may attach an agent they own to a group they
// belong to. A deactivated actor is refused like on every write. Attaching
// a private document set to a group that one of its private connectors is
// not attached to is ErrDocumentSetRule.
func (s *Service) Attach(ctx context.Context, actor access.Actor, groupID string, r access.Resource) (int64, error) {
	return s.attachment(ctx, actor, groupID, r, true)
}

// Detach detaches a resource from a group, with the same rule as Attach.
// Detaching a private connector from a group of a private document set
// holding it is ErrDocumentSetRule.
func (s *Service) Detach(ctx context.Context, actor access.Actor, groupID string, r access.Resource) (int64, error) {
	return s.attachment(ctx, actor, groupID, r, false)
}

func (s *Service) attachment(ctx context.Context, actor access.Actor, groupID string, r access.Resource, attach bool) (int64, error) {
	if err := r.Validate(); err != nil {
		return 0, err
	}
	ch, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := setAttached(tx, groupID, r, attach); err != nil {
			return err
		}
		return enforceDocumentSetRule(tx, r)
	})
	return ch.Version, err
}

func setAttached(tx *store.Tx, groupID string, r access.Resource, attach bool) error {
	if err := requireAttach(tx, groupID, r); err != nil {
		return err
	}
	line := access.AttachLine(tx.Workspace, groupID, r)
	write, action := tx.RemoveLines, "resource.detach"
	if attach {
		write, action = tx.AddLines, "resource.attach"
	}
	before := tx.Changed()
	if err := write(line); err != nil || tx.Changed() == before {
		return err // already as asked: nothing to audit
	}
	tx.Audit(action, r.String(), map[string]any{"group_id": groupID})
	return nil
}

func requireAttach(tx *store.Tx, groupID string, r access.Resource) error {
	if err := authz.GroupExists(tx, groupID); err != nil {
		return err
	}
	f, err := loadFacts(tx, r)
	if err != nil {
		return err
	}
	role, err := authz.ActorRole(tx)
	if err != nil {
		return err
	}
	if r.Kind == access.Agent && actorIs(tx, f.Owner) && role != access.Admin && role != access.Limited {
		return agentScope(tx, Facts{Groups: []string{groupID}})
	}
	if err := authz.RequireScope(tx, groupID); err != nil {
		return err
	}
	return requireEdit(tx, r)
}

// SetAttached replaces the resources of one kind attached to a group with
// ids (Onyx's PATCH of a group's cc_pair_ids). Only the attachments that
// change are checked and written, each as Attach or Detach would; the actor
// must be an admin or a member of the group even when nothing changes. The
// document-set rule is checked on the result for every resource that moved
// (ErrDocumentSetRule, and nothing is written).
func (s *Service) SetAttached(ctx context.Context, actor access.Actor, groupID string, kind access.Kind, ids []string) (int64, error) {
	if !kind.Valid() {
		return 0, errs.Errorf(access.ErrInvalid, "That is not a kind of resource.", "resources: unknown resource kind %q", kind)
	}
	for _, id := range ids {
		if err := (access.Resource{Kind: kind, ID: id}).Validate(); err != nil {
			return 0, err
		}
	}
	ch, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		return setAttachedTx(tx, groupID, kind, ids)
	})
	return ch.Version, err
}

// setAttachedTx is SetAttached inside a transaction the caller runs, for
// package roster to compose it with other changes of the same group. The
// caller has validated kind and ids.
func setAttachedTx(tx *store.Tx, groupID string, kind access.Kind, ids []string) error {
	if err := authz.GroupExists(tx, groupID); err != nil {
		return err
	}
	if err := requireMember(tx, groupID); err != nil {
		return err
	}
	current, err := attachedIDs(tx, groupID, kind)
	if err != nil {
		return err
	}
	var moved []access.Resource
	for _, id := range dedupe(ids) {
		if !slices.Contains(current, id) {
			moved = append(moved, access.Resource{Kind: kind, ID: id})
			if err := setAttached(tx, groupID, moved[len(moved)-1], true); err != nil {
				return err
			}
		}
	}
	for _, id := range current {
		if !slices.Contains(ids, id) {
			moved = append(moved, access.Resource{Kind: kind, ID: id})
			if err := setAttached(tx, groupID, moved[len(moved)-1], false); err != nil {
				return err
			}
		}
	}
	for _, r := range moved {
		if err := enforceDocumentSetRule(tx, r); err != nil {
			return err
		}
	}
	return nil
}

// requireMember refuses a deactivated actor, and one who is neither an
// admin nor a member of the group (ErrGroupNotFound): they may change none of
// its attachments, so a call that would change nothing must not succeed for
// them, nor tell them that the group exists.
func requireMember(tx *store.Tx, groupID string) error {
	role, err := authz.ActorRole(tx)
	if err != nil || role == access.Admin {
		return err
	}
	actorID, _ := tx.Actor.UserID()
	member, err := tx.HasLine(access.MemberLine(tx.Workspace, actorID, groupID))
	if err != nil || member {
		return err
	}
	return fmt.Errorf("%w: %q", groups.ErrGroupNotFound, groupID)
}

func attachedIDs(tx *store.Tx, groupID string, kind access.Kind) ([]string, error) {
	lines, err := tx.Lines(access.GroupAttachmentsPattern(tx.Workspace, groupID))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range lines {
		if f, ok := access.ParseLine(l); ok && f.Resource.Kind == kind {
			out = append(out, f.Resource.ID)
		}
	}
	return out, nil
}
