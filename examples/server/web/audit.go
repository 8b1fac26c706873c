package web

import (
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

// auditPageSize is the number of events a page of the audit trail shows.
const auditPageSize = 50

// auditActions are the actions roster records, for the filter, with the
// name the page shows for each.
var auditActions = []string{
	"user.register", "user.set_role", "user.deactivate", "user.activate", "user.delete", "user.transfer_ownership",
	"invite.create", "invite.resend", "invite.revoke", "invite.settings",
	"group.create", "group.rename", "group.delete", "group.add_members", "group.remove_members", "group.set_curator",
	"resource.register", "resource.update", "resource.unregister", "resource.attach", "resource.detach",
	"rate_limit.create", "rate_limit.update", "rate_limit.delete", "workspace.create",
	"token.create", "token.rename", "token.revoke", "user.email",
	"scim.user.provision", "scim.user.update", "scim.user.delete", "scim.group.update",
}

var actionNames = map[string]string{
	"user.register": "User joined", "user.set_role": "Role changed", "user.deactivate": "User deactivated",
	"user.activate": "User activated", "user.delete": "User deleted", "user.transfer_ownership": "Ownership transferred",
	"invite.create": "Invitation sent", "invite.resend": "Invitation resent", "invite.revoke": "Invitation revoked",
	"invite.settings": "Sign-up settings changed",
	"group.create":    "Group created", "group.rename": "Group renamed", "group.delete": "Group deleted",
	"group.add_members": "Members added", "group.remove_members": "Members removed", "group.set_curator": "Curator changed",
	"resource.register": "Resource created", "resource.update": "Resource changed", "resource.unregister": "Resource deleted",
	"resource.attach": "Attached to a group", "resource.detach": "Detached from a group",
	"rate_limit.create": "Limit created", "rate_limit.update": "Limit changed", "rate_limit.delete": "Limit deleted",
	"workspace.create": "Workspace created",
	"token.create":     "Token created", "token.rename": "Token renamed", "token.revoke": "Token deleted",
	"user.email": "Email changed", "scim.user.provision": "Provisioned by SCIM", "scim.user.update": "SCIM record changed",
	"scim.user.delete": "Deprovisioned by SCIM", "scim.group.update": "Group provisioned by SCIM",
}

// actionName is an audit action as people read it; an action the page does
// not know is shown as recorded, except that one of SCIM's says so.
func actionName(action string) string {
	if n, ok := actionNames[action]; ok {
		return n
	}
	if rest, ok := strings.CutPrefix(action, "scim."); ok {
		return "SCIM: " + strings.ReplaceAll(strings.ReplaceAll(rest, ".", " "), "_", " ")
	}
	return action
}

// sourceName is a sign-up source of user.register as people read it.
func sourceName(src string) string {
	switch src {
	case "sso":
		return "single sign-on"
	case "scim":
		return "SCIM"
	case "service":
		return "API key"
	}
	return strings.ReplaceAll(src, "_", " ")
}

type auditView struct {
	Actor, Action, Target string
	From, To              string // the date range, YYYY-MM-DD (UTC days, both included)
	Actions               []string
	Users                 []userJSON
	Events                []auditRow
	Total                 int64
	Prev, Next            string
}

// auditRow is an event with its actor and target named where the page
// knows them, and its details as a sentence.
type auditRow struct {
	auditJSON
	ActorName, TargetName, DetailsText string
}

// auditPage is the audit trail, newest first, filtered by actor, action
// and target as the API filters it, and by a range of UTC days (from, to).
func (h *Handler) auditPage(c *call) (view, error) {
	in := c.r.URL.Query()
	v := auditView{Actor: in.Get("actor"), Action: in.Get("action"), Target: in.Get("target"),
		From: in.Get("from"), To: in.Get("to"), Actions: auditActions}
	from, to, err := dateRange(v.From, v.To)
	if err != nil {
		return view{}, err
	}
	q := url.Values{}
	for _, k := range []string{"actor", "action", "target"} {
		if s := in.Get(k); s != "" {
			q.Set(k, s)
		}
	}
	page, err := pageNum(in.Get("page_num"))
	if err != nil {
		return view{}, err
	}
	events, total, err := auditWindow(c.api, q, from, to, page)
	if err != nil {
		return view{}, err
	}
	n, err := h.names(c, &v)
	if err != nil {
		return view{}, err
	}
	if err := n.gone(c.api, events); err != nil {
		return view{}, err
	}
	for _, e := range events {
		v.Events = append(v.Events, auditRow{auditJSON: e, ActorName: n.of(e.Actor), TargetName: n.target(e),
			DetailsText: auditSentence(e, n)})
	}
	v.Total = total
	v.Prev, v.Next = pageLinks(c.r.URL, page, auditPageSize, v.Total)
	return view{name: "audit", title: "Audit trail", nav: "audit", data: v}, nil
}

// badRequest is a refusal of the page's own query, shown like the API's.
func badRequest(detail string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Detail: detail, Code: "INVALID"}
}

