package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
)

// Group endpoints under curatorUp are group-scoped: the library answers
// OUT_OF_SCOPE to a curator who is a member without scope and 404 to a
// non-member. Basic and limited users never have group scope and get 403
// whatever the id, so a group's existence does not leak to them.
func (h *Handler) groupRoutes() {
	h.handle("GET /manage/admin/user-group", curatorUp, h.listGroups)
	h.handle("GET /manage/admin/user-group/{id}/members", curatorUp, h.groupMembers)
	h.handle("GET /manage/user-groups/minimal", basicUp, h.minimalGroups)
	h.handle("POST /manage/admin/user-group", adminOnly, h.createGroup)
	h.handle("PATCH /manage/admin/user-group/{id}", curatorUp, h.patchGroup)
	h.handle("POST /manage/admin/user-group/{id}/add-users", curatorUp, h.addUsers)
	h.handle("POST /manage/admin/user-group/{id}/set-curator", curatorUp, h.setCurator)
	h.handle("PATCH /manage/admin/user-group/rename", adminOnly, h.renameGroup)
	h.handle("DELETE /manage/admin/user-group/{id}", adminOnly, h.deleteGroup)
}

type memberJSON struct {
	ID    string `json:"id"`
	Email string `json:"email"`
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

// emails looks up and remembers users' emails for one response.
type emails struct {
	ws   *roster.Workspace
	seen map[string]string
}

func newEmails(ws *roster.Workspace) *emails { return &emails{ws: ws, seen: map[string]string{}} }

func (e *emails) of(ctx context.Context, id string) (string, error) {
	if m, ok := e.seen[id]; ok {
		return m, nil
	}
	u, err := e.ws.Users().Get(ctx, id)
	if err != nil {
		return "", err
	}
	e.seen[id] = u.Email
	return u.Email, nil
}

func groupOut(ctx context.Context, em *emails, s groups.Summary) (groupJSON, error) {
	g := groupJSON{ID: s.ID, Name: s.Name, Users: []memberJSON{}, UsersTotal: s.MembersTotal,
		CuratorIDs: nonNil(s.CuratorIDs), CCPairIDs: []string{}, DocumentSetIDs: []string{}, PersonaIDs: []string{}}
	for _, id := range s.MemberIDs {
		email, err := em.of(ctx, id)
		if err != nil {
			return groupJSON{}, err
		}
		g.Users = append(g.Users, memberJSON{ID: id, Email: email})
	}
	for _, r := range s.Resources {
		switch r.Kind {
		case access.Connector:
			g.CCPairIDs = append(g.CCPairIDs, r.ID)
		case access.DocumentSet:
			g.DocumentSetIDs = append(g.DocumentSetIDs, r.ID)
		case access.Agent:
			g.PersonaIDs = append(g.PersonaIDs, r.ID)
		}
	}
	return g, nil
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// listGroups answers GET /manage/admin/user-group: a page of the groups the
// caller administers, by name, as a list; X-Total-Count holds the total.
func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request, c Caller) error {
	p, err := pageQuery(r.URL.Query())
	if err != nil {
		return err
	}
	sums, total, err := c.Workspace.Groups().List(r.Context(), c.Actor(), p.offset, p.limit)
	if err != nil {
		return err
	}
	em := newEmails(c.Workspace)
	out := make([]groupJSON, len(sums))
	for i, s := range sums {
		if out[i], err = groupOut(r.Context(), em, s); err != nil {
			return err
		}
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	return ok(w, out)
}

type groupMemberJSON struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	IsCurator bool   `json:"is_curator"`
}

// groupMembers answers GET /manage/admin/user-group/{id}/members: a page of
// the members whose email contains q (all if q is empty), by user id.
func (h *Handler) groupMembers(w http.ResponseWriter, r *http.Request, c Caller) error {
	q := r.URL.Query()
	p, err := pageQuery(q)
	if err != nil {
		return err
	}
	filter := strings.ToLower(q.Get("q"))
	offset, limit := p.offset, p.limit
	if filter != "" { // filter every member, then page here
		offset, limit = 0, 0
	}
	members, total, err := c.Workspace.Groups().Members(r.Context(), c.Actor(), r.PathValue("id"), offset, limit)
	if err != nil {
		return err
	}
	em := newEmails(c.Workspace)
	items := []groupMemberJSON{}
	for _, m := range members {
		email, err := em.of(r.Context(), m.UserID)
		if err != nil {
			return err
		}
		if strings.Contains(email, filter) {
			items = append(items, groupMemberJSON{ID: m.UserID, Email: email, IsCurator: m.IsCurator})
		}
	}
	if filter != "" {
		total = len(items)
		items = items[min(p.offset, len(items)):min(p.offset+p.limit, len(items))]
	}
	return ok(w, map[string]any{"items": items, "total_items": total})
}

type minimalGroupJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// minimalGroups answers GET /manage/user-groups/minimal.
func (h *Handler) minimalGroups(w http.ResponseWriter, r *http.Request, c Caller) error {
	gs, err := c.Workspace.Groups().Minimal(r.Context(), c.Actor())
	if err != nil {
		return err
	}
	out := make([]minimalGroupJSON, len(gs))
	for i, g := range gs {
		out[i] = minimalGroupJSON{ID: g.ID, Name: g.Name}
	}
	return ok(w, out)
}

type createGroupRequest struct {
	Name      string   `json:"name"`
	UserIDs   []string `json:"user_ids"`
	CCPairIDs []string `json:"cc_pair_ids"`
}

// createGroup answers POST /manage/admin/user-group with 201 and the group,
// created with its members and connectors in one transaction.
func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req createGroupRequest
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	ctx := r.Context()
	if err := checkIDs(ctx, c.Workspace, req.UserIDs, req.CCPairIDs); err != nil {
		return err
	}
	g, err := c.Workspace.CreateGroup(ctx, c.Actor(), req.Name,
		roster.GroupContents{Members: req.UserIDs, Connectors: req.CCPairIDs})
	if err != nil {
		return err
	}
	sum, err := c.Workspace.Groups().Describe(ctx, c.Actor(), g.ID)
	if err != nil {
		return err
	}
	out, err := groupOut(ctx, newEmails(c.Workspace), sum)
	if err != nil {
		return err
	}
	return created(w, out)
}

