package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// groupsPageSize is the number of groups a page of the Groups list shows.
const groupsPageSize = 50

type groupsView struct {
	Groups     []groupJSON
	Total      int
	Prev, Next string
}

// groupsPage lists the groups the API shows the caller: every group to an
// admin, the groups a curator curates, a global curator's groups.
func (h *Handler) groupsPage(c *call) (view, error) {
	q := url.Values{"page_size": {strconv.Itoa(groupsPageSize)}}
	pageNum := c.r.URL.Query().Get("page_num")
	if pageNum != "" {
		q.Set("page_num", pageNum)
	}
	var v groupsView
	hd, err := c.api.get("/manage/admin/user-group", q, &v.Groups)
	if err != nil {
		return view{}, err
	}
	v.Total, _ = strconv.Atoi(hd.Get("X-Total-Count"))
	page, _ := strconv.Atoi(pageNum) // the API accepted it
	v.Prev, v.Next = pageLinks(c.r.URL, page, groupsPageSize, int64(v.Total))
	return view{name: "groups", title: "Groups", nav: "groups", data: v}, nil
}

type groupView struct {
	Group      groupJSON
	Members    []memberJSON
	MemberIDs  []string
	Candidates []userJSON     // users who are not members
	Connectors []resourceJSON // attached, by name where the caller may view them
	Attachable []resourceJSON // connectors the caller may view that are not attached
	DocSets    []resourceJSON
	Agents     []resourceJSON
	Limits     limitsBlock
	Chart      *chart // admins only: the group's usage
}

// groupPage is one group's page. Its members come first from the API, so
// an id the caller may not see, or a group out of their scope, shows the
// API's refusal (404, or 403 OUT_OF_SCOPE).
func (h *Handler) groupPage(c *call) (view, error) {
	id := c.r.PathValue("id")
	var v groupView
	var err error
	if v.Members, err = h.members(c, id); err != nil {
		return view{}, err
	}
	if v.Group, err = h.findGroup(c, id); err != nil {
		return view{}, err
	}
	for _, m := range v.Members {
		v.MemberIDs = append(v.MemberIDs, m.ID)
	}
	if err := h.groupResources(c, &v); err != nil {
		return view{}, err
	}
	if err := h.candidates(c, &v); err != nil {
		return view{}, err
	}
	if v.Limits, err = h.groupLimits(c, id); err != nil {
		return view{}, err
	}
	if c.me.IsAdmin() {
		ch, err := h.usageChart(c, "group-chart", "Token usage of "+v.Group.Name, url.Values{"group_id": {id}}, v.Limits.Limits)
		if err != nil {
			return view{}, err
		}
		v.Chart = &ch
	}
	return view{name: "group", title: "Group " + v.Group.Name, nav: "groups", data: v}, nil
}

// members reads every member of group id.
func (h *Handler) members(c *call, id string) ([]memberJSON, error) {
	path := "/manage/admin/user-group/" + url.PathEscape(id) + "/members"
	var all []memberJSON
	for n := 0; ; n++ {
		var page itemsJSON[memberJSON]
		q := url.Values{"page_num": {strconv.Itoa(n)}, "page_size": {"1000"}}
		if _, err := c.api.get(path, q, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if len(page.Items) < 1000 || int64(len(all)) >= page.TotalItems {
			return all, nil
		}
	}
}

// findGroup finds group id in the caller's list of groups; the list
// endpoint is the API's only one that describes a group.
func (h *Handler) findGroup(c *call, id string) (groupJSON, error) {
	var found *groupJSON
	err := pages(c.api, "/manage/admin/user-group", nil, func(gs []groupJSON) {
		for i := range gs {
			if gs[i].ID == id {
				found = &gs[i]
			}
		}
	})
	if err != nil {
		return groupJSON{}, err
	}
	if found == nil {
		return groupJSON{}, &apiError{Status: http.StatusNotFound, Code: "NOT_FOUND", Detail: fmt.Sprintf("group %q is not among your groups", id)}
	}
	return *found, nil
}

// groupResources names the group's connectors, document sets and agents
// from the lists the caller may view (an id alone where they may not).
func (h *Handler) groupResources(c *call, v *groupView) error {
	var connectors, sets, agents []resourceJSON
	for _, l := range []struct {
		path string
		dst  *[]resourceJSON
	}{{"/manage/connector", &connectors}, {"/manage/document-set", &sets}, {"/persona", &agents}} {
		if _, err := c.api.get(l.path, nil, l.dst); err != nil {
			return err
		}
	}
	v.Connectors = named(v.Group.CCPairIDs, connectors)
	v.DocSets = named(v.Group.DocumentSetIDs, sets)
	v.Agents = named(v.Group.PersonaIDs, agents)
	for _, r := range connectors {
		if !slices.Contains(v.Group.CCPairIDs, r.ID) {
			v.Attachable = append(v.Attachable, r)
		}
	}
	return nil
}

// named returns the resources of ids, with their names where known.
func named(ids []string, known []resourceJSON) []resourceJSON {
	out := make([]resourceJSON, 0, len(ids))
	for _, id := range ids {
		r := resourceJSON{ID: id}
		if i := slices.IndexFunc(known, func(k resourceJSON) bool { return k.ID == id }); i >= 0 {
			r = known[i]
		}
		out = append(out, r)
	}
	return out
}

// candidates lists the users who could be added to the group, and notes the
// members' roles.
func (h *Handler) candidates(c *call, v *groupView) error {
	var all struct {
		Accepted []userJSON `json:"accepted"`
	}
	if _, err := c.api.get("/manage/users", nil, &all); err != nil {
		return err
	}
	for _, u := range all.Accepted {
		if !slices.Contains(v.MemberIDs, u.ID) {
			v.Candidates = append(v.Candidates, u)
		}
		if i := slices.Index(v.MemberIDs, u.ID); i >= 0 {
			v.Members[i].Role = u.Role
		}
	}
	return nil
}