// pageNum reads the page_num of a page's URL ("" is the first page).
func pageNum(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1<<20 {
		return 0, badRequest("The page number (page_num) must be a whole number from 0 to 1048576.")
	}
	return n, nil
}

// dateRange reads the from and to days (YYYY-MM-DD, UTC, both included;
// either may be empty) as the instants [from, to) the events must fall in;
// a zero time is no bound.
func dateRange(from, to string) (start, end time.Time, err error) {
	day := func(name, s string) (time.Time, error) {
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return time.Time{}, badRequest(fmt.Sprintf("The %s date %q is not a date like 2026-01-31.", name, s))
		}
		return t, nil
	}
	if start, err = day("from", from); err != nil {
		return start, end, err
	}
	if end, err = day("to", to); err != nil {
		return start, end, err
	}
	if !end.IsZero() {
		end = end.AddDate(0, 0, 1)
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		return start, end, badRequest("The from date must not be after the to date.")
	}
	return start, end, nil
}

// auditWindow returns page (of auditPageSize) of the events the API's filter
// q matches that happened in [from, to), and how many do. The API filters by
// actor, action and target but not by date; its trail is newest first, so
// the events of the range are one run of it, found by bisecting over the
// trail read one event a page (a few dozen reads even for a million events)
// rather than by reading the whole trail.
func auditWindow(a api, q url.Values, from, to time.Time, page int) ([]auditJSON, int64, error) {
	at := func(i int64, size int) (itemsJSON[auditJSON], error) {
		qq := url.Values{"page_size": {strconv.Itoa(size)}, "page_num": {strconv.FormatInt(i, 10)}}
		for k, v := range q {
			qq[k] = v
		}
		var out itemsJSON[auditJSON]
		_, err := a.get("/manage/admin/audit", qq, &out)
		return out, err
	}
	first, err := at(0, 1)
	if err != nil {
		return nil, 0, err
	}
	total := first.TotalItems
	// before returns the index of the first event older than t (total if none).
	before := func(t time.Time) (int64, error) {
		var ferr error
		i := sort.Search(int(total), func(i int) bool {
			if ferr != nil {
				return true
			}
			e, err := at(int64(i), 1)
			if err != nil || len(e.Items) == 0 {
				ferr = err
				return true
			}
			return e.Items[0].At.Before(t)
		})
		return int64(i), ferr
	}
	lo, hi := int64(0), total
	if !to.IsZero() {
		if lo, err = before(to); err != nil {
			return nil, 0, err
		}
	}
	if !from.IsZero() {
		if hi, err = before(from); err != nil {
			return nil, 0, err
		}
	}
	count := max(hi-lo, 0)
	offset := lo + int64(page)*auditPageSize
	n := min(int64(auditPageSize), hi-offset)
	if n <= 0 {
		return nil, count, nil
	}
	// The run starts anywhere: read the one or two API pages it overlaps.
	var events []auditJSON
	for p := offset / auditPageSize; p <= (offset+n-1)/auditPageSize; p++ {
		got, err := at(p, auditPageSize)
		if err != nil {
			return nil, 0, err
		}
		events = append(events, got.Items...)
	}
	skip := offset - offset/auditPageSize*auditPageSize
	if skip >= int64(len(events)) {
		return nil, count, nil
	}
	return events[skip:min(int64(len(events)), skip+n)], count, nil
}

