package httpapi

import (
	"net/http"
	"time"

	"github.com/rosterhq/roster/ratelimit"
)

// tokenUnit is the unit of token_budget: the HTTP API speaks in thousands of
// tokens, as Onyx does; the library in tokens.
const tokenUnit = 1000

// Bounds of a limit's fields in the API's units.
const (
	maxTokenBudget = ratelimit.MaxTokens / tokenUnit
	maxPeriodHours = int64(ratelimit.MaxPeriod / time.Hour)
)

func (h *Handler) limitRoutes() {
	h.handle("GET /admin/token-rate-limits/global", adminOnly, h.listLimits(ratelimit.ScopeGlobal))
	h.handle("POST /admin/token-rate-limits/global", adminOnly, h.createLimit(ratelimit.ScopeGlobal))
	h.handle("GET /admin/token-rate-limits/users", adminOnly, h.listLimits(ratelimit.ScopeUser))
	h.handle("POST /admin/token-rate-limits/users", adminOnly, h.createLimit(ratelimit.ScopeUser))
	h.handle("GET /admin/token-rate-limits/user-groups", adminOnly, h.groupLimitsByName)
	h.handle("GET /admin/token-rate-limits/user-group/{group_id}", curatorUp, h.groupLimits)
	h.handle("POST /admin/token-rate-limits/user-group/{group_id}", adminOnly, h.createLimit(ratelimit.ScopeGroup))
	h.handle("PUT /admin/token-rate-limits/rate-limit/{id}", adminOnly, h.updateLimit)
	h.handle("DELETE /admin/token-rate-limits/rate-limit/{id}", adminOnly, h.deleteLimit)
	h.handle("GET /admin/token-usage", adminOnly, h.tokenUsage)
}

// limitJSON is a limit as the API shows it: budget in thousands of tokens and
// period in hours, both numbers that are whole for limits made through the
// API.
type limitJSON struct {
	TokenID     string   `json:"token_id"`
	Enabled     bool     `json:"enabled"`
	TokenBudget float64  `json:"token_budget"`
	PeriodHours float64  `json:"period_hours"`
	Remaining   *float64 `json:"remaining,omitempty"`
}

func limitOut(l ratelimit.Limit) limitJSON {
	return limitJSON{TokenID: l.ID, Enabled: l.Enabled, TokenBudget: float64(l.Budget) / tokenUnit,
		PeriodHours: l.Period.Hours()}
}

func limitsOut(ls []ratelimit.Limit) []limitJSON {
	out := make([]limitJSON, len(ls))
	for i, l := range ls {
		out[i] = limitOut(l)
	}
	return out
}

// limitRequest is the body creating or replacing a limit: every field is
// required, token_budget in thousands of tokens, period_hours in hours.
type limitRequest struct {
	Enabled     *bool  `json:"enabled"`
	TokenBudget *int64 `json:"token_budget"`
	PeriodHours *int64 `json:"period_hours"`
}

func (h *Handler) decodeLimit(w http.ResponseWriter, r *http.Request, l *ratelimit.Limit) error {
	var req limitRequest
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	switch {
	case req.Enabled == nil:
		return invalid("enabled", "is required")
	case req.TokenBudget == nil || *req.TokenBudget < 1 || *req.TokenBudget > maxTokenBudget:
		return invalid("token_budget", "must be a whole number of thousands of tokens from 1 to %d", maxTokenBudget)
	case req.PeriodHours == nil || *req.PeriodHours < 1 || *req.PeriodHours > maxPeriodHours:
		return invalid("period_hours", "must be a whole number of hours from 1 to %d", maxPeriodHours)
	}
	l.Enabled, l.Budget, l.Period = *req.Enabled, *req.TokenBudget*tokenUnit, time.Duration(*req.PeriodHours)*time.Hour
	return nil
}

// listLimits answers GET of the global and user limits.
func (h *Handler) listLimits(scope ratelimit.Scope) endpoint {
	return func(w http.ResponseWriter, r *http.Request, c Caller) error {
		all, err := c.Workspace.Limits().ListLimits(r.Context(), c.Actor())
		if err != nil {
			return err
		}
		var ls []ratelimit.Limit
		for _, l := range all {
			if l.Scope == scope {
				ls = append(ls, l)
			}
		}
		return ok(w, limitsOut(ls))
	}
}

// createLimit answers POST of a global, user or group limit with 201 and the
// limit.
func (h *Handler) createLimit(scope ratelimit.Scope) endpoint {
	return func(w http.ResponseWriter, r *http.Request, c Caller) error {
		l := ratelimit.Limit{Scope: scope}
		if scope == ratelimit.ScopeGroup {
			l.GroupID = r.PathValue("group_id")
		}
		if err := h.decodeLimit(w, r, &l); err != nil {
			return err
		}
		l, err := c.Workspace.Limits().CreateLimit(r.Context(), c.Actor(), l)
		if err != nil {
			return err
		}
		return created(w, limitOut(l))
	}
}

// groupLimitsByName answers GET /admin/token-rate-limits/user-groups: the
// group limits keyed by group name.
func (h *Handler) groupLimitsByName(w http.ResponseWriter, r *http.Request, c Caller) error {
	all, err := c.Workspace.Limits().ListLimits(r.Context(), c.Actor())
	if err != nil {
		return err
	}
	out := map[string][]limitJSON{}
	for _, l := range all {
		if l.Scope != ratelimit.ScopeGroup {
			continue
		}
		g, err := c.Workspace.Groups().Get(r.Context(), l.GroupID)
		if err != nil {
			return err
		}
		out[g.Name] = append(out[g.Name], limitOut(l))
	}
	return ok(w, out)
}

