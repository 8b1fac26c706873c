package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"net/url"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/users"
)

func (h *Handler) userRoutes() {
	h.handle("GET /manage/users/accepted", adminOnly, h.acceptedUsers)
	h.handle("GET /manage/users/invited", adminOnly, h.invitedUsers)
	h.handle("GET /manage/users", curatorUp, h.allUsers)
	h.handle("GET /manage/users/download", adminOnly, h.downloadUsers)
	// Changes of one user are for admins: authorization before validation,
	// so a non-admin is refused (403) before the self-change rule (an admin
	// on themselves: SELF_CHANGE) or any input check.
	h.handle("PATCH /manage/set-user-role", adminOnly, h.setUserRole)
	h.handle("PATCH /manage/admin/deactivate-user", adminOnly, h.deactivateUser)
	h.handle("PATCH /manage/admin/activate-user", adminOnly, h.activateUser)
	h.handle("DELETE /manage/admin/delete-user", adminOnly, h.deleteUser)
	h.handle("POST /manage/admin/transfer-ownership", adminOnly, h.transferOwnership)
	h.inviteRoutes()
}

// userFilter reads q, roles and is_active.
func userFilter(q url.Values) (users.Filter, error) {
	roles, err := rolesQuery(q)
	if err != nil {
		return users.Filter{}, err
	}
	active, err := boolQuery(q, "is_active")
	if err != nil {
		return users.Filter{}, err
	}
	return users.Filter{Query: q.Get("q"), Roles: roles, Active: active}, nil
}

type userPageJSON struct {
	Items      []userJSON `json:"items"`
	TotalItems int64      `json:"total_items"`
}

func usersOut(us []users.User) []userJSON {
	out := make([]userJSON, len(us))
	for i, u := range us {
		out[i] = userOut(u)
	}
	return out
}

// acceptedUsers answers GET /manage/users/accepted: one page of users.
func (h *Handler) acceptedUsers(w http.ResponseWriter, r *http.Request, c Caller) error {
	f, err := userFilter(r.URL.Query())
	if err != nil {
		return err
	}
	p, err := pageQuery(r.URL.Query())
	if err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	page, err := c.Workspace.Users().List(r.Context(), f)
	if err != nil {
		return err
	}
	return ok(w, userPageJSON{Items: usersOut(page.Users), TotalItems: page.Total})
}

// allUsers answers GET /manage/users: every user matching q, and for admins
// the pending invites matching q (curators get an empty invited list: the
// invite list is the admins').
func (h *Handler) allUsers(w http.ResponseWriter, r *http.Request, c Caller) error {
	q := r.URL.Query().Get("q")
	accepted, err := everyUser(r.Context(), c.Workspace.Users(), users.Filter{Query: q})
	if err != nil {
		return err
	}
	invited := []inviteJSON{}
	if c.User.Role == access.Admin {
		if invited, err = h.invites(r.Context(), c, q); err != nil {
			return err
		}
	}
	return ok(w, map[string]any{"accepted": usersOut(accepted), "invited": invited})
}

// everyUser pages through every user f matches.
func everyUser(ctx context.Context, us *users.Service, f users.Filter) ([]users.User, error) {
	var out []users.User
	for f.Limit = users.MaxPageSize; ; f.Offset += f.Limit {
		page, err := us.List(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Users...)
		if len(page.Users) < f.Limit || int64(len(out)) >= page.Total {
			return out, nil
		}
	}
}

