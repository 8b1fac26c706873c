package users

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
)

// MaxPageSize is the largest page List returns.
const MaxPageSize = 1000

// Filter selects users for List. Zero fields select everything, except
// Kinds: people are listed apart from service users.
type Filter struct {
	Query  string // substring of the email, case-insensitive
	Roles  []Role // effective roles, OR-ed
	Active *bool  // only active (true) or deactivated (false) users
	// Kinds selects users by kind, OR-ed. Empty selects people only
	// (KindPerson): the admin's user list and its CSV show people, and the
	// service users of API keys are listed apart, with
	// Kinds: []Kind{KindService}. An unknown kind is access.ErrInvalid.
	Kinds  []Kind
	Offset int // users to skip, for paging
	Limit  int // page size; 100 if zero, at most MaxPageSize
}

// Page is one page of users and the count of every user the filter matches.
type Page struct {
	Users []User
	Total int64
}

// List returns one page of users ordered by email. An unknown role in the
// filter is ErrInvalidRole; a negative offset or limit is access.ErrInvalid.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	if f.Offset < 0 || f.Limit < 0 {
		return Page{}, errs.Errorf(access.ErrInvalid, "The offset and limit cannot be negative.", "users: negative offset or limit")
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, MaxPageSize)
	db, err := s.st.Read(ctx)
	if err != nil {
		return Page{}, err
	}
	q, err := s.filtered(db, f)
	if err != nil {
		return Page{}, err
	}
	var page Page
	if err := q.Session(&gorm.Session{}).Count(&page.Total).Error; err != nil {
		return Page{}, err
	}
	var rows []row
	if err := q.Order("email").Offset(f.Offset).Limit(f.Limit).Find(&rows).Error; err != nil {
		return Page{}, err
	}
	page.Users, err = s.withStates(db, rows)
	return page, err
}

func (s *Service) withStates(db *gorm.DB, rows []row) ([]User, error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	states, err := loadStates(db, s.ws, ids)
	if err != nil {
		return nil, err
	}
	users := make([]User, len(rows))
	for i, r := range rows {
		users[i] = r.user(states[r.ID])
	}
	return users, nil
}

// The columns of roster_users the policy-line conditions of package access
// test.
const (
	userCol = "roster_users.id"
	wsCol   = "roster_users.workspace_id"
)

func (s *Service) filtered(db *gorm.DB, f Filter) (*gorm.DB, error) {
	q := db.Model(&row{}).Where("workspace_id = ?", s.ws)
	kinds := []string{string(KindPerson)}
	if len(f.Kinds) > 0 {
		kinds = kinds[:0]
		for _, k := range f.Kinds {
			if k != KindPerson && k != KindService {
				return nil, errs.Errorf(access.ErrInvalid, `There is no kind of user "`+string(k)+`".`, "users: unknown kind %q", k)
			}
			kinds = append(kinds, string(k))
		}
	}
	q = q.Where("kind IN ?", kinds)
	if f.Query != "" {
		q = q.Where("email LIKE ? ESCAPE '\\'", "%"+escapeLike(strings.ToLower(f.Query))+"%")
	}
	if f.Active != nil {
		isInactive := access.UserDeactivatedSQL(userCol, wsCol)
		if *f.Active {
			q = q.Where("NOT " + isInactive)
		} else {
			q = q.Where(isInactive)
		}
	}
	if len(f.Roles) == 0 {
		return q, nil
	}
	conds, args, err := roleConditions(f.Roles)
	if err != nil {
		return nil, err
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...), nil
}

func roleConditions(roles []Role) ([]string, []any, error) {
	var conds []string
	var args []any
	for _, r := range roles {
		if !r.Valid() {
			return nil, nil, errs.Errorf(ErrInvalidRole, `There is no role "`+string(r)+`".`, "%v: %q", ErrInvalidRole, r)
		}
		hasFlag := access.UserIsCuratorSQL(userCol, wsCol)
		switch r {
		case access.Curator:
			hasRole, a := access.UserHasRoleSQL(userCol, wsCol, access.Basic)
			conds = append(conds, "("+hasRole+" AND "+hasFlag+")")
			args = append(args, a...)
		case access.Basic:
			hasRole, a := access.UserHasRoleSQL(userCol, wsCol, access.Basic)
			conds = append(conds, "("+hasRole+" AND NOT "+hasFlag+")")
			args = append(args, a...)
		default:
			hasRole, a := access.UserHasRoleSQL(userCol, wsCol, r)
			conds = append(conds, hasRole)
			args = append(args, a...)
		}
	}
	return conds, args, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