// checkIDs refuses unknown user and connector ids before anything is written:
// a malformed id is a 400 naming its field, an unknown one a 404.
func checkIDs(ctx context.Context, ws *roster.Workspace, userIDs, ccPairIDs []string) error {
	for _, id := range userIDs {
		if id == "" {
			return invalid("user_ids", "holds an empty id")
		}
		if _, err := ws.Users().Get(ctx, id); err != nil {
			return fmt.Errorf("%w (user_ids: %q)", err, id)
		}
	}
	for _, id := range ccPairIDs {
		r := access.Resource{Kind: access.Connector, ID: id}
		if err := r.Validate(); err != nil {
			return invalid("cc_pair_ids", "holds %q, which is not a valid id", id)
		}
		if _, err := ws.Resources().Facts(ctx, r); err != nil {
			return fmt.Errorf("%w (cc_pair_ids: %q)", err, id)
		}
	}
	return nil
}

type patchGroupRequest struct {
	UserIDs   []string `json:"user_ids"`
	CCPairIDs []string `json:"cc_pair_ids"`
}

// patchGroup answers PATCH /manage/admin/user-group/{id} with 204: it
// replaces the members and the connectors in one transaction.
func (h *Handler) patchGroup(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req patchGroupRequest
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.UserIDs == nil {
		return invalid("user_ids", "is required (the members replace the group's)")
	}
	if req.CCPairIDs == nil {
		return invalid("cc_pair_ids", "is required (the connectors replace the group's)")
	}
	ctx, id := r.Context(), r.PathValue("id")
	if _, err := c.Workspace.Groups().Describe(ctx, c.Actor(), id); err != nil {
		return err // the group's scope first: 404 or OUT_OF_SCOPE before any id is judged
	}
	if err := checkIDs(ctx, c.Workspace, req.UserIDs, req.CCPairIDs); err != nil {
		return err
	}
	_, err := c.Workspace.ReplaceGroupContents(ctx, c.Actor(), id,
		roster.GroupContents{Members: req.UserIDs, Connectors: req.CCPairIDs})
	if err != nil {
		return err
	}
	return noContent(w)
}

// addUsers answers POST /manage/admin/user-group/{id}/add-users with 204.
func (h *Handler) addUsers(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req struct {
		UserIDs []string `json:"user_ids"`
	}
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.UserIDs == nil {
		return invalid("user_ids", "is required")
	}
	if _, err := c.Workspace.Groups().AddMembers(r.Context(), c.Actor(), r.PathValue("id"), req.UserIDs); err != nil {
		return err
	}
	return noContent(w)
}

// setCurator answers POST /manage/admin/user-group/{id}/set-curator with 204.
func (h *Handler) setCurator(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req struct {
		UserID    string `json:"user_id"`
		IsCurator *bool  `json:"is_curator"`
	}
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	switch {
	case req.UserID == "":
		return invalid("user_id", "is required")
	case req.IsCurator == nil:
		return invalid("is_curator", "is required")
	}
	if _, err := c.Workspace.Groups().SetCurator(r.Context(), c.Actor(), r.PathValue("id"), req.UserID, *req.IsCurator); err != nil {
		return err
	}
	return noContent(w)
}

// renameGroup answers PATCH /manage/admin/user-group/rename with {id, name}.
func (h *Handler) renameGroup(w http.ResponseWriter, r *http.Request, c Caller) error {
	var req minimalGroupJSON
	if err := decode(w, r, h.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.ID == "" {
		return invalid("id", "is required")
	}
	g, err := c.Workspace.Groups().Rename(r.Context(), c.Actor(), req.ID, req.Name)
	if err != nil {
		return err
	}
	return ok(w, minimalGroupJSON{ID: g.ID, Name: g.Name})
}

// deleteGroup answers DELETE /manage/admin/user-group/{id} with 204.
func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request, c Caller) error {
	if _, err := c.Workspace.Groups().Delete(r.Context(), c.Actor(), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
