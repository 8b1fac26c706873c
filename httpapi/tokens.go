package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/users"
)

// tokenRoutes serves docs/http.md's "SCIM and API keys": the workspace's SCIM
// tokens and API keys, for admins only. A raw token or key is in the 201 of
// its creation and nowhere else: roster keeps only its hash.
func (h *Handler) tokenRoutes() {
	h.handle("GET /admin/enterprise-settings/scim/token", adminOnly, h.listSCIMTokens)
	h.handle("POST /admin/enterprise-settings/scim/token", adminOnly, h.createSCIMToken)
	h.handle("DELETE /admin/enterprise-settings/scim/token/{id}", adminOnly, h.revokeSCIMToken)
	h.handle("GET /admin/api-key", adminOnly, h.listAPIKeys)
	h.handle("POST /admin/api-key", adminOnly, h.createAPIKey)
	h.handle("PATCH /admin/api-key/{id}", adminOnly, h.updateAPIKey)
	h.handle("DELETE /admin/api-key/{id}", adminOnly, h.deleteAPIKey)
}

// scimTokenJSON is a SCIM token as the lists show it: never its raw value.
// LastUsedAt is null until the token is first used.
type scimTokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// newSCIMTokenJSON is the answer of a creation: the token and, this once,
// its raw value.
type newSCIMTokenJSON struct {
	scimTokenJSON
	RawToken string `json:"raw_token"`
}

