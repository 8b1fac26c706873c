package web

import (
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/rosterhq/roster/access"
)

// auditPageSize is the number of events a page of the audit trail shows.
const auditPageSize = 50

// auditActions are the actions roster records, for the filter.
var auditActions = []string{
	"user.register", "user.set_role", "user.deactivate", "user.activate", "user.delete", "user.transfer_ownership",
	"invite.create", "invite.resend", "invite.revoke", "invite.settings",
	"group.create", "group.rename", "group.delete", "group.add_members", "group.remove_members", "group.set_curator",
	"resource.register", "resource.update", "resource.unregister", "resource.attach", "resource.detach",
	"rate_limit.create", "rate_limit.update", "rate_limit.delete", "workspace.create",
}

type auditView struct {
	Actor, Action, Target string
	Actions               []string
	Users                 []userJSON
	Events                []auditRow
	Total                 int64
	Prev, Next            string
}

// auditRow is an event with its actor and target named where the page
// knows them.
type auditRow struct {
	auditJSON
	ActorName, TargetName, DetailsText string
}

// auditPage is the audit trail, newest first, filtered by actor, action
// and target as the API filters it.
func (h *Handler) auditPage(c *call) (view, error) {
	in := c.r.URL.Query()
	v := auditView{Actor: in.Get("actor"), Action: in.Get("action"), Target: in.Get("target"), Actions: auditActions}
	q := url.Values{"page_size": {strconv.Itoa(auditPageSize)}}
	for _, k := range []string{"actor", "action", "target", "page_num"} {
		if s := in.Get(k); s != "" {
			q.Set(k, s)
		}
	}
	var trail itemsJSON[auditJSON]
	if _, err := c.api.get("/manage/admin/audit", q, &trail); err != nil {
		return view{}, err
	}
	names, err := h.names(c, &v)
	if err != nil {
		return view{}, err
	}
	for _, e := range trail.Items {
		row := auditRow{auditJSON: e, ActorName: e.Actor, TargetName: e.Target}
		if n, ok := names[e.Actor]; ok {
			row.ActorName = n
		}
		if n, ok := names[e.Target]; ok {
			row.TargetName = n
		}
		if len(e.Details) > 0 {
			b, _ := json.Marshal(e.Details)
			row.DetailsText = string(b)
		}
		v.Events = append(v.Events, row)
	}
	v.Total = trail.TotalItems
	page, _ := strconv.Atoi(in.Get("page_num")) // the API accepted it
	v.Prev, v.Next = pageLinks(c.r.URL, page, auditPageSize, v.Total)
	return view{name: "audit", title: "Audit trail", nav: "audit", data: v}, nil
}

// names maps user ids (and their actor form, access.UserActor) to emails
// and group ids to names, and lists the users for the actor filter.
func (h *Handler) names(c *call, v *auditView) (map[string]string, error) {
	var all struct {
		Accepted []userJSON `json:"accepted"`
	}
	if _, err := c.api.get("/manage/users", nil, &all); err != nil {
		return nil, err
	}
	v.Users = all.Accepted
	names := map[string]string{}
	for _, u := range all.Accepted {
		names[u.ID], names[string(access.UserActor(u.ID))] = u.Email, u.Email
	}
	err := pages(c.api, "/manage/admin/user-group", nil, func(gs []groupJSON) {
		for _, g := range gs {
			names[g.ID] = "group " + g.Name
		}
	})
	return names, err
}

// settingsPage shows the invite gate settings for an admin to change.
func (h *Handler) settingsPage(c *call) (view, error) {
	var s settingsJSON
	if _, err := c.api.get("/manage/admin/settings", nil, &s); err != nil {
		return view{}, err
	}
	return view{name: "settings", title: "Settings", nav: "settings", data: s}, nil
}
