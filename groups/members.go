package groups

import (
	"context"
	"fmt"
	"slices"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// AddMembers adds users to a group; members already there are left alone.
// Group scope is required; an unknown user id is users.ErrUserNotFound and
// adds nobody.
func (s *Service) AddMembers(ctx context.Context, actor access.Actor, id string, userIDs []string) (int64, error) {
	ch, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := requireScope(tx, id); err != nil {
			return err
		}
		return addMembers(tx, id, userIDs)
	})
	return ch.Version, err
}

// addMembers adds the users and audits those who were not members yet.
func addMembers(tx *store.Tx, id string, userIDs []string) error {
	var added []string
	for _, u := range userIDs {
		if err := authz.UserExists(tx, u); err != nil {
			return fmt.Errorf("%w: %q", err, u)
		}
		before := tx.Changed()
		if err := tx.AddLines(access.MemberLine(tx.Workspace, u, id)); err != nil {
			return err
		}
		if tx.Changed() > before {
			added = append(added, u)
		}
	}
	if len(added) > 0 {
		tx.Audit("group.add_members", id, map[string]any{"user_ids": added})
	}
	return nil
}

// RemoveMembers removes users from a group, with their curator flag there.
// A user not in the group is left alone. Group scope is required.
func (s *Service) RemoveMembers(ctx context.Context, actor access.Actor, id string, userIDs []string) (int64, error) {
	ch, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := requireScope(tx, id); err != nil {
			return err
		}
		return removeMembers(tx, id, userIDs)
	})
	return ch.Version, err
}

// removeMembers removes the users with their curator flag there, and audits
// those who were members.
func removeMembers(tx *store.Tx, id string, userIDs []string) error {
	var removed []string
	for _, u := range userIDs {
		before := tx.Changed()
		err := tx.RemoveLines(access.MemberLine(tx.Workspace, u, id), access.CuratorLine(tx.Workspace, u, id))
		if err != nil {
			return err
		}
		if tx.Changed() > before {
			removed = append(removed, u)
		}
	}
	if len(removed) > 0 {
		tx.Audit("group.remove_members", id, map[string]any{"user_ids": removed})
	}
	return nil
}

// SetMembers replaces a group's members with userIDs (Onyx's PATCH). It
// checks and writes only what changes: members who stay keep their curator
// flags. Group scope is required.
func (s *Service) SetMembers(ctx context.Context, actor access.Actor, id string, userIDs []string) (int64, error) {
	ch, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		return setMembersTx(tx, id, userIDs)
	})
	return ch.Version, err
}

// setMembersTx is SetMembers inside a transaction the caller runs, for
// package roster to compose it with other changes of the same group.
func setMembersTx(tx *store.Tx, id string, userIDs []string) error {
	if err := requireScope(tx, id); err != nil {
		return err
	}
	current, err := memberIDs(tx, id)
	if err != nil {
		return err
	}
	if err := addMembers(tx, id, missing(userIDs, current)); err != nil {
		return err
	}
	return removeMembers(tx, id, missing(current, userIDs))
}

// missing returns the elements of a not in b, in a's order, without repeats.
func missing(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func memberIDs(tx *store.Tx, id string) ([]string, error) {
	lines, err := tx.Lines(access.GroupMembersPattern(tx.Workspace, id))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if f, ok := access.ParseLine(l); ok {
			out = append(out, f.User)
		}
	}
	return out, nil
}

// SetCurator sets or clears a member's curator flag on a group. Group scope
// is required. The target must be a member (ErrNotAMember) and basic or
// curator: admins and global curators are ErrAlreadyPrivileged, limited
// users and service users (API keys) ErrNotEligible. Clearing the last flag
// makes the user basic again. SCIM provisioning never sets curator flags: a
// SCIM token's actor is refused (an error matching access.ErrForbidden).
func (s *Service) SetCurator(ctx context.Context, actor access.Actor, id, userID string, curator bool) (int64, error) {
	ch, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if authz.IsSCIM(tx) {
			_, err := authz.ActorRole(tx) // refuses every SCIM actor
			return err
		}
		if err := requireScope(tx, id); err != nil {
			return err
		}
		if err := checkCuratorTarget(tx, id, userID); err != nil {
			return err
		}
		line := access.CuratorLine(s.ws, userID, id)
		write := tx.RemoveLines
		if curator {
			write = tx.AddLines
		}
		if err := write(line); err != nil || tx.Changed() == 0 {
			return err // a flag already as asked changes nothing and is not audited
		}
		tx.Audit("group.set_curator", id, map[string]any{"user_id": userID, "is_curator": curator})
		return nil
	})
	return ch.Version, err
}

func checkCuratorTarget(tx *store.Tx, id, userID string) error {
	role, err := authz.RoleOf(tx, userID)
	if err != nil {
		return err
	}
	member, err := tx.HasLine(access.MemberLine(tx.Workspace, userID, id))
	if err != nil {
		return err
	}
	switch {
	case !member:
		return ErrNotAMember
	case role == access.Admin || role == access.GlobalCurator:
		return ErrAlreadyPrivileged
	case role == access.Limited:
		return ErrNotEligible
	}
	// A service user's role is basic, limited or admin, never a curator.
	service, err := authz.IsService(tx, userID)
	if err != nil || !service {
		return err
	}
	return errs.Errorf(ErrNotEligible, "An API key's user cannot be a curator.", "%v: a service user", ErrNotEligible)
}
