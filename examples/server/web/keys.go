package web

import (
	"net/http"
	"time"
)

// The Settings pages of machine credentials (admins): SCIM tokens for an
// identity provider and API keys for programs. A raw token or key is in the
// answer of its creation only; the pages never hold it, and app.js shows it
// once, after the creation, with a copy button (data-secret).

// scimTokenJSON is a SCIM token as GET /admin/enterprise-settings/scim/token
// lists it.
type scimTokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// apiKeyJSON is an API key as GET /admin/api-key lists it.
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

// keyRoles are the roles an API key may have, least powerful first.
func keyRoles() []string { return []string{"limited", "basic", "admin"} }

type scimView struct {
	Tokens []scimTokenJSON
	// BaseURL is the SCIM endpoint an identity provider is given
	// (Options.SCIMURL).
	BaseURL string
}

type apiKeysView struct {
	Keys  []apiKeyJSON
	Roles []string
	// People are the active people a key's document sets and agents may be
	// handed to before it is deleted (a key that owns some is not).
	People []userJSON
}

// scimPage lists the SCIM tokens, with the forms that create and revoke them.
func (h *Handler) scimPage(c *call) (view, error) {
	v := scimView{BaseURL: h.opts.SCIMURL}
	if v.BaseURL == "" {
		v.BaseURL = origin(c.r) + "/scim/v2"
	}
	if _, err := c.api.get("/admin/enterprise-settings/scim/token", nil, &v.Tokens); err != nil {
		return view{}, err
	}
	return view{name: "scim", title: "SCIM provisioning", nav: "scim", data: v}, nil
}

// apiKeysPage lists the API keys, with the forms that create, change and
// delete them.
func (h *Handler) apiKeysPage(c *call) (view, error) {
	v := apiKeysView{Roles: keyRoles()}
	if _, err := c.api.get("/admin/api-key", nil, &v.Keys); err != nil {
		return view{}, err
	}
	if len(v.Keys) > 0 {
		var all struct {
			Accepted []userJSON `json:"accepted"`
		}
		if _, err := c.api.get("/manage/users", nil, &all); err != nil {
			return view{}, err
		}
		for _, u := range all.Accepted {
			if u.IsActive {
				v.People = append(v.People, u)
			}
		}
	}
	return view{name: "apikeys", title: "API keys", nav: "apikeys", data: v}, nil
}

// origin is the scheme and host the browser used.
func origin(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