// downloadUsers answers GET /manage/users/download: the CSV of the users
// matching q, roles and is_active. It is built before the status is sent,
// so a failure is still a JSON error.
func (h *Handler) downloadUsers(w http.ResponseWriter, r *http.Request, c Caller) error {
	f, err := userFilter(r.URL.Query())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := c.Workspace.Users().WriteCSV(r.Context(), &buf, f); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="users.csv"`)
	w.Header().Set("X-Content-Type-Options", "nosniff") // data, never sniffed into a page
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// userEmail is the body naming one user.
type userEmail struct {
	UserEmail string `json:"user_email"`
}

// target loads the user named by email for a change by c, an admin (the
// routes that call it are admin only).
func target(ctx context.Context, c Caller, email string) (users.User, error) {
	norm, err := emailField("user_email", email)
	if err != nil {
		return users.User{}, err
	}
	return c.Workspace.Users().ByEmail(ctx, norm)
}

// emailField normalizes a required email field; a missing or malformed
// email is a 400 naming the field.
func emailField(field, email string) (string, error) {
	if email == "" {
		return "", invalid(field, "is required")
	}
	norm, err := users.NormalizeEmail(email)
	if err != nil {
		return "", invalid(field, "is not a valid email address")
	}
	return norm, nil
}

type setRoleRequest struct {
	UserEmail string `json:"user_email"`
	NewRole   string `json:"new_role"`
}

// setUserRole answers PATCH /manage/set-user-role with the changed user.
func (h *Handler) setUserRole(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req setRoleRequest
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	u, err := target(r.Context(), c, req.UserEmail)
	if err != nil {
		return err
	}
	if req.NewRole == "" {
		return invalid("new_role", "is required")
	}
	u, err = c.Workspace.Users().SetRole(r.Context(), c.Actor(), u.ID, access.Role(req.NewRole))
	if err != nil {
		return err
	}
	return ok(w, userOut(u))
}

// userChange runs one change of the user the body names.
func (h *Handler) userChange(w http.ResponseWriter, r *http.Request, c Caller,
	change func(ctx context.Context, actor access.Actor, id string) (users.User, error)) error {
	var req userEmail
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	u, err := target(r.Context(), c, req.UserEmail)
	if err != nil {
		return err
	}
	if u, err = change(r.Context(), c.Actor(), u.ID); err != nil {
		return err
	}
	return ok(w, userOut(u))
}

// deactivateUser answers PATCH /manage/admin/deactivate-user.
func (h *Handler) deactivateUser(w http.ResponseWriter, r *http.Request, c Caller) error {
	return h.userChange(w, r, c, c.Workspace.Users().Deactivate)
}

// activateUser answers PATCH /manage/admin/activate-user.
func (h *Handler) activateUser(w http.ResponseWriter, r *http.Request, c Caller) error {
	return h.userChange(w, r, c, c.Workspace.Users().Activate)
}

// deleteUser answers DELETE /manage/admin/delete-user with 204.
func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req userEmail
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	u, err := target(r.Context(), c, req.UserEmail)
	if err != nil {
		return err
	}
	if err := c.Workspace.Users().Delete(r.Context(), c.Actor(), u.ID); err != nil {
		return err
	}
	return noContent(w)
}

type transferRequest struct {
	FromUserEmail string `json:"from_user_email"`
	ToUserEmail   string `json:"to_user_email"`
}

type resourceJSON struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// transferOwnership answers POST /manage/admin/transfer-ownership with the
// resources that moved.
func (h *Handler) transferOwnership(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req transferRequest
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	from, err := byEmail(r.Context(), c, "from_user_email", req.FromUserEmail)
	if err != nil {
		return err
	}
	to, err := byEmail(r.Context(), c, "to_user_email", req.ToUserEmail)
	if err != nil {
		return err
	}
	moved, err := c.Workspace.Users().TransferOwnership(r.Context(), c.Actor(), from.ID, to.ID)
	if err != nil {
		return err
	}
	out := make([]resourceJSON, len(moved))
	for i, m := range moved {
		out[i] = resourceJSON{Kind: string(m.Kind), ID: m.ID}
	}
	return ok(w, map[string][]resourceJSON{"transferred": out})
}

// byEmail loads the user an email field names.
func byEmail(ctx context.Context, c Caller, field, email string) (users.User, error) {
	norm, err := emailField(field, email)
	if err != nil {
		return users.User{}, err
	}
	return c.Workspace.Users().ByEmail(ctx, norm)
}
