package users

import (
	"context"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/store"
)

// Deactivate deactivates a user: every access check denies them at once,
// while their memberships, curator flags and ownership are kept. Admin only,
// never yourself (ErrSelfChange), never the last active admin
// (ErrLastAdmin). Deactivating an inactive user changes nothing.
func (s *Service) Deactivate(ctx context.Context, actor access.Actor, userID string) (User, error) {
	return s.setActive(ctx, actor, userID, false)
}

// Activate restores a deactivated user with everything they had. Admin only.
func (s *Service) Activate(ctx context.Context, actor access.Actor, userID string) (User, error) {
	return s.setActive(ctx, actor, userID, true)
}

func (s *Service) setActive(ctx context.Context, actor access.Actor, userID string, active bool) (User, error) {
	var u User
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
		if !active {
			if err := guardLastAdmin(tx, st); err != nil {
				return err
			}
		}
		if err := s.writeActive(tx, userID, st.active, active); err != nil {
			return err
		}
		st.active = active
		u = r.user(st)
		return nil
	})
	return u, err
}

func (s *Service) writeActive(tx *store.Tx, userID string, was, active bool) error {
	if was == active {
		return nil
	}
	line := access.DeactivatedLine(s.ws, userID)
	if active {
		tx.Audit("user.activate", userID, nil)
		return tx.RemoveLines(line)
	}
	tx.Audit("user.deactivate", userID, nil)
	return tx.AddLines(line)
}
