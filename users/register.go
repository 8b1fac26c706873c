package users

import (
	"context"

	"github.com/google/uuid"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// Registration is a sign-up request.
type Registration struct {
	Email  string
	Source Source // SourcePassword if empty
	// InviteToken is the invitation link token, required for a password
	// sign-up while the invite gate requires an invite. It is redeemed in the
	// registration's transaction, so a sign-up that fails does not use it up.
	InviteToken string
	// Actor is recorded in the audit trail; the new user themselves if
	// empty. Provisioning passes its SCIM actor, an application its System.
	Actor access.Actor
}

// Register creates a user. It runs, in order: email validation, the hooks'
// allowed-domain and invite-gate checks (which judge every email as a
// newcomer's, so their refusals never reveal an existing user), then
// creation, where an existing email is ErrDuplicate. The first person of a
// workspace and every configured admin email become admin; everyone else
// starts basic. The registration is its own actor: it is recorded as the new
// user. It returns ErrInvalidEmail, ErrDuplicate, or the gate's error. A
// SCIM token's actor (Actor access.SCIMActor) registers only with
// SourceSCIM and only while its token is a live SCIM token of the workspace
// (tokens.ErrTokenRevoked otherwise).
func (s *Service) Register(ctx context.Context, reg Registration) (User, error) {
	email, err := NormalizeEmail(reg.Email)
	if err != nil {
		return User{}, err
	}
	if reg.Source == "" {
		reg.Source = SourcePassword
	}
	if !reg.Source.Valid() {
		return User{}, errs.Errorf(access.ErrInvalid, "The sign-up source is not known.", "users: unknown sign-up source %q", reg.Source)
	}
	id := uuid.NewString()
	actor := reg.Actor
	if actor == "" {
		actor = access.UserActor(id)
	}
	var u User
	_, err = s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		var err error
		u, err = s.register(tx, id, email, reg)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

func (s *Service) register(tx *store.Tx, id, email string, reg Registration) (User, error) {
	if authz.IsSCIM(tx) {
		// Provisioning registers only while its token is live, and only as
		// SCIM.
		if err := authz.RequireSCIMToken(tx); err != nil {
			return User{}, err
		}
		if reg.Source != SourceSCIM {
			return User{}, ErrSCIMNotAllowed
		}
	}
	// The gate runs first and judges every email as a newcomer's, so that a
	// refused sign-up (no invite, a bad link) answers the same whether or
	// not the email already belongs to a user; only one the gate would let
	// in learns that the email is taken.
	if h := s.hooks.BeforeRegister; h != nil {
		if err := h(tx, email, reg); err != nil {
			return User{}, err
		}
	}
	var n int64
	if err := tx.DB.Model(&row{}).Where("workspace_id = ? AND email = ?", s.ws, email).Count(&n).Error; err != nil {
		return User{}, err
	}
	if n > 0 {
		return User{}, ErrDuplicate
	}
	kind := KindPerson
	if reg.Source == SourceService {
		kind = KindService
	}
	role, err := s.initialRole(tx, email, kind)
	if err != nil {
		return User{}, err
	}
	r := row{ID: id, WorkspaceID: s.ws, Email: email, Kind: string(kind), Source: string(reg.Source), CreatedAt: tx.Now}
	if err := tx.DB.Create(&r).Error; err != nil {
		if store.IsUniqueViolation(err) {
			return User{}, ErrDuplicate
		}
		return User{}, err
	}
	if err := tx.AddLines(access.RoleLine(s.ws, id, role)); err != nil {
		return User{}, err
	}
	tx.Audit("user.register", id, map[string]any{"source": reg.Source, "role": role, "kind": kind})
	u := r.user(state{stored: role, active: true})
	if h := s.hooks.AfterRegister; h != nil {
		if err := h(tx, u, reg); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

func (s *Service) initialRole(tx *store.Tx, email string, kind Kind) (Role, error) {
	if kind == KindService {
		return access.Basic, nil
	}
	if s.admins[email] {
		return access.Admin, nil
	}
	var people int64
	err := tx.DB.Model(&row{}).Where("workspace_id = ? AND kind = ?", s.ws, string(KindPerson)).Count(&people).Error
	if err != nil {
		return "", err
	}
	if people == 0 {
		return access.Admin, nil
	}
	return access.Basic, nil
}
