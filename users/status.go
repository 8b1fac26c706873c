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
//
// The actor of a live SCIM token of the workspace may deactivate (and
// activate) users who are not admins; an admin's status is ErrSCIMAdminStatus
// (an admin demotes them first). The audit event then says "by": "scim", so
// the trail tells provisioning's deactivations from an admin's. Asking for
// the status a user has already is no change and no refusal, an admin's
// too.
func (s *Service) Deactivate(ctx context.Context, actor access.Actor, userID string) (User, error) {
	return s.setActive(ctx, actor, userID, false)
}

// Activate restores a deactivated user with everything they had. Admin only,
// or a live SCIM token's actor for a user who is not an admin (see
// Deactivate).
func (s *Service) Activate(ctx context.Context, actor access.Actor, userID string) (User, error) {
	return s.setActive(ctx, actor, userID, true)
}

func (s *Service) setActive(ctx context.Context, actor access.Actor, userID string, active bool) (User, error) {
	var u User
	_, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		var err error
		u, err = s.setActiveTx(tx, userID, active)
		return err
	})
	return u, err
}

// setActiveTx is Activate or Deactivate inside a transaction the caller
// runs (package scim writes its record in the same one).
func (s *Service) setActiveTx(tx *store.Tx, userID string, active bool) (User, error) {
	// Authorization before validation: a non-admin is refused for the
	// role before the self-change rule is looked at.
	scim, err := requireAdminOrSCIM(tx)
	if err != nil {
		return User{}, err
	}
	if err := refuseSelf(tx, userID); err != nil {
		return User{}, err
	}
	r, st, err := mustLoad(tx, userID)
	if err != nil {
		return User{}, err
	}
	// The status asked for already: nothing changes, so nothing is
	// refused (SCIM's DELETE of an admin an admin deactivated ends
	// the record and is not refused forever).
	if st.active == active {
		return r.user(st), nil
	}
	if scim && st.stored == access.Admin {
		return User{}, ErrSCIMAdminStatus
	}
	if !active {
		if err := guardLastAdmin(tx, r, st); err != nil {
			return User{}, err
		}
	}
	if err := s.writeActive(tx, userID, st.active, active, scim); err != nil {
		return User{}, err
	}
	st.active = active
	return r.user(st), nil
}

func (s *Service) writeActive(tx *store.Tx, userID string, was, active, scim bool) error {
	if was == active {
		return nil
	}
	var details map[string]any
	if scim {
		details = map[string]any{"by": "scim"}
	}
	line := access.DeactivatedLine(s.ws, userID)
	if active {
		tx.Audit("user.activate", userID, details)
		return tx.RemoveLines(line)
	}
	tx.Audit("user.deactivate", userID, details)
	return tx.AddLines(line)
}
