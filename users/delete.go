package users

import (
	"context"
	"sort"
	"strings"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// Delete deletes a deactivated user. Admin only, never yourself
// (ErrSelfChange); an active user is ErrUserActive; a service user is
// ErrServiceUser (roster.Workspace.DeleteAPIKey deletes it with its key); a user who still owns
// document sets or agents is an *OwnsResourcesError naming them. Otherwise
// the hooks' clean-up runs (memberships, shares, invites, limits' state) and
// every policy line of the user and their row go, in one transaction.
func (s *Service) Delete(ctx context.Context, actor access.Actor, userID string) error {
	_, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		// Authorization before validation: a non-admin is refused for the
		// role before the self-change rule is looked at.
		if err := requireAdmin(tx); err != nil {
			return err
		}
		if err := refuseSelf(tx, userID); err != nil {
			return err
		}
		r, st, err := mustLoad(tx, userID)
		if err != nil {
			return err
		}
		if r.Kind == string(KindService) {
			return ErrServiceUser
		}
		if st.active {
			return ErrUserActive
		}
		owned, err := ownedBlocking(tx, userID)
		if err != nil {
			return err
		}
		if len(owned) > 0 {
			return &OwnsResourcesError{UserID: userID, Email: r.Email, Resources: owned}
		}
		for _, h := range s.hooks.BeforeDelete {
			if err := h(tx, userID); err != nil {
				return err
			}
		}
		if err := removeAllLines(tx, userID); err != nil {
			return err
		}
		tx.Audit("user.delete", userID, map[string]any{"email_domain": domainOf(r.Email)})
		return tx.DB.Delete(&row{}, "id = ? AND workspace_id = ?", userID, s.ws).Error
	})
	return err
}

func domainOf(email string) string {
	_, d, _ := strings.Cut(email, "@")
	return d
}

// removeAllLines deletes every g line of the user (role, deactivation,
// memberships) and every p line whose subject is the user (curator flags,
// ownership of connectors, direct shares).
func removeAllLines(tx *store.Tx, userID string) error {
	g, err := tx.Lines(access.UserGroupingsPattern(tx.Workspace, userID))
	if err != nil {
		return err
	}
	p, err := tx.Lines(access.UserPoliciesPattern(tx.Workspace, userID))
	if err != nil {
		return err
	}
	return tx.RemoveLines(append(g, p...)...)
}

// Owned returns the resources a user owns, sorted.
func (s *Service) Owned(ctx context.Context, userID string) ([]access.Resource, error) {
	var out []access.Resource
	err := s.st.View(ctx, s.ws, access.System, func(tx *store.Tx) error {
		lines, err := tx.Lines(access.OwnedPattern(s.ws, userID))
		out = resourcesOf(lines)
		return err
	})
	return out, err
}

func resourcesOf(lines []access.Line) []access.Resource {
	out := make([]access.Resource, 0, len(lines))
	for _, l := range lines {
		if f, ok := access.ParseLine(l); ok {
			out = append(out, f.Resource)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// ownedBlocking lists the document sets and agents the user owns: the
// resources whose ownership blocks a delete.
func ownedBlocking(tx *store.Tx, userID string) ([]access.Resource, error) {
	lines, err := tx.Lines(access.OwnedPattern(tx.Workspace, userID))
	if err != nil {
		return nil, err
	}
	var out []access.Resource
	for _, r := range resourcesOf(lines) {
		if r.Kind == access.DocumentSet || r.Kind == access.Agent {
			out = append(out, r)
		}
	}
	return out, nil
}

// TransferOwnership moves every resource the user from owns to the user to,
// and returns what moved. Admin only; both must be users of the workspace and
// differ.
func (s *Service) TransferOwnership(ctx context.Context, actor access.Actor, from, to string) ([]access.Resource, error) {
	var moved []access.Resource
	_, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := requireAdmin(tx); err != nil {
			return err // authorization comes before validation
		}
		if from == to {
			return errs.Errorf(access.ErrInvalid, "Ownership can move only to a different user.", "users: transfer to the same user")
		}
		for _, id := range []string{from, to} {
			if _, _, err := mustLoad(tx, id); err != nil {
				return err
			}
		}
		lines, err := tx.Lines(access.OwnedPattern(s.ws, from))
		if err != nil {
			return err
		}
		moved = resourcesOf(lines)
		if err := tx.RemoveLines(lines...); err != nil {
			return err
		}
		for _, r := range moved {
			if err := tx.AddLines(access.OwnerLine(s.ws, to, r)); err != nil {
				return err
			}
		}
		tx.Audit("user.transfer_ownership", from, map[string]any{"to": to, "resources": len(moved)})
		return nil
	})
	return moved, err
}