// namer names the ids an audit event holds: users (by id or actor form,
// access.UserActor) by email, groups by name, resources by kind and name.
type namer map[string]string

// of is the name of id, or id itself where the page knows no name.
func (n namer) of(id string) string {
	if s, ok := n[id]; ok {
		return s
	}
	return id
}

// target names the target of e: as of, except that a limit is named by its
// scope and the workspace is "the workspace".
func (n namer) target(e auditJSON) string {
	switch {
	case strings.HasPrefix(e.Action, "rate_limit."):
		switch sc, _ := e.Details["scope"].(string); sc {
		case "global":
			return "global limit"
		case "user":
			return "user limit"
		}
		if g, _ := e.Details["group_id"].(string); g != "" {
			return "limit of " + n.of(g)
		}
		return "limit"
	case e.Action == "workspace.create" || e.Action == "invite.settings":
		return "the workspace"
	}
	return n.of(e.Target)
}

// gone names the users and groups of events that no longer exist, from the
// trail itself: a deleted user by the domain their deletion recorded (the
// email itself is gone with them), a deleted group by its last name.
func (n namer) gone(a api, events []auditJSON) error {
	last := func(action, target string) (auditJSON, bool, error) {
		var t itemsJSON[auditJSON]
		q := url.Values{"action": {action}, "target": {target}, "page_size": {"1"}}
		if _, err := a.get("/manage/admin/audit", q, &t); err != nil || len(t.Items) == 0 {
			return auditJSON{}, false, err
		}
		return t.Items[0], true, nil
	}
	for _, e := range events {
		if err := n.goneToken(last, e); err != nil {
			return err
		}
		var users, groups []string
		if id, ok := strings.CutPrefix(e.Actor, string(access.UserActor(""))); ok {
			users = append(users, id)
		}
		switch {
		case strings.HasPrefix(e.Action, "user."):
			users = append(users, e.Target)
		case strings.HasPrefix(e.Action, "group."):
			groups = append(groups, e.Target)
		}
		for _, id := range users {
			if _, known := n[id]; known || id == "" {
				continue
			}
			name := "a deleted user"
			del, ok, err := last("user.delete", id)
			if err != nil {
				return err
			}
			if dom, _ := del.Details["email_domain"].(string); ok && dom != "" {
				name += " at " + dom
			}
			if kind, _ := del.Details["kind"].(string); ok && kind == "service" {
				name = "a deleted API key"
			}
			n[id], n[string(access.UserActor(id))] = name, name
		}
		for _, id := range groups {
			if _, known := n[id]; known || id == "" {
				continue
			}
			name, key := "", "to"
			ev, ok, err := last("group.rename", id)
			if err == nil && !ok {
				ev, ok, err = last("group.create", id)
				key = "name"
			}
			if err != nil {
				return err
			}
			if s, _ := ev.Details[key].(string); ok && s != "" {
				name = " «" + s + "»"
			}
			n[id] = "deleted group" + name
		}
	}
	return nil
}

// goneToken names a SCIM token or API key that e acts as or on and that no
// longer exists, by the name its creation recorded.
func (n namer) goneToken(last func(action, target string) (auditJSON, bool, error), e auditJSON) error {
	var ids []string
	if id, ok := strings.CutPrefix(e.Actor, string(access.SCIMActor(""))); ok {
		ids = append(ids, id)
	}
	if strings.HasPrefix(e.Action, "token.") {
		ids = append(ids, e.Target)
	}
	for _, id := range ids {
		if _, known := n[id]; known || id == "" {
			continue
		}
		created, ok, err := last("token.create", id)
		if err != nil {
			return err
		}
		name := "a deleted token"
		if ok {
			name = "deleted " + tokenNoun(created.Details) + " «" + fmt.Sprint(created.Details["name"]) + "»"
		}
		n[id], n[string(access.SCIMActor(id))] = name, name
	}
	return nil
}

