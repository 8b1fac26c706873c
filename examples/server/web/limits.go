package web

import (
	"net/url"
	"time"
)

// limitsBlock is a list of token rate limits of one scope with, for admins,
// the forms that edit them and the form that creates one at CreatePath.
type limitsBlock struct {
	ID         string // the element id of the list
	Limits     []limitJSON
	Admin      bool
	CreatePath string
}

type groupLimitsView struct {
	Group  groupJSON
	Limits limitsBlock
	Chart  chart
}

type limitsView struct {
	Global, Users limitsBlock
	Groups        []groupLimitsView
	Workspace     chart
}

// limitsPage is the Token rate limits page (admins): the global, per-user
// and per-group limits, and the last seven days of token usage of the
// workspace and of each group, with their enabled limits drawn over it.
func (h *Handler) limitsPage(c *call) (view, error) {
	v := limitsView{
		Global: limitsBlock{ID: "limits-global", Admin: true, CreatePath: "/admin/token-rate-limits/global"},
		Users:  limitsBlock{ID: "limits-users", Admin: true, CreatePath: "/admin/token-rate-limits/users"},
	}
	if _, err := c.api.get(v.Global.CreatePath, nil, &v.Global.Limits); err != nil {
		return view{}, err
	}
	if _, err := c.api.get(v.Users.CreatePath, nil, &v.Users.Limits); err != nil {
		return view{}, err
	}
	var err error
	if v.Workspace, err = h.usageChart(c, "workspace-chart", "Workspace", nil, v.Global.Limits); err != nil {
		return view{}, err
	}
	var groups []groupJSON
	if err := pages(c.api, "/manage/admin/user-group", nil, func(gs []groupJSON) { groups = append(groups, gs...) }); err != nil {
		return view{}, err
	}
	for _, g := range groups {
		gv := groupLimitsView{Group: g}
		if gv.Limits, err = h.groupLimits(c, g.ID); err != nil {
			return view{}, err
		}
		q := url.Values{"group_id": {g.ID}}
		if gv.Chart, err = h.usageChart(c, "chart-"+g.ID, g.Name, q, gv.Limits.Limits); err != nil {
			return view{}, err
		}
		v.Groups = append(v.Groups, gv)
	}
	return view{name: "limits", title: "Token rate limits", nav: "limits", data: v}, nil
}

// groupLimits reads the limits of group id; admins may edit them.
func (h *Handler) groupLimits(c *call, id string) (limitsBlock, error) {
	path := "/admin/token-rate-limits/user-group/" + url.PathEscape(id)
	b := limitsBlock{ID: "limits-group-" + id, Admin: c.me.IsAdmin(), CreatePath: path}
	_, err := c.api.get(path, nil, &b.Limits)
	return b, err
}

// usageChart reads the hourly usage of the last chartDays days (of the
// workspace, or of the group or user query names) and draws it by day, and
// by hour for the last chartHours hours if a limit is shorter than a day.
func (h *Handler) usageChart(c *call, id, title string, query url.Values, limits []limitJSON) (chart, error) {
	now := h.opts.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	first := today.AddDate(0, 0, -(chartDays - 1))
	q := url.Values{"since": {first.Format(time.RFC3339)}}
	for k, v := range query {
		q[k] = v
	}
	var usage []usageJSON
	if _, err := c.api.get("/admin/token-usage", q, &usage); err != nil {
		return chart{}, err
	}
	return newChart(id, title, first, now, usage, limits), nil
}
