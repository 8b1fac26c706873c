package web

import (
	"net/url"
	"strconv"
)

// usersPageSize is the number of users a page of the Users list shows.
const usersPageSize = 25

type usersView struct {
	Q, Role, Active string
	Users           []userRow
	Total           int64
	From, To        int64
	Prev, Next      string
	Download        string
	Invited         []inviteJSON
	InviteMode      string
	FirstInviteMade bool
	Roles           []string
	Transferees     []userJSON // active users who can take over what a user owns
	MailPrinted     bool       // mail is printed on the server's output, not sent
}

// userRow is a user of the list; Owns names the agents a deactivated user
// still owns, which block their deletion.
type userRow struct {
	userJSON
	Owns []string
}

// usersPage is the Users page: the list (search, role and status filters,
// paging with the API's page_num), the invite form with the seed's warning
// before the first invitation, and the pending invitations. The filters
// go to the API as they are, so a bad one shows the API's message.
func (h *Handler) usersPage(c *call) (view, error) {
	q := c.r.URL.Query()
	v := usersView{Q: q.Get("q"), Role: q.Get("roles"), Active: q.Get("is_active"), Roles: settableRoles,
		MailPrinted: h.opts.MailPrinted}
	filter := url.Values{}
	for _, k := range []string{"q", "roles", "is_active"} {
		if s := q.Get(k); s != "" {
			filter.Set(k, s)
		}
	}
	page, err := h.listUsers(c, &v, filter, q.Get("page_num"))
	if err != nil {
		return view{}, err
	}
	if err := h.inviteState(c, &v); err != nil {
		return view{}, err
	}
	if err := h.ownership(c, &v); err != nil {
		return view{}, err
	}
	v.Download = "/manage/users/download?" + filter.Encode()
	v.Prev, v.Next = pageLinks(c.r.URL, page, usersPageSize, v.Total)
	return view{name: "users", title: "Users", nav: "users", data: v}, nil
}

// listUsers reads one page of accepted users into v.
func (h *Handler) listUsers(c *call, v *usersView, filter url.Values, pageNum string) (int, error) {
	q := url.Values{}
	for k, vs := range filter {
		q[k] = vs
	}
	if pageNum != "" {
		q.Set("page_num", pageNum)
	}
	q.Set("page_size", strconv.Itoa(usersPageSize))
	var list itemsJSON[userJSON]
	if _, err := c.api.get("/manage/users/accepted", q, &list); err != nil {
		return 0, err
	}
	page, _ := strconv.Atoi(pageNum) // the API accepted it
	for _, u := range list.Items {
		v.Users = append(v.Users, userRow{userJSON: u})
	}
	v.Total = list.TotalItems
	if len(list.Items) > 0 {
		v.From = int64(page*usersPageSize) + 1
		v.To = v.From + int64(len(list.Items)) - 1
	}
	return page, nil
}

// inviteState reads the pending invitations, the gate mode and whether an
// invitation was ever made (the API's audit trail holds invite.create from
// the first one on: that is when ModeAuto stops open sign-up).
func (h *Handler) inviteState(c *call, v *usersView) error {
	if _, err := c.api.get("/manage/users/invited", nil, &v.Invited); err != nil {
		return err
	}
	var s settingsJSON
	if _, err := c.api.get("/manage/admin/settings", nil, &s); err != nil {
		return err
	}
	v.InviteMode = s.InviteMode
	var trail itemsJSON[auditJSON]
	q := url.Values{"action": {"invite.create"}, "page_size": {"1"}}
	if _, err := c.api.get("/manage/admin/audit", q, &trail); err != nil {
		return err
	}
	v.FirstInviteMade = trail.TotalItems > 0
	return nil
}

// ownership fills, for the deactivated users shown, the agents they own and
// the users who could take them over. Only agents: the API does not show
// who owns a document set; a delete it blocks names it in the refusal.
func (h *Handler) ownership(c *call, v *usersView) error {
	deactivated := false
	for _, u := range v.Users {
		deactivated = deactivated || !u.IsActive
	}
	if !deactivated {
		return nil
	}
	var agents []resourceJSON
	if _, err := c.api.get("/persona", nil, &agents); err != nil {
		return err
	}
	owns := map[string][]string{}
	for _, a := range agents {
		owns[a.OwnerID] = append(owns[a.OwnerID], a.Name)
	}
	for i, u := range v.Users {
		v.Users[i].Owns = owns[u.ID]
	}
	var all struct {
		Accepted []userJSON `json:"accepted"`
	}
	if _, err := c.api.get("/manage/users", nil, &all); err != nil {
		return err
	}
	for _, u := range all.Accepted {
		if u.IsActive {
			v.Transferees = append(v.Transferees, u)
		}
	}
	return nil
}

// pageLinks returns the URLs of the previous and next pages of a list shown
// size items a page (page_num from 0), keeping the other query parameters;
// "" where there is none.
func pageLinks(u *url.URL, page, size int, total int64) (prev, next string) {
	at := func(n int) string {
		q := u.Query()
		q.Set("page_num", strconv.Itoa(n))
		return u.Path + "?" + q.Encode()
	}
	if page > 0 {
		prev = at(page - 1)
	}
	if int64((page+1)*size) < total {
		next = at(page + 1)
	}
	return prev, next
}
