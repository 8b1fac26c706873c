package web

import "time"

// The JSON shapes of docs/http.md that the pages read.

type meJSON struct {
	ID       string        `json:"id"`
	Email    string        `json:"email"`
	Role     string        `json:"role"`
	IsActive bool          `json:"is_active"`
	Groups   []meGroupJSON `json:"groups"`
}

type meGroupJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	IsCurator bool   `json:"is_curator"`
}

// IsAdmin reports whether the signed-in user is an admin; templates use it
// to offer what only admins may do (the API refuses it to others anyway).
func (m meJSON) IsAdmin() bool { return m.Role == "admin" }

// Curates reports whether the user may open group pages at all.
func (m meJSON) Curates() bool {
	return m.Role == "admin" || m.Role == "curator" || m.Role == "global_curator"
}

type userJSON struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	IsActive bool   `json:"is_active"`
}

type itemsJSON[T any] struct {
	Items      []T   `json:"items"`
	TotalItems int64 `json:"total_items"`
}

type inviteJSON struct {
	Email       string     `json:"email"`
	InvitedAt   time.Time  `json:"invited_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
	EmailStatus string     `json:"email_status"`
}

type groupJSON struct {
	ID             string       `json:"id"`
	Name           string       `json:"name"`
	Users          []memberJSON `json:"users"`
	UsersTotal     int          `json:"users_total"`
	CuratorIDs     []string     `json:"curator_ids"`
	CCPairIDs      []string     `json:"cc_pair_ids"`
	DocumentSetIDs []string     `json:"document_set_ids"`
	PersonaIDs     []string     `json:"persona_ids"`
}

type memberJSON struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	IsCurator bool   `json:"is_curator"`
	Role      string `json:"-"` // from the users list, where the page read it
}

// MayCurate reports whether the API would let the member's curator flag be
// set: admins and global curators curate every group already, limited users
// may not curate. The page offers the flag only to the others.
func (m memberJSON) MayCurate() bool {
	return m.Role != "admin" && m.Role != "global_curator" && m.Role != "limited"
}

type limitJSON struct {
	TokenID     string  `json:"token_id"`
	Enabled     bool    `json:"enabled"`
	TokenBudget float64 `json:"token_budget"` // thousands of tokens
	PeriodHours float64 `json:"period_hours"`
}

type usageJSON struct {
	Hour   time.Time `json:"hour"`
	Tokens int64     `json:"tokens"`
}

// resourceJSON holds the fields the pages show of a connector, document
// set or agent.
type resourceJSON struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	AccessType string   `json:"access_type"` // connectors
	IsPublic   bool     `json:"is_public"`   // document sets and agents
	OwnerID    string   `json:"owner_id"`    // agents
	Groups     []string `json:"groups"`
}

type settingsJSON struct {
	InviteMode          string   `json:"invite_mode"`
	AllowedDomains      []string `json:"allowed_domains"`
	SSOBypassesInvites  bool     `json:"sso_bypasses_invites"`
	SCIMBypassesInvites bool     `json:"scim_bypasses_invites"`
}

type auditJSON struct {
	ID      int64          `json:"id"`
	Version int64          `json:"version"`
	Actor   string         `json:"actor"`
	Action  string         `json:"action"`
	Target  string         `json:"target"`
	Details map[string]any `json:"details"`
	At      time.Time      `json:"at"`
}

type tokenBudgetJSON map[string]struct {
	Limited   bool    `json:"limited"`
	Remaining float64 `json:"remaining"`
}
