package web

import (
	"net/url"
	"slices"
)

// The pages of connectors, document sets and agents list what the API shows
// the caller and offer the forms of the API's rules (docs/http.md,
// Resources): creating a connector or a document set is for curators and
// admins, an agent for any basic user; editing needs edit access; making a
// resource public and an agent's direct shares are its owner's or an
// admin's. The API decides every write; the pages only leave out what it
// would refuse.

// connectorItem, documentSetItem and agentItem are the API's answers as the
// resource pages read them.
type connectorItem struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	AccessType string   `json:"access_type"`
	Groups     []string `json:"groups"`
}

type documentSetItem struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	IsPublic    bool     `json:"is_public"`
	Groups      []string `json:"groups"`
	CCPairIDs   []string `json:"cc_pair_ids"`
}

type agentItem struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	IsPublic    bool     `json:"is_public"`
	OwnerID     string   `json:"owner_id"`
	Groups      []string `json:"groups"`
	Users       []string `json:"users"`
}

// choice is an option of a select: a group, a connector or a user, and
// whether the resource shown holds it.
type choice struct {
	ID, Name string
	Selected bool
}

// scope is what the caller may choose on the resource pages: the groups
// (every group for an admin, their own for others), the users an agent can
// be shared with (nil where the API does not list users to the caller), and
// the groups they curate (edit access of a curator).
type scope struct {
	Groups    []choice
	Users     []choice
	Curated   []string
	names     map[string]string // group and user ids → names
	isAdmin   bool
	canCurate bool
}

// resourceScope reads the caller's scope from the API.
func (h *Handler) resourceScope(c *call) (scope, error) {
	s := scope{names: map[string]string{}, isAdmin: c.me.IsAdmin(), canCurate: c.me.Curates()}
	var groups []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if _, err := c.api.get("/manage/user-groups/minimal", nil, &groups); err != nil {
		return s, err
	}
	for _, g := range groups {
		s.Groups = append(s.Groups, choice{ID: g.ID, Name: g.Name})
		s.names[g.ID] = g.Name
	}
	if !s.canCurate {
		return s, nil
	}
	err := pages(c.api, "/manage/admin/user-group", nil, func(gs []groupJSON) {
		for _, g := range gs {
			s.Curated = append(s.Curated, g.ID)
		}
	})
	if err != nil {
		return s, err
	}
	var all struct {
		Accepted []userJSON `json:"accepted"`
	}
	if _, err := c.api.get("/manage/users", nil, &all); err != nil {
		return s, err
	}
	for _, u := range all.Accepted {
		s.names[u.ID] = u.Email
		if u.IsActive {
			s.Users = append(s.Users, choice{ID: u.ID, Name: u.Email})
		}
	}
	return s, nil
}

// groupChoices are the caller's groups with those in ids selected, then
// the groups of ids the caller does not know, by id, selected (so that a
// form sent back keeps them).
func (s scope) groupChoices(ids []string) []choice {
	return marked(s.Groups, ids)
}

// userChoices are the users an agent owned by owner can be shared with
// (everyone but its owner), those in ids selected.
func (s scope) userChoices(ids []string, owner string) []choice {
	others := slices.DeleteFunc(slices.Clone(s.Users), func(c choice) bool { return c.ID == owner })
	return marked(others, ids)
}

func marked(all []choice, ids []string) []choice {
	out := make([]choice, 0, len(all)+len(ids))
	for _, c := range all {
		c.Selected = slices.Contains(ids, c.ID)
		out = append(out, c)
	}
	for _, id := range ids {
		if !slices.ContainsFunc(all, func(c choice) bool { return c.ID == id }) {
			out = append(out, choice{ID: id, Name: id, Selected: true})
		}
	}
	return out
}

// namesOf names ids (groups or users) where the caller knows them.
func (s scope) namesOf(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if n, ok := s.names[id]; ok {
			out = append(out, n)
		} else {
			out = append(out, id)
		}
	}
	return out
}

// mayEdit is roster's edit rule as far as the page can tell (shared/
// SEMANTICS.md, Resources and access): an admin; the owner (known for
// agents only); a curator when every group of the resource, at least one,
// is one they curate.
func (s scope) mayEdit(me meJSON, owner string, groups []string) bool {
	if s.isAdmin || (owner != "" && owner == me.ID) {
		return true
	}
	if !s.canCurate || len(groups) == 0 {
		return false
	}
	for _, g := range groups {
		if !slices.Contains(s.Curated, g) {
			return false
		}
	}
	return true
}

type connectorsView struct {
	CanCreate bool // curators and admins
	NewGroups []choice
	Rows      []connectorRow
}

type connectorRow struct {
	connectorItem
	GroupNames []string
	Editable   bool
	Choices    []choice // the groups, this connector's selected
}

