package groups

import (
	"context"
	"sort"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// groupCol is the column of roster_groups the policy-line conditions of
// package access test.
const groupCol = "roster_groups.id"

// SummaryMembers is how many member ids a Summary carries.
const SummaryMembers = 100

// Summary is a group with its first SummaryMembers member ids (sorted), the
// member count, its curators and its attached resources.
type Summary struct {
	Group
	MemberIDs    []string
	MembersTotal int
	CuratorIDs   []string
	Resources    []access.Resource
}

// List returns the groups the actor may administer, ordered by name: every
// group for an admin, the member groups of a global curator, the curated
// groups of a curator. Basic and limited users get access.ErrForbidden.
func (s *Service) List(ctx context.Context, actor access.Actor, offset, limit int) ([]Summary, int, error) {
	if offset < 0 || limit < 0 {
		return nil, 0, errs.Errorf(access.ErrInvalid, "The offset and limit cannot be negative.", "groups: negative offset or limit")
	}
	var out []Summary
	var total int
	err := s.st.View(ctx, s.ws, actor, func(tx *store.Tx) error {
		rows, err := s.scopedRows(tx)
		if err != nil {
			return err
		}
		total = len(rows)
		rows = page(rows, offset, limit)
		out, err = summaries(tx, rows)
		return err
	})
	return out, total, err
}

func page[T any](xs []T, offset, limit int) []T {
	if offset >= len(xs) {
		return nil
	}
	xs = xs[offset:]
	if limit > 0 && limit < len(xs) {
		xs = xs[:limit]
	}
	return xs
}

// scopedRows returns the groups the actor administers, by name.
func (s *Service) scopedRows(tx *store.Tx) ([]row, error) {
	role, err := authz.ActorRole(tx)
	if err != nil {
		return nil, err
	}
	q := tx.DB.Where("workspace_id = ?", s.ws).Order("name")
	actorID, _ := tx.Actor.UserID()
	switch role {
	case access.Admin:
	case access.GlobalCurator:
		cond, args := access.GroupHasMemberSQL(groupCol, s.ws, actorID)
		q = q.Where(cond, args...)
	case access.Curator:
		cond, args := access.GroupCuratedBySQL(groupCol, s.ws, actorID)
		q = q.Where(cond, args...)
	default:
		return nil, errs.Errorf(access.ErrForbidden, "Only curators and admins may list groups.", "groups: only curators and admins list groups")
	}
	var rows []row
	return rows, q.Find(&rows).Error
}

func summaries(tx *store.Tx, rows []row) ([]Summary, error) {
	out := make([]Summary, len(rows))
	for i, r := range rows {
		sum, err := summarize(tx, r)
		if err != nil {
			return nil, err
		}
		out[i] = sum
	}
	return out, nil
}

func summarize(tx *store.Tx, r row) (Summary, error) {
	members, err := memberIDs(tx, r.ID)
	if err != nil {
		return Summary{}, err
	}
	sort.Strings(members)
	sum := Summary{Group: r.group(), MembersTotal: len(members), MemberIDs: page(members, 0, SummaryMembers)}
	flags, err := tx.Lines(access.GroupCuratorsPattern(tx.Workspace, r.ID))
	if err != nil {
		return Summary{}, err
	}
	for _, l := range flags {
		if f, ok := access.ParseLine(l); ok {
			sum.CuratorIDs = append(sum.CuratorIDs, f.User)
		}
	}
	sort.Strings(sum.CuratorIDs)
	attached, err := tx.Lines(access.GroupAttachmentsPattern(tx.Workspace, r.ID))
	if err != nil {
		return Summary{}, err
	}
	for _, l := range attached {
		if f, ok := access.ParseLine(l); ok {
			sum.Resources = append(sum.Resources, f.Resource)
		}
	}
	sort.Slice(sum.Resources, func(i, j int) bool { return sum.Resources[i].String() < sum.Resources[j].String() })
	return sum, nil
}

// Describe returns one group's summary. Group scope is required.
func (s *Service) Describe(ctx context.Context, actor access.Actor, id string) (Summary, error) {
	var sum Summary
	err := s.st.View(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := requireScope(tx, id); err != nil {
			return err
		}
		r, err := load(tx.DB, s.ws, id)
		if err != nil {
			return err
		}
		sum, err = summarize(tx, r)
		return err
	})
	return sum, err
}

// Minimal returns the groups an actor may name (id and name), by name: every
// group for an admin, the member groups of anyone else from basic up.
// Limited users get access.ErrForbidden.
func (s *Service) Minimal(ctx context.Context, actor access.Actor) ([]Group, error) {
	var out []Group
	err := s.st.View(ctx, s.ws, actor, func(tx *store.Tx) error {
		role, err := authz.ActorRole(tx)
		if err != nil {
			return err
		}
		q := tx.DB.Where("workspace_id = ?", s.ws).Order("name")
		switch role {
		case access.Admin:
		case access.Limited:
			return errs.Errorf(access.ErrForbidden, "Limited users cannot list groups.", "groups: limited users do not list groups")
		default:
			actorID, _ := tx.Actor.UserID()
			cond, args := access.GroupHasMemberSQL(groupCol, s.ws, actorID)
			q = q.Where(cond, args...)
		}
		var rows []row
		if err := q.Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, r.group())
		}
		return nil
	})
	return out, err
}

// Member is a member of a group and whether they hold its curator flag.
type Member struct {
	UserID    string
	IsCurator bool
}

// Members returns a page of a group's members ordered by user id, and the
// total. Group scope is required.
func (s *Service) Members(ctx context.Context, actor access.Actor, id string, offset, limit int) ([]Member, int, error) {
	if offset < 0 || limit < 0 {
		return nil, 0, errs.Errorf(access.ErrInvalid, "The offset and limit cannot be negative.", "groups: negative offset or limit")
	}
	var out []Member
	var total int
	err := s.st.View(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := requireScope(tx, id); err != nil {
			return err
		}
		sum, err := summarize(tx, row{ID: id, WorkspaceID: s.ws})
		if err != nil {
			return err
		}
		ids, err := memberIDs(tx, id)
		sort.Strings(ids)
		total = len(ids)
		for _, u := range page(ids, offset, limit) {
			out = append(out, Member{UserID: u, IsCurator: containsSorted(sum.CuratorIDs, u)})
		}
		return err
	})
	return out, total, err
}

func containsSorted(xs []string, x string) bool {
	i := sort.SearchStrings(xs, x)
	return i < len(xs) && xs[i] == x
}

// groupsOf returns the ids of the groups a user is a member of, sorted.
func groupsOf(tx *store.Tx, userID string) ([]string, error) {
	lines, err := tx.Lines(access.UserGroupingsPattern(tx.Workspace, userID))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range lines {
		if f, ok := access.ParseLine(l); ok && f.Op == access.FactMember {
			out = append(out, f.Group)
		}
	}
	sort.Strings(out)
	return out, nil
}
