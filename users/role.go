package users

import (
	"context"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// SetRole changes a user's stored role. Only an admin may (ErrNotAdmin,
// checked before anything else: a non-admin is refused whatever the target
// or the role), never on themselves (ErrSelfChange), and only to Admin,
// GlobalCurator, Basic or Limited: Curator is refused (ErrCuratorViaGroups),
// any other string is ErrInvalidRole, and so is a role other than basic,
// limited or admin for a service user (an API key's). Demoting the last active admin is
// ErrLastAdmin. A curator who is given any role leaves curator: every curator
// flag they hold is cleared.
func (s *Service) SetRole(ctx context.Context, actor access.Actor, userID string, role Role) (User, error) {
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
		if role == access.Curator {
			return ErrCuratorViaGroups
		}
		if !role.Stored() {
			return errs.Errorf(ErrInvalidRole, `There is no role "`+string(role)+`".`, "%v: %q", ErrInvalidRole, role)
		}
		r, st, err := mustLoad(tx, userID)
		if err != nil {
			return err
		}
		if r.Kind == string(KindService) {
			if err := validServiceRole(role); err != nil {
				return err
			}
		}
		if st.stored == role && !st.curator {
			u = r.user(st) // nothing changes: no write, no version
			return nil
		}
		if role != access.Admin {
			if err := guardLastAdmin(tx, r, st); err != nil {
				return err
			}
		}
		if err := s.replaceRole(tx, userID, st, role); err != nil {
			return err
		}
		tx.Audit("user.set_role", userID, map[string]any{"from": st.role(), "to": role})
		st.stored, st.curator = role, false
		u = r.user(st)
		return nil
	})
	return u, err
}

func (s *Service) replaceRole(tx *store.Tx, userID string, st state, role Role) error {
	if st.curator {
		if err := clearCuratorFlags(tx, userID); err != nil {
			return err
		}
	}
	if st.stored != "" && st.stored != role {
		if err := tx.RemoveLines(access.RoleLine(s.ws, userID, st.stored)); err != nil {
			return err
		}
	}
	return tx.AddLines(access.RoleLine(s.ws, userID, role))
}

// clearCuratorFlags removes every curator flag a user holds in tx's
// workspace, when the user leaves the curator role.
func clearCuratorFlags(tx *store.Tx, userID string) error {
	flags, err := tx.Lines(access.UserCuratorFlagsPattern(tx.Workspace, userID))
	if err != nil {
		return err
	}
	return tx.RemoveLines(flags...)
}