// connectorsPage lists the connectors the caller may view, with the forms
// to create one and to edit or delete those they may edit.
func (h *Handler) connectorsPage(c *call) (view, error) {
	var list []connectorItem
	if _, err := c.api.get("/manage/connector", nil, &list); err != nil {
		return view{}, err
	}
	s, err := h.resourceScope(c)
	if err != nil {
		return view{}, err
	}
	v := connectorsView{CanCreate: c.me.Curates(), NewGroups: s.groupChoices(nil)}
	for _, r := range list {
		v.Rows = append(v.Rows, connectorRow{connectorItem: r, GroupNames: s.namesOf(r.Groups),
			Editable: s.mayEdit(c.me, "", r.Groups), Choices: s.groupChoices(r.Groups)})
	}
	return view{name: "connectors", title: "Connectors", nav: "connectors", data: v}, nil
}

type documentSetsView struct {
	CanCreate     bool
	NewGroups     []choice
	NewConnectors []choice
	Rows          []documentSetRow
}

type documentSetRow struct {
	documentSetItem
	GroupNames, ConnectorNames []string
	Editable                   bool
	Choices, Connectors        []choice
}

// documentSetsPage lists the document sets the caller may view, with the
// forms to create one (from the connectors they may view) and to edit or
// delete those the API lists as editable (get_editable=true).
func (h *Handler) documentSetsPage(c *call) (view, error) {
	var list, editable []documentSetItem
	if _, err := c.api.get("/manage/document-set", nil, &list); err != nil {
		return view{}, err
	}
	if _, err := c.api.get("/manage/document-set", url.Values{"get_editable": {"true"}}, &editable); err != nil {
		return view{}, err
	}
	var connectors []connectorItem
	if _, err := c.api.get("/manage/connector", nil, &connectors); err != nil {
		return view{}, err
	}
	s, err := h.resourceScope(c)
	if err != nil {
		return view{}, err
	}
	var all []choice
	ccNames := map[string]string{}
	for _, cc := range connectors {
		all = append(all, choice{ID: cc.ID, Name: cc.Name + " (" + cc.AccessType + ")"})
		ccNames[cc.ID] = cc.Name
	}
	v := documentSetsView{CanCreate: c.me.Curates(), NewGroups: s.groupChoices(nil), NewConnectors: marked(all, nil)}
	for _, r := range list {
		row := documentSetRow{documentSetItem: r, GroupNames: s.namesOf(r.Groups),
			Editable: slices.ContainsFunc(editable, func(e documentSetItem) bool { return e.ID == r.ID }),
			Choices:  s.groupChoices(r.Groups), Connectors: marked(all, r.CCPairIDs)}
		for _, id := range r.CCPairIDs {
			row.ConnectorNames = append(row.ConnectorNames, ccNames[id])
		}
		v.Rows = append(v.Rows, row)
	}
	return view{name: "documentsets", title: "Document sets", nav: "documentsets", data: v}, nil
}

type agentsView struct {
	CanCreate  bool // basic users and up
	ListsUsers bool // the API lists users to the caller (curators and up)
	NewGroups  []choice
	NewUsers   []choice
	Rows       []agentRow
}

type agentRow struct {
	agentItem
	OwnerName             string
	GroupNames, UserNames []string
	Editable, MayShare    bool
	Choices, UserChoices  []choice
}

// agentsPage lists the agents the caller may view, with the forms to create
// one, to edit those they may edit (name, description, groups) and to share
// those they own (an admin: every agent): public flag and direct users.
func (h *Handler) agentsPage(c *call) (view, error) {
	var list []agentItem
	if _, err := c.api.get("/persona", nil, &list); err != nil {
		return view{}, err
	}
	v := agentsView{CanCreate: c.me.Role != "limited"}
	if !v.CanCreate {
		for _, r := range list {
			v.Rows = append(v.Rows, agentRow{agentItem: r, OwnerName: "another user"})
		}
		return view{name: "agents", title: "Agents", nav: "agents", data: v}, nil
	}
	s, err := h.resourceScope(c)
	if err != nil {
		return view{}, err
	}
	s.names[c.me.ID] = c.me.Email
	v.ListsUsers = s.canCurate
	v.NewGroups, v.NewUsers = s.groupChoices(nil), s.userChoices(nil, c.me.ID)
	for _, r := range list {
		owner, known := s.names[r.OwnerID]
		if !known {
			owner = "another user" // the API lists users to curators and admins only
		}
		v.Rows = append(v.Rows, agentRow{agentItem: r, OwnerName: owner, GroupNames: s.namesOf(r.Groups), UserNames: s.namesOf(r.Users),
			Editable: s.mayEdit(c.me, r.OwnerID, r.Groups), MayShare: s.isAdmin || r.OwnerID == c.me.ID,
			Choices: s.groupChoices(r.Groups), UserChoices: s.userChoices(r.Users, r.OwnerID)})
	}
	return view{name: "agents", title: "Agents", nav: "agents", data: v}, nil
}