// names reads who and what the audit trail may name, and lists the users for
// the actor filter. Resources are named where the admin's lists show them.
func (h *Handler) names(c *call, v *auditView) (namer, error) {
	var all struct {
		Accepted []userJSON `json:"accepted"`
	}
	if _, err := c.api.get("/manage/users", nil, &all); err != nil {
		return nil, err
	}
	v.Users = all.Accepted
	n := namer{"system": "system"}
	for _, u := range all.Accepted {
		n[u.ID], n[string(access.UserActor(u.ID))] = u.Email, u.Email
	}
	err := pages(c.api, "/manage/admin/user-group", nil, func(gs []groupJSON) {
		for _, g := range gs {
			n[g.ID] = "group «" + g.Name + "»"
		}
	})
	if err != nil {
		return nil, err
	}
	if err := n.tokens(c.api); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		path string
		kind access.Kind
		noun string
	}{{"/manage/connector", access.Connector, "connector"}, {"/manage/document-set", access.DocumentSet, "document set"},
		{"/persona", access.Agent, "agent"}} {
		var rs []resourceJSON
		if _, err := c.api.get(l.path, nil, &rs); err != nil {
			return nil, err
		}
		for _, r := range rs {
			n[access.Resource{Kind: l.kind, ID: r.ID}.String()] = l.noun + " «" + r.Name + "»"
		}
	}
	return n, nil
}

// tokens names the workspace's SCIM tokens (by id and as actors) and API
// keys (by id, and their service users by id and as actors): the service
// users are not among the people /manage/users lists.
func (n namer) tokens(a api) error {
	var scim []scimTokenJSON
	if _, err := a.get("/admin/enterprise-settings/scim/token", nil, &scim); err != nil {
		return err
	}
	for _, t := range scim {
		name := "SCIM token «" + t.Name + "»"
		n[t.ID], n[string(access.SCIMActor(t.ID))] = name, name
	}
	var keys []apiKeyJSON
	if _, err := a.get("/admin/api-key", nil, &keys); err != nil {
		return err
	}
	for _, k := range keys {
		name := "API key «" + k.Name + "»"
		n[k.ID], n[k.UserID], n[string(access.UserActor(k.UserID))] = name, name, name
	}
	return nil
}

// tokenNoun is "SCIM token" or "API key", the kind of a token event.
func tokenNoun(d map[string]any) string {
	if k, _ := d["kind"].(string); k == "scim" {
		return "SCIM token"
	}
	return "API key"
}