// apiKeyJSON is an API key as the lists show it: the service user it acts
// as, that user's role and address (an .invalid one that receives no mail,
// for the routes that name users by email, such as transfer-ownership),
// never its raw value.
type apiKeyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	UserID     string     `json:"user_id"`
	UserEmail  string     `json:"user_email"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

type newAPIKeyJSON struct {
	apiKeyJSON
	RawKey string `json:"raw_key"`
}

func lastUsed(t tokens.Token) *time.Time {
	if t.LastUsedAt.IsZero() {
		return nil
	}
	u := t.LastUsedAt.UTC()
	return &u
}

func scimTokenOut(t tokens.Token) scimTokenJSON {
	return scimTokenJSON{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt.UTC(), LastUsedAt: lastUsed(t)}
}

// apiKeyOut is key t as the API shows it, with its service user's address.
func apiKeyOut(ctx context.Context, c Caller, t tokens.Token) (apiKeyJSON, error) {
	u, err := c.Workspace.Users().Get(ctx, t.UserID)
	if err != nil {
		return apiKeyJSON{}, err
	}
	return apiKeyJSON{ID: t.ID, Name: t.Name, Role: string(t.Role), UserID: t.UserID, UserEmail: u.Email, Prefix: t.Prefix,
		CreatedAt: t.CreatedAt.UTC(), LastUsedAt: lastUsed(t)}, nil
}

// nameRequest is the body creating a SCIM token.
type nameRequest struct {
	Name *string `json:"name"`
}

// listSCIMTokens answers GET /admin/enterprise-settings/scim/token.
func (h *Handler) listSCIMTokens(w http.ResponseWriter, r *http.Request, c Caller) error {
	ts, err := c.Workspace.Tokens().List(r.Context(), c.Actor(), tokens.KindSCIM)
	if err != nil {
		return err
	}
	out := make([]scimTokenJSON, len(ts))
	for i, t := range ts {
		out[i] = scimTokenOut(t)
	}
	return ok(w, out)
}

// createSCIMToken answers POST /admin/enterprise-settings/scim/token with 201
// and the raw token, shown this once.
func (h *Handler) createSCIMToken(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req nameRequest
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Name == nil {
		return invalid("name", "is required")
	}
	t, raw, err := c.Workspace.Tokens().CreateSCIM(r.Context(), c.Actor(), *req.Name)
	if err != nil {
		return err
	}
	return created(w, newSCIMTokenJSON{scimTokenJSON: scimTokenOut(t), RawToken: raw})
}

// revokeSCIMToken answers DELETE /admin/enterprise-settings/scim/token/{id}:
// the token's next request is refused.
func (h *Handler) revokeSCIMToken(w http.ResponseWriter, r *http.Request, c Caller) error {
	if err := c.Workspace.Tokens().Revoke(r.Context(), c.Actor(), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

// listAPIKeys answers GET /admin/api-key.
func (h *Handler) listAPIKeys(w http.ResponseWriter, r *http.Request, c Caller) error {
	ts, err := c.Workspace.Tokens().List(r.Context(), c.Actor(), tokens.KindAPIKey)
	if err != nil {
		return err
	}
	out := make([]apiKeyJSON, len(ts))
	for i, t := range ts {
		if out[i], err = apiKeyOut(r.Context(), c, t); err != nil {
			return err
		}
	}
	return ok(w, out)
}

// apiKeyRequest is the body creating (both fields required) or changing
// (either) an API key.
type apiKeyRequest struct {
	Name *string `json:"name"`
	Role *string `json:"role"`
}

// keyRole checks the role of an API key's body: basic, limited or admin.
func keyRole(s string) (users.Role, error) {
	switch r := users.Role(s); r {
	case access.Basic, access.Limited, access.Admin:
		return r, nil
	}
	return "", invalid("role", "must be basic, limited or admin")
}

// createAPIKey answers POST /admin/api-key with 201 and the raw key, shown
// this once.
func (h *Handler) createAPIKey(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req apiKeyRequest
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Name == nil {
		return invalid("name", "is required")
	}
	if req.Role == nil {
		return invalid("role", "is required")
	}
	role, err := keyRole(*req.Role)
	if err != nil {
		return err
	}
	t, raw, err := c.Workspace.CreateAPIKey(r.Context(), c.Actor(), *req.Name, role)
	if err != nil {
		return err
	}
	k, err := apiKeyOut(r.Context(), c, t)
	if err != nil {
		return err
	}
	return created(w, newAPIKeyJSON{apiKeyJSON: k, RawKey: raw})
}

// updateAPIKey answers PATCH /admin/api-key/{id}: a new name, a new role,
// or both; a field left out keeps its value.
func (h *Handler) updateAPIKey(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req apiKeyRequest
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Name == nil && req.Role == nil {
		return invalid("body", "must change name or role")
	}
	var role users.Role
	if req.Role != nil {
		var err error
		if role, err = keyRole(*req.Role); err != nil {
			return err
		}
	}
	id, name := r.PathValue("id"), ""
	if req.Name != nil {
		name = *req.Name
	}
	if req.Name == nil || req.Role == nil {
		// The library takes both: the one left out keeps its value.
		cur, err := h.apiKey(r, c, id)
		if err != nil {
			return err
		}
		if req.Name == nil {
			name = cur.Name
		}
		if req.Role == nil {
			role = cur.Role
		}
	}
	t, err := c.Workspace.UpdateAPIKey(r.Context(), c.Actor(), id, name, role)
	if err != nil {
		return err
	}
	k, err := apiKeyOut(r.Context(), c, t)
	if err != nil {
		return err
	}
	return ok(w, k)
}

// apiKey returns the workspace's API key id, or an error matching
// tokens.ErrTokenNotFound.
func (h *Handler) apiKey(r *http.Request, c Caller, id string) (tokens.Token, error) {
	ts, err := c.Workspace.Tokens().List(r.Context(), c.Actor(), tokens.KindAPIKey)
	if err != nil {
		return tokens.Token{}, err
	}
	for _, t := range ts {
		if t.ID == id {
			return t, nil
		}
	}
	return tokens.Token{}, errs.Errorf(tokens.ErrTokenNotFound, "The API key does not exist.", "httpapi: API key %q not found", id)
}

// deleteAPIKey answers DELETE /admin/api-key/{id}: the key and its service
// user are deleted, and the key's next request is refused.
func (h *Handler) deleteAPIKey(w http.ResponseWriter, r *http.Request, c Caller) error {
	if err := c.Workspace.DeleteAPIKey(r.Context(), c.Actor(), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
