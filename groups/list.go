package groups

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/store"
)

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
		return nil, 0, fmt.Errorf("%w: negative offset or limit", access.ErrInvalid)
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
		q = q.Where("'g:' || id IN (SELECT v1 FROM casbin_rule WHERE ptype = 'g' AND v0 = ? AND v2 = ?)", access.UserSubject(actorID), s.ws)
	case access.Curator:
		q = q.Where("'g:' || id IN (SELECT v2 FROM casbin_rule WHERE ptype = 'p' AND v0 = ? AND v1 = ? AND v3 = 'curate')", access.UserSubject(actorID), s.ws)
	default:
		return nil, fmt.Errorf("%w: only curators and admins list groups", access.ErrForbidden)
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
	flags, err := tx.Lines(access.Line{PType: "p", V1: tx.Workspace, V2: access.GroupSubject(r.ID), V3: "curate"})
	if err != nil {
		return Summary{}, err
	}
	for _, l := range flags {
		sum.CuratorIDs = append(sum.CuratorIDs, strings.TrimPrefix(l.V0, "u:"))
	}
	sort.Strings(sum.CuratorIDs)
	attached, err := tx.Lines(access.Line{PType: "p", V0: access.GroupSubject(r.ID), V1: tx.Workspace, V3: string(access.View)})
	if err != nil {
		return Summary{}, err
	}
	for _, l := range attached {
		kind, id, _ := strings.Cut(l.V2, ":")
		sum.Resources = append(sum.Resources, access.Resource{Kind: access.Kind(kind), ID: id})
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
			return fmt.Errorf("%w: limited users do not list groups", access.ErrForbidden)
		default:
			actorID, _ := tx.Actor.UserID()
			q = q.Where("'g:' || id IN (SELECT v1 FROM casbin_rule WHERE ptype = 'g' AND v0 = ? AND v2 = ?)", access.UserSubject(actorID), s.ws)
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
		return nil, 0, fmt.Errorf("%w: negative offset or limit", access.ErrInvalid)
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
	lines, err := tx.Lines(access.Line{PType: "g", V0: access.UserSubject(userID), V2: tx.Workspace})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range lines {
		if g, ok := strings.CutPrefix(l.V1, "g:"); ok {
			out = append(out, g)
		}
	}
	sort.Strings(out)
	return out, nil
}