// auditSentence is the details of e as a short sentence, with the users,
// groups and resources it names by name; "" where the action says it all.
// Details the page does not know are listed as recorded.
func auditSentence(e auditJSON, n namer) string {
	d := e.Details
	str := func(k string) string { s, _ := d[k].(string); return s }
	list := func(k string) []string {
		xs, _ := d[k].([]any)
		var out []string
		for _, x := range xs {
			if s, ok := x.(string); ok {
				out = append(out, n.of(s))
			}
		}
		return out
	}
	num := func(k string) float64 { f, _ := d[k].(float64); return f }
	switch e.Action {
	case "user.register":
		s := "Joined"
		if r := str("role"); r != "" {
			s += " as " + roleName(r)
		}
		if src := str("source"); src != "" {
			s += " (" + sourceName(src) + ")"
		}
		return s + "."
	case "user.set_role":
		return fmt.Sprintf("From %s to %s.", roleName(str("from")), roleName(str("to")))
	case "user.delete":
		if dom := str("email_domain"); dom != "" {
			return "Their email was at " + dom + "."
		}
		if str("kind") == "service" {
			return "The service user of an API key."
		}
	case "user.transfer_ownership":
		return fmt.Sprintf("%s moved to %s.", plural(int64(num("resources")), "resource"), n.of(str("to")))
	case "invite.create", "invite.resend":
		if t, err := time.Parse(time.RFC3339, str("token_expires_at")); err == nil {
			return "The link expires " + t.UTC().Format("Jan 2, 2006, 15:04") + " UTC." // no hyphens to break at
		}
	case "invite.settings":
		s := "Sign-up: " + strings.ReplaceAll(str("mode"), "_", " ")
		if ds := list("allowed_domains"); len(ds) > 0 {
			s += "; only " + strings.Join(ds, ", ")
		}
		return s + "."
	case "token.create", "token.revoke":
		return tokenNoun(d) + " «" + str("name") + "»."
	case "token.rename":
		return tokenNoun(d) + ", from «" + str("from") + "» to «" + str("to") + "»."
	case "user.email":
		s := "From an address at " + str("from_domain") + " to one at " + str("to_domain")
		if str("by") == "scim" {
			s += ", by SCIM"
		}
		return s + "."
	case "group.create", "workspace.create":
		return "Named «" + str("name") + "»."
	case "group.rename":
		return "From «" + str("from") + "» to «" + str("to") + "»."
	case "group.add_members", "group.remove_members":
		if us := list("user_ids"); len(us) > 0 {
			return strings.Join(us, ", ") + "."
		}
	case "group.set_curator":
		if b, _ := d["is_curator"].(bool); b {
			return n.of(str("user_id")) + " is now a curator."
		}
		return n.of(str("user_id")) + " is no longer a curator."
	case "resource.attach", "resource.detach":
		return "To " + n.of(str("group_id")) + "."
	case "resource.register", "resource.update":
		return resourceSentence(d, n, list)
	case "resource.unregister":
		if ds := list("document_sets"); len(ds) > 0 {
			return "Also removed from " + strings.Join(ds, ", ") + "."
		}
	case "rate_limit.create", "rate_limit.update", "rate_limit.delete":
		if str("reason") != "" {
			return "The limit of " + n.of(str("group_id")) + " went with its group."
		}
		s := fmt.Sprintf("%s tokens per %s", tokens(num("budget")), hours(num("period_seconds")))
		if sc := str("scope"); sc == "group" {
			s += " for " + n.of(str("group_id"))
		} else if sc != "" {
			s += " (" + strings.ReplaceAll(sc, "_", " ") + ")"
		}
		if b, ok := d["enabled"].(bool); ok && !b {
			s += ", disabled"
		}
		return s + "."
	}
	return rawDetails(d)
}

// resourceSentence states a resource's owner, access and groups.
func resourceSentence(d map[string]any, n namer, list func(string) []string) string {
	var parts []string
	if o, _ := d["owner"].(string); o != "" {
		parts = append(parts, "owner "+n.of(o))
	}
	if p, _ := d["public"].(bool); p {
		parts = append(parts, "public")
	} else {
		parts = append(parts, "private")
	}
	if gs := list("groups"); len(gs) > 0 {
		parts = append(parts, "groups "+strings.Join(gs, ", "))
	}
	if us := list("shared_with"); len(us) > 0 {
		parts = append(parts, "shared with "+strings.Join(us, ", "))
	}
	if cs := list("connectors"); len(cs) > 0 {
		parts = append(parts, "connectors "+strings.Join(cs, ", "))
	}
	s := strings.Join(parts, "; ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// rawDetails lists details the page has no sentence for, keys sorted.
func rawDetails(d map[string]any) string {
	if len(d) == 0 {
		return ""
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %v", strings.ReplaceAll(k, "_", " "), d[k])
	}
	return strings.Join(parts, "; ") + "."
}

// plural is n and noun, with an s unless n is 1.
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return number(n) + " " + noun + "s"
}

// hours is a period in seconds as people read it: "24 h", "30 min".
func hours(seconds float64) string {
	if seconds < 3600 {
		return trimZero(fmt.Sprintf("%.1f", seconds/60)) + " min"
	}
	return trimZero(fmt.Sprintf("%.1f", seconds/3600)) + " h"
}