// groupLimits answers GET /admin/token-rate-limits/user-group/{group_id}.
func (h *Handler) groupLimits(w http.ResponseWriter, r *http.Request, c Caller) error {
	ls, err := c.Workspace.Limits().GroupLimits(r.Context(), c.Actor(), r.PathValue("group_id"))
	if err != nil {
		return err
	}
	return ok(w, limitsOut(ls))
}

// updateLimit answers PUT /admin/token-rate-limits/rate-limit/{id}: it
// replaces enabled, budget and period and keeps the limit's scope.
func (h *Handler) updateLimit(w http.ResponseWriter, r *http.Request, c Caller) error {
	svc, id := c.Workspace.Limits(), r.PathValue("id")
	all, err := svc.ListLimits(r.Context(), c.Actor())
	if err != nil {
		return err
	}
	var l ratelimit.Limit
	for _, x := range all {
		if x.ID == id {
			l = x
		}
	}
	if l.ID == "" {
		return ratelimit.ErrNotFound
	}
	if err := h.decodeLimit(w, r, &l); err != nil {
		return err
	}
	if l, err = svc.UpdateLimit(r.Context(), c.Actor(), l); err != nil {
		return err
	}
	return ok(w, limitOut(l))
}

// deleteLimit answers DELETE /admin/token-rate-limits/rate-limit/{id} with 204.
func (h *Handler) deleteLimit(w http.ResponseWriter, r *http.Request, c Caller) error {
	if err := c.Workspace.Limits().DeleteLimit(r.Context(), c.Actor(), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

type usageJSON struct {
	Hour   time.Time `json:"hour"`
	Tokens int64     `json:"tokens"`
}

// tokenUsage answers GET /admin/token-usage: tokens recorded per hour (in
// tokens, not thousands) in [since, until), by the workspace, one group
// (group_id) or one user (user_id). since defaults to 30 days ago, until to
// the end of the current hour. An unknown user_id is 404, as an unknown
// group_id is.
func (h *Handler) tokenUsage(w http.ResponseWriter, r *http.Request, c Caller) error {
	q, now := r.URL.Query(), h.dir.Now().UTC()
	since, err := timeQuery(q, "since", now.Add(-30*24*time.Hour))
	if err != nil {
		return err
	}
	until, err := timeQuery(q, "until", now.Truncate(time.Hour).Add(time.Hour))
	if err != nil {
		return err
	}
	svc, groupID, userID := c.Workspace.Limits(), q.Get("group_id"), q.Get("user_id")
	var rows []ratelimit.HourlyUsage
	switch {
	case groupID != "" && userID != "":
		return invalid("group_id", "cannot be given together with user_id")
	case groupID != "":
		rows, err = svc.GroupUsage(r.Context(), c.Actor(), groupID, since, until)
	case userID != "":
		rows, err = h.userUsage(r, c, userID, since, until)
	default:
		rows, err = svc.WorkspaceUsage(r.Context(), c.Actor(), since, until)
	}
	if err != nil {
		return err
	}
	out := make([]usageJSON, len(rows))
	for i, u := range rows {
		out[i] = usageJSON{Hour: u.Hour, Tokens: u.Tokens}
	}
	return ok(w, out)
}

// userUsage is the usage of user userID in [since, until). Roster keeps and
// reports the usage of a deleted user, so an id that is no current user is
// 404 NOT_FOUND only when it has no usage in the span either: a typo is not
// an empty report, and a deleted user's history stays readable.
func (h *Handler) userUsage(r *http.Request, c Caller, userID string, since, until time.Time) ([]ratelimit.HourlyUsage, error) {
	rows, err := c.Workspace.Limits().UserUsage(r.Context(), c.Actor(), userID, since, until)
	if err != nil || len(rows) > 0 {
		return rows, err
	}
	if _, err := c.Workspace.Users().Get(r.Context(), userID); err != nil {
		return nil, err
	}
	return rows, nil
}

type scopeJSON struct {
	Limited   bool        `json:"limited"`
	Remaining float64     `json:"remaining"`
	Limits    []limitJSON `json:"limits"`
}

func scopeOut(s ratelimit.ScopeStatus) scopeJSON {
	out := scopeJSON{Limited: s.Limited, Remaining: s.Remaining / tokenUnit, Limits: []limitJSON{}}
	for _, ls := range s.Limits {
		l := limitOut(ls.Limit)
		rem := ls.Remaining / tokenUnit
		l.Remaining = &rem
		out.Limits = append(out.Limits, l)
	}
	return out
}

// meTokenBudget answers GET /me/token-budget: the caller's remaining budget
// per scope, in thousands of tokens like token_budget (negative in debt).
func (h *Handler) meTokenBudget(w http.ResponseWriter, r *http.Request, c Caller) error {
	st, err := c.Workspace.Limits().Status(r.Context(), c.User.ID)
	if err != nil {
		return err
	}
	return ok(w, map[string]scopeJSON{"user": scopeOut(st.User), "group": scopeOut(st.Group), "global": scopeOut(st.Global)})
}
