package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster/access"
)

// userAuditSize is the number of recent events of each kind the user page
// shows.
const userAuditSize = 10

type userView struct {
	User   userJSON
	Groups []userGroup
	Agents []agentItem
	Events []eventList // by them, about them
}

// eventList is a short list of audit events and the audit page's link to
// all of them.
type eventList struct {
	ID, Title, Link string
	Rows            []userEvent
	Total           int64
}

// userEvent is an audit event of the user page, its actor and target named
// where the page knows them. (The audit page has its own rows; this page
// shows a short list and links to the audit page for the rest.)
type userEvent struct {
	At                                time.Time
	Action, Actor, Target, DetailText string
}

// userGroup is a group the user belongs to.
type userGroup struct {
	ID, Name  string
	IsCurator bool
}

// userPage is an admin's page of one user: role, status, groups (curator
// or member), the agents they own, and the latest audit events they made
// and that were made about them. The API shows who owns an agent but not
// who owns a connector or document set; the page says so.
func (h *Handler) userPage(c *call) (view, error) {
	id := c.r.PathValue("id")
	var all struct {
		Accepted []userJSON `json:"accepted"`
	}
	if _, err := c.api.get("/manage/users", nil, &all); err != nil {
		return view{}, err
	}
	i := slices.IndexFunc(all.Accepted, func(u userJSON) bool { return u.ID == id })
	if i < 0 {
		return view{}, &apiError{Status: http.StatusNotFound, Code: "NOT_FOUND", Detail: "The user does not exist."}
	}
	v := userView{User: all.Accepted[i]}
	var groups []groupJSON
	if err := pages(c.api, "/manage/admin/user-group", nil, func(gs []groupJSON) { groups = append(groups, gs...) }); err != nil {
		return view{}, err
	}
	if err := h.userGroups(c, &v, groups); err != nil {
		return view{}, err
	}
	var agents []agentItem
	if _, err := c.api.get("/persona", nil, &agents); err != nil {
		return view{}, err
	}
	names := map[string]string{}
	for _, a := range agents {
		if a.OwnerID == id {
			v.Agents = append(v.Agents, a)
		}
		names["agent:"+a.ID] = "agent " + a.Name
	}
	if err := h.resourceNames(c, names); err != nil {
		return view{}, err
	}
	for _, u := range all.Accepted {
		names[u.ID], names[string(access.UserActor(u.ID))] = u.Email, u.Email
	}
	for _, g := range groups {
		names[g.ID] = "group " + g.Name
	}
	for _, l := range []eventList{
		{ID: "user-by", Title: "Recent actions by them", Link: "actor=" + url.QueryEscape(string(access.UserActor(id)))},
		{ID: "user-about", Title: "Recent actions about them", Link: "target=" + url.QueryEscape(id)},
	} {
		key, value, _ := strings.Cut(l.Link, "=")
		value, _ = url.QueryUnescape(value)
		var err error
		if l.Rows, l.Total, err = h.recentEvents(c, key, value, names); err != nil {
			return view{}, err
		}
		l.Link = "/ui/audit?" + l.Link
		v.Events = append(v.Events, l)
	}
	return view{name: "user", title: "User " + v.User.Email, nav: "users", data: v}, nil
}

// userGroups finds the groups of v.User among groups: in the first members
// the list shows, else (a larger group) by a search of its members.
func (h *Handler) userGroups(c *call, v *userView, groups []groupJSON) error {
	id := v.User.ID
	for _, g := range groups {
		member := slices.ContainsFunc(g.Users, func(m memberJSON) bool { return m.ID == id })
		if !member && g.UsersTotal > len(g.Users) {
			var found itemsJSON[memberJSON]
			q := url.Values{"q": {v.User.Email}, "page_size": {"1000"}}
			if _, err := c.api.get("/manage/admin/user-group/"+url.PathEscape(g.ID)+"/members", q, &found); err != nil {
				return err
			}
			member = slices.ContainsFunc(found.Items, func(m memberJSON) bool { return m.ID == id })
		}
		if member {
			v.Groups = append(v.Groups, userGroup{ID: g.ID, Name: g.Name, IsCurator: slices.Contains(g.CuratorIDs, id)})
		}
	}
	return nil
}

// recentEvents reads the latest audit events whose key (actor or target)
// is value, with names for ids.
func (h *Handler) recentEvents(c *call, key, value string, names map[string]string) ([]userEvent, int64, error) {
	var trail itemsJSON[auditJSON]
	q := url.Values{key: {value}, "page_size": {strconv.Itoa(userAuditSize)}}
	if _, err := c.api.get("/manage/admin/audit", q, &trail); err != nil {
		return nil, 0, err
	}
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}
	rows := make([]userEvent, 0, len(trail.Items))
	for _, e := range trail.Items {
		row := userEvent{At: e.At, Action: e.Action, Actor: name(e.Actor), Target: name(e.Target)}
		row.DetailText = detailText(e.Details, name)
		rows = append(rows, row)
	}
	return rows, trail.TotalItems, nil
}

// resourceNames adds the connectors and document sets the admin may view
// to names, by their audit targets ("connector:<id>", "document_set:<id>").
func (h *Handler) resourceNames(c *call, names map[string]string) error {
	var connectors, sets []resourceJSON
	if _, err := c.api.get("/manage/connector", nil, &connectors); err != nil {
		return err
	}
	if _, err := c.api.get("/manage/document-set", nil, &sets); err != nil {
		return err
	}
	for _, r := range connectors {
		names["connector:"+r.ID] = "connector " + r.Name
	}
	for _, r := range sets {
		names["document_set:"+r.ID] = "document set " + r.Name
	}
	return nil
}

// detailText writes an event's details as "key: value" pairs in key order,
// ids named where the page knows them, lists joined with commas, empty
// values left out: {"groups": ["<id>"], "public": false} → "groups: group
// Engineering; public: false".
func detailText(details map[string]any, name func(string) string) string {
	keys := make([]string, 0, len(details))
	for k := range details {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		var vals []string
		switch v := details[k].(type) {
		case nil:
		case string:
			vals = append(vals, name(v))
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					vals = append(vals, name(s))
				} else {
					b, _ := json.Marshal(x)
					vals = append(vals, string(b))
				}
			}
		default:
			vals = append(vals, fmt.Sprint(v))
		}
		if len(vals) > 0 && vals[0] != "" {
			parts = append(parts, strings.ReplaceAll(k, "_", " ")+": "+strings.Join(vals, ", "))
		}
	}
	return strings.Join(parts, "; ")
}
