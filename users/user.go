package users

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
)

// Role is a user's role; see access.Role for the model.
type Role = access.Role

// The roles.
const (
	RoleAdmin         = access.Admin
	RoleGlobalCurator = access.GlobalCurator
	RoleCurator       = access.Curator
	RoleBasic         = access.Basic
	RoleLimited       = access.Limited
)

// Kind tells people from service principals.
type Kind string

// The kinds of user. A service principal (an API key's user) never becomes
// the first admin and meets only global rate limits.
const (
	KindPerson  Kind = "person"
	KindService Kind = "service"
)

// Source is how a user signed up.
type Source string

// The sign-up sources.
const (
	SourcePassword Source = "password" // password or magic link
	SourceSSO      Source = "sso"      // SAML or OIDC
	SourceSCIM     Source = "scim"     // provisioned by an identity provider
	SourceService  Source = "service"  // an API key principal
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	return s == SourcePassword || s == SourceSSO || s == SourceSCIM || s == SourceService
}

// User is a user of one workspace. Role is the effective role: Curator for a
// basic user who holds a curator flag.
type User struct {
	ID        string
	Workspace string
	Email     string
	Role      Role
	Kind      Kind
	Source    Source
	Active    bool
	CreatedAt time.Time
}

// row is the roster_users table: entity data only. Role, status, memberships
// and ownership are policy lines.
type row struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string
	Email       string
	Kind        string
	Source      string
	CreatedAt   time.Time
}

func (row) TableName() string { return "roster_users" }

// state is the authorization state of one user, read from policy lines.
type state struct {
	stored  Role // the role line; "" if none
	active  bool
	curator bool // holds at least one curator flag
}

func (s state) role() Role {
	if s.stored == access.Basic && s.curator {
		return access.Curator
	}
	return s.stored
}

func (r row) user(s state) User {
	return User{ID: r.ID, Workspace: r.WorkspaceID, Email: r.Email, Role: s.role(),
		Kind: Kind(r.Kind), Source: Source(r.Source), Active: s.active, CreatedAt: r.CreatedAt.UTC()}
}

// hooks are the operations package roster composes into users'
// transactions: the invite gate at sign-up, clean-up at delete.
type hooks = construct.UserHooks[User, Registration]

// Service manages the users of one workspace. It is safe for concurrent use.
// Every mutating method takes the actor and runs as one audited transaction.
type Service struct {
	st     *store.Store
	ws     string
	admins map[string]bool
	hooks  hooks
}

// newService returns the users of workspace ws; adminEmails become admin at
// sign-up. Package roster calls it through package construct; applications
// get a Service from roster's Workspace.Users.
func newService(st *store.Store, ws string, adminEmails []string, h hooks) *Service {
	admins := map[string]bool{}
	for _, e := range adminEmails {
		if n, err := NormalizeEmail(e); err == nil {
			admins[n] = true
		}
	}
	return &Service{st: st, ws: ws, admins: admins, hooks: h}
}

// Get returns the user with the given id.
func (s *Service) Get(ctx context.Context, id string) (User, error) {
	db, err := s.st.Read(ctx)
	if err != nil {
		return User{}, err
	}
	return s.getWith(db, "id = ?", id)
}

// ByEmail returns the user with the given email (normalized first).
func (s *Service) ByEmail(ctx context.Context, email string) (User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	db, err := s.st.Read(ctx)
	if err != nil {
		return User{}, err
	}
	return s.getWith(db, "email = ?", e)
}

func (s *Service) getWith(db *gorm.DB, cond string, arg string) (User, error) {
	var r row
	err := db.Where("workspace_id = ? AND "+cond, s.ws, arg).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, ErrUserNotFound
	}
	if err != nil {
		return User{}, err
	}
	st, err := loadState(db, s.ws, r.ID)
	if err != nil {
		return User{}, err
	}
	return r.user(st), nil
}

// loadState reads a user's role line, deactivation and curator flags.
func loadState(db *gorm.DB, ws, id string) (state, error) {
	states, err := loadStates(db, ws, []string{id})
	return states[id], err
}

func loadStates(db *gorm.DB, ws string, ids []string) (map[string]state, error) {
	out := make(map[string]state, len(ids))
	for _, id := range ids {
		out[id] = state{active: true}
	}
	if len(ids) == 0 {
		return out, nil
	}
	var rules []store.Rule
	cond, args := access.UsersStateSQL(ws, ids)
	err := db.Where(cond, args...).Find(&rules).Error
	if err != nil {
		return nil, fmt.Errorf("users: read user state: %w", err)
	}
	for _, r := range rules {
		f, ok := access.ParseLine(store.LineOf(r))
		if !ok {
			continue // a line the index ignores states nothing here either
		}
		s := out[f.User]
		switch f.Op {
		case access.FactCurator:
			s.curator = true
		case access.FactDeactivated:
			s.active = false
		case access.FactRole:
			s.stored = f.Role
		}
		out[f.User] = s
	}
	return out, nil
}
