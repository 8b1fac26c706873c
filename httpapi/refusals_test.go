package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// allCodes is every machine code the API answers with.
func allCodes() []string {
	return []string{httpapi.CodeInvalidInput, httpapi.CodeCuratorViaGroups, httpapi.CodeNotAMember,
		httpapi.CodeAlreadyPrivileged, httpapi.CodeNotEligible, httpapi.CodeInviteInvalid, httpapi.CodeNotSignedIn,
		httpapi.CodeForbidden, httpapi.CodeOutOfScope, httpapi.CodeInviteRequired, httpapi.CodeDomainNotAllowed,
		httpapi.CodeNotFound, httpapi.CodeDuplicate, httpapi.CodeSelfChange, httpapi.CodeLastAdmin,
		httpapi.CodeUserActive, httpapi.CodeOwnsResources, httpapi.CodeRateLimited, httpapi.CodeThrottled,
		httpapi.CodeMethodNotAllowed, httpapi.CodeUnavailable, httpapi.CodeInternal}
}

// refusalRow is one error the API can answer with and its exact answer.
type refusalRow struct {
	err        error
	status     int
	code       string
	detail     string
	retryAfter string // the Retry-After header; "" for none
}

// refusalRows lists every error value of the library (and of this package)
// that reaches a response, grouped by code, with the status, code and
// sentence WriteError gives it. Resources are named by kind only:
// WriteError has no naming function.
func refusalRows() []refusalRow {
	agent := access.Resource{Kind: access.Agent, ID: "a1"}
	return []refusalRow{
		{users.ErrInvalidRole, 400, httpapi.CodeInvalidInput, "That is not a role.", ""},
		{users.ErrInvalidEmail, 400, httpapi.CodeInvalidInput, "That is not a valid email address.", ""},
		{groups.ErrInvalidName, 400, httpapi.CodeInvalidInput, "A group name is 1 to 100 characters long.", ""},
		{invites.ErrInvalidRequest, 400, httpapi.CodeInvalidInput, "The invitation request is not valid.", ""},
		{invites.ErrInvalidSettings, 400, httpapi.CodeInvalidInput, "The invitation settings are not valid.", ""},
		{invites.ErrInvalidSource, 400, httpapi.CodeInvalidInput, "The sign-up source is not known.", ""},
		{invites.ErrInvalidConfig, 400, httpapi.CodeInvalidInput, "The mail or throttle configuration is not valid.", ""},
		{invites.ErrInvalidMessage, 400, httpapi.CodeInvalidInput, "The invitation message cannot be sent as it is.", ""},
		{resources.ErrNoGroups, 400, httpapi.CodeInvalidInput, "Curators must name at least one group.", ""},
		{resources.ErrDocumentSetRule, 400, httpapi.CodeInvalidInput,
			"Every private connector of a document set must be attached to each of the set's groups.", ""},
		{ratelimit.ErrInvalid, 400, httpapi.CodeInvalidInput, "The rate limit is not valid.", ""},
		{&ratelimit.InvalidError{LimitID: "l1", Field: "Budget", Reason: "0 is not positive"}, 400, httpapi.CodeInvalidInput,
			"The token budget of the rate limit is not valid.", ""},
		{access.Resource{Kind: access.Agent, ID: "a,b"}.Validate(), 400, httpapi.CodeInvalidInput,
			"A resource id cannot hold a space, comma or control character.", ""},
		{roster.ErrInvalid, 400, httpapi.CodeInvalidInput, "The request is not valid.", ""},
		{users.ErrCuratorViaGroups, 400, httpapi.CodeCuratorViaGroups,
			"The curator role cannot be set directly; make the user a curator of a group instead.", ""},
		{groups.ErrNotAMember, 400, httpapi.CodeNotAMember, "The user is not a member of the group.", ""},
		{groups.ErrAlreadyPrivileged, 400, httpapi.CodeAlreadyPrivileged, "Admins and global curators already have curator powers.", ""},
		{groups.ErrNotEligible, 400, httpapi.CodeNotEligible, "Limited users cannot be curators.", ""},

		{httpapi.ErrNotSignedIn, 401, httpapi.CodeNotSignedIn, "You are not signed in.", ""},
		{httpapi.ErrPayloadTooLarge, 413, httpapi.CodePayloadTooLarge, "The request body is too large.", ""},

		{invites.ErrInviteInvalid, 403, httpapi.CodeInviteInvalid, "This invitation link is invalid or has expired; ask an admin for a new one.", ""},
		{invites.ErrInvalidToken, 403, httpapi.CodeInviteInvalid, "This invitation link is not valid.", ""},
		{&invites.TokenError{Reason: "wrong length"}, 403, httpapi.CodeInviteInvalid, "This invitation link is not valid.", ""},
		{&invites.SignupError{Err: invites.ErrInviteRequired, Source: invites.SourcePassword}, 403, httpapi.CodeInviteRequired,
			"An invitation is required to join this workspace.", ""},
		{&invites.SignupError{Err: invites.ErrDomainNotAllowed, Domain: "x.example"}, 403, httpapi.CodeDomainNotAllowed,
			"Sign-ups from x.example are not allowed.", ""},
		{invites.ErrDomainNotAllowed, 403, httpapi.CodeDomainNotAllowed, "Sign-ups from this email domain are not allowed.", ""},
		{groups.ErrOutOfScope, 403, httpapi.CodeOutOfScope, "Curators may change only the groups they curate.", ""},
		{users.ErrNotAdmin, 403, httpapi.CodeForbidden, "Only an admin may do this.", ""},
		{roster.ErrForbidden, 403, httpapi.CodeForbidden, "You are not allowed to do this.", ""},

		{users.ErrUserNotFound, 404, httpapi.CodeNotFound, "The user does not exist.", ""},
		{groups.ErrGroupNotFound, 404, httpapi.CodeNotFound, "The group does not exist.", ""},
		{resources.ErrResourceNotFound, 404, httpapi.CodeNotFound, "The resource does not exist.", ""},
		{invites.ErrInviteNotFound, 404, httpapi.CodeNotFound, "There is no pending invitation for this email address.", ""},
		{ratelimit.ErrNotFound, 404, httpapi.CodeNotFound, "The rate limit does not exist.", ""},
		{roster.ErrWorkspaceNotFound, 404, httpapi.CodeNotFound, "The workspace does not exist.", ""},

		{users.ErrDuplicate, 409, httpapi.CodeDuplicate, "A user with this email address already exists.", ""},
		{groups.ErrDuplicateName, 409, httpapi.CodeDuplicate, "A group with this name already exists.", ""},
		{resources.ErrExists, 409, httpapi.CodeDuplicate, "The resource is registered already.", ""},
		{users.ErrSelfChange, 409, httpapi.CodeSelfChange, "You cannot change your own role, deactivate or delete yourself.", ""},
		{users.ErrLastAdmin, 409, httpapi.CodeLastAdmin, "The workspace must keep at least one active admin.", ""},
		{users.ErrUserActive, 409, httpapi.CodeUserActive, "Deactivate the user before deleting them.", ""},
		{users.ErrOwnsResources, 409, httpapi.CodeOwnsResources,
			"The user still owns document sets or agents; transfer them to someone else first.", ""},
		{&users.OwnsResourcesError{UserID: "u1", Email: "ada@example.com", Resources: []access.Resource{agent}}, 409, httpapi.CodeOwnsResources,
			"The user ada@example.com still owns the agent; transfer it to someone else first.", ""},

		{&ratelimit.LimitError{Scope: ratelimit.ScopeGroup, LimitID: "l1", RetryAfter: 192*time.Second + 166*time.Millisecond}, 429, httpapi.CodeRateLimited,
			"Your group's token budget is spent; try again in 193 seconds.", "193"},
		{&ratelimit.LimitError{Scope: ratelimit.ScopeGlobal, LimitID: "l1", RetryAfter: rate.InfDuration}, 429, httpapi.CodeRateLimited,
			"The workspace's token budget is too small for this request; make it smaller.", ""},
		{&invites.ThrottledError{Op: invites.ThrottleSend, Workspace: "default", RetryAfter: 2500 * time.Millisecond}, 429, httpapi.CodeThrottled,
			"Too many invitation emails were sent; try again in 3 seconds.", "3"},
		{&invites.ThrottledError{Op: invites.ThrottleRedeem, Workspace: "default", RetryAfter: time.Millisecond}, 429, httpapi.CodeThrottled,
			"Too many invitation links were tried; try again in 1 second.", "1"},

		{&invites.ThrottledError{Op: invites.ThrottleSend, Workspace: "default", RetryAfter: rate.InfDuration}, 429, httpapi.CodeThrottled,
			"This sends more invitation emails at once than the workspace may; send fewer at a time.", ""},
		{&invites.ThrottledError{Op: invites.ThrottleRedeem, Workspace: "default", RetryAfter: rate.InfDuration}, 429, httpapi.CodeThrottled,
			"Too many invitation links were tried at once.", ""},
		{ratelimit.ErrRateLimited, 429, httpapi.CodeRateLimited, "The token budget is spent; try again later.", ""},

		{fmt.Errorf("app: %w", roster.ErrLimited), 429, httpapi.CodeThrottled, "Too many requests; try again later.", ""},

		{roster.ErrClosed, 503, httpapi.CodeUnavailable, "The service is not available right now.", ""},
		{context.Canceled, 503, httpapi.CodeUnavailable, "The request was canceled or timed out.", ""},
		{context.DeadlineExceeded, 503, httpapi.CodeUnavailable, "The request was canceled or timed out.", ""},
		// An unknown error's detail is generic: it may hold internals.
		{errors.New("pq: password authentication failed"), 500, httpapi.CodeInternal, "Something went wrong.", ""},
		{invites.ErrMailNotConfigured, 500, httpapi.CodeInternal, "Something went wrong.", ""},
	}
}

// Every error the library can answer with is written with its exact status,
// code, detail sentence and Retry-After, bare and wrapped with context as
// the library's callers wrap it.
func TestRefusalDetails(t *testing.T) {
	for _, c := range refusalRows() {
		for _, err := range []error{c.err, fmt.Errorf("handler: %w", c.err)} {
			rec := httptest.NewRecorder()
			httpapi.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), nil, err)
			var e apiError
			decodeBody(t, rec, &e)
			if rec.Code != c.status || e.Code != c.code || e.Detail != c.detail || rec.Header().Get("Retry-After") != c.retryAfter {
				t.Errorf("%v: %d %s %q Retry-After %q, want %d %s %q Retry-After %q", err, rec.Code, e.Code, e.Detail,
					rec.Header().Get("Retry-After"), c.status, c.code, c.detail, c.retryAfter)
			}
		}
	}
}

// requestRow is one refusal produced by a real request through the Handler.
type requestRow struct {
	name         string
	as           string
	method, path string
	body         any
	status       int
	code         string
	detail       string
}

// Real requests produce the refusals of the table with their exact detail,
// naming users by email, groups by name and resources through
// Config.ResourceName, and write nothing.
func TestRefusalRequests(t *testing.T) {
	w := newWorld(t)
	w.must(w.ws.Resources().Register(w.ctx, roster.System, access.Resource{Kind: access.Agent, ID: "a1"},
		resources.Facts{Owner: w.users[deactivated].ID}))
	w.must(w.ws.Resources().Register(w.ctx, roster.System, access.Resource{Kind: access.DocumentSet, ID: "d1"},
		resources.Facts{Owner: w.users[deactivated].ID}))
	role := func(email, r string) map[string]string { return map[string]string{"user_email": email, "new_role": r} }
	setCurator := func(id string) map[string]any { return map[string]any{"user_id": id, "is_curator": true} }
	curatorPath := func(id string) string { return "/manage/admin/user-group/" + id + "/set-curator" }
	const setRole, groupsPath = "/manage/set-user-role", "/manage/admin/user-group"
	tooMany := make([]string, invites.MaxBulk+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("u%d@example.com", i)
	}
	rows := []requestRow{
		{"signed out", signedOut, "GET", "/me", nil, 401, httpapi.CodeNotSignedIn, "You are not signed in."},
		{"role gate", basic, "POST", groupsPath, map[string]any{"name": "x"}, 403, httpapi.CodeForbidden, "Your role does not allow this."},
		{"unknown role", admin, "PATCH", setRole, role("basic@example.com", "owner"), 400, httpapi.CodeInvalidInput, `There is no role "owner".`},
		{"missing field", admin, "PATCH", setRole, map[string]string{"user_email": "basic@example.com"}, 400, httpapi.CodeInvalidInput,
			"The field new_role is required."},
		{"bad email", admin, "PATCH", setRole, role("basic.example.com", "basic"), 400, httpapi.CodeInvalidInput,
			"The field user_email is not a valid email address."},
		{"unknown field", admin, "PATCH", setRole, map[string]string{"user_email": "basic@example.com", "bogus": "x"}, 400,
			httpapi.CodeInvalidInput, "The field bogus is not a known field."},
		{"wrong type", admin, "PATCH", setRole, map[string]any{"user_email": 7}, 400, httpapi.CodeInvalidInput,
			"The field user_email must be a string, not a number."},
		{"bad role filter", admin, "GET", "/manage/users/accepted?roles=owner", nil, 400, httpapi.CodeInvalidInput,
			`The field roles holds "owner", which is not a role.`},
		{"list for an object", admin, "PATCH", setRole, `[1]`, 400, httpapi.CodeInvalidInput,
			"The request body must be an object, not a list."},
		{"boolean for a string", admin, "PATCH", setRole, `{"user_email": true}`, 400, httpapi.CodeInvalidInput,
			"The field user_email must be a string, not a boolean."},
		{"string for a list", admin, "POST", groupsPath, `{"name": "x", "user_ids": "y"}`, 400, httpapi.CodeInvalidInput,
			"The field user_ids must be a list, not a string."},
		{"list for a string", admin, "POST", groupsPath, `{"name": [], "user_ids": []}`, 400, httpapi.CodeInvalidInput,
			"The field name must be a string, not a list."},
		{"truncated body", admin, "PATCH", setRole, `{"user_email": "a`, 400, httpapi.CodeInvalidInput,
			"The request body is malformed JSON: it ends too early."},
		{"two bodies", admin, "PATCH", setRole, `{} {}`, 400, httpapi.CodeInvalidInput, "The request body holds more than one JSON value."},
		{"bad query", admin, "GET", "/manage/users/accepted?page_size=0", nil, 400, httpapi.CodeInvalidInput,
			"The field page_size must be a whole number from 1 to 1000."},
		{"group name too long", admin, "POST", groupsPath, map[string]any{"name": strings.Repeat("n", 101)}, 400, httpapi.CodeInvalidInput,
			"A group name is 1 to 100 characters long."},
		{"curator role", admin, "PATCH", setRole, role("basic@example.com", "curator"), 400, httpapi.CodeCuratorViaGroups,
			"The curator role cannot be set directly; make the user a curator of a group instead."},
		{"not a member", curator, "POST", curatorPath(w.team.ID), setCurator(w.admin2.ID), 400, httpapi.CodeNotAMember,
			"The user is not a member of the group."},
		{"already privileged", curator, "POST", curatorPath(w.team.ID), setCurator(w.users[gcurator].ID), 400, httpapi.CodeAlreadyPrivileged,
			"Admins and global curators already have curator powers."},
		{"not eligible", curator, "POST", curatorPath(w.team.ID), setCurator(w.users[limited].ID), 400, httpapi.CodeNotEligible,
			"Limited users cannot be curators."},
		// A member curator may see the group: it is named.
		{"out of scope", curator, "POST", curatorPath(w.other.ID), setCurator(w.users[basic].ID), 403, httpapi.CodeOutOfScope,
			`You do not curate the group "other"; curators may change only the groups they curate.`},
		{"unknown user", admin, "PATCH", setRole, role("nobody@example.com", "basic"), 404, httpapi.CodeNotFound, "The user does not exist."},
		{"unknown group", admin, "POST", curatorPath("no-such-group"), setCurator(w.users[basic].ID), 404, httpapi.CodeNotFound,
			"The group does not exist."},
		{"unknown limit", admin, "DELETE", "/admin/token-rate-limits/rate-limit/nope", nil, 404, httpapi.CodeNotFound,
			"The rate limit does not exist."},
		{"unknown invite", admin, "PATCH", "/manage/admin/remove-invited-user", map[string]string{"user_email": "nobody@example.com"}, 404,
			httpapi.CodeNotFound, "There is no pending invitation for this email address."},
		{"unknown path", admin, "GET", "/no-such-path", nil, 404, httpapi.CodeNotFound, "There is no such path."},
		{"duplicate group", admin, "POST", groupsPath, map[string]any{"name": "team"}, 409, httpapi.CodeDuplicate,
			`A group named "team" already exists.`},
		{"self change", admin, "PATCH", setRole, role("admin@example.com", "basic"), 409, httpapi.CodeSelfChange,
			"You cannot change your own role, deactivate or delete yourself."},
		{"active user", admin, "DELETE", "/manage/admin/delete-user", map[string]string{"user_email": "basic@example.com"}, 409,
			httpapi.CodeUserActive, "Deactivate the user before deleting them."},
		// The user by email; the agent by the name Config.ResourceName gives,
		// the document set, which it does not name, by kind.
		{"owns resources", admin, "DELETE", "/manage/admin/delete-user", map[string]string{"user_email": "deactivated@example.com"}, 409,
			httpapi.CodeOwnsResources,
			`The user deactivated@example.com still owns the agent "Helper" and the document set; transfer them to someone else first.`},
		{"body too large", admin, "POST", groupsPath, `{"name": "` + strings.Repeat("n", 70<<10) + `"}`, 413, httpapi.CodePayloadTooLarge,
			"The request body is larger than the limit of 65536 bytes."},
		{"empty body", admin, "PATCH", setRole, "", 400, httpapi.CodeInvalidInput, "The request body is empty; a JSON object is required."},
		{"syntax error", admin, "PATCH", setRole, `{"user_email" "a"}`, 400, httpapi.CodeInvalidInput,
			"The request body is malformed JSON at byte 15."},
		{"unreadable body", admin, "PATCH", setRole, iotest.ErrReader(errors.New("connection reset")), 400, httpapi.CodeInvalidInput,
			"The request body is not valid JSON."},
		{"bad bool query", admin, "GET", "/manage/users/accepted?is_active=maybe", nil, 400, httpapi.CodeInvalidInput,
			"The field is_active must be true or false."},
		{"bad time query", admin, "GET", "/admin/token-usage?until=yesterday", nil, 400, httpapi.CodeInvalidInput,
			"The field until must be an RFC 3339 time such as 2026-01-02T15:04:05Z."},
		{"usage ends before it starts", admin, "GET", "/admin/token-usage?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", nil, 400,
			httpapi.CodeInvalidInput, "The end of the usage report's time range is not valid."},
		{"usage of a group and a user", admin, "GET", "/admin/token-usage?group_id=g&user_id=u", nil, 400, httpapi.CodeInvalidInput,
			"The field group_id cannot be given together with user_id."},
		{"limit budget", admin, "POST", "/admin/token-rate-limits/global", map[string]any{"enabled": true, "token_budget": 0, "period_hours": 1}, 400,
			httpapi.CodeInvalidInput, "The field token_budget must be a whole number of thousands of tokens from 1 to 9007199254740."},
		{"limit period", admin, "POST", "/admin/token-rate-limits/global", map[string]any{"enabled": true, "token_budget": 1, "period_hours": 0}, 400,
			httpapi.CodeInvalidInput, "The field period_hours must be a whole number of hours from 1 to 8760."},
		{"members required", admin, "PATCH", groupsPath + "/" + w.team.ID, map[string]any{"cc_pair_ids": []string{}}, 400, httpapi.CodeInvalidInput,
			"The field user_ids is required (the members replace the group's)."},
		{"connectors required", admin, "PATCH", groupsPath + "/" + w.team.ID, map[string]any{"user_ids": []string{}}, 400, httpapi.CodeInvalidInput,
			"The field cc_pair_ids is required (the connectors replace the group's)."},
		{"empty member id", admin, "PATCH", groupsPath + "/" + w.team.ID, map[string]any{"user_ids": []string{""}, "cc_pair_ids": []string{}}, 400,
			httpapi.CodeInvalidInput, "The field user_ids holds an empty id."},
		{"bad connector id", admin, "PATCH", groupsPath + "/" + w.team.ID, map[string]any{"user_ids": []string{}, "cc_pair_ids": []string{"a b"}}, 400,
			httpapi.CodeInvalidInput, `The field cc_pair_ids holds "a b", which is not a valid id.`},
		{"invite none", admin, "PUT", "/manage/admin/users", map[string]any{"emails": []string{}}, 400, httpapi.CodeInvalidInput,
			"Give at least one email address."},
		{"invite too many", admin, "PUT", "/manage/admin/users", map[string]any{"emails": tooMany}, 400, httpapi.CodeInvalidInput,
			fmt.Sprintf("Invite at most %d addresses at a time.", invites.MaxBulk)},
		{"bad address", admin, "PUT", "/manage/admin/users", map[string]any{"emails": []string{"ok@example.com", "a..b@example.com"}}, 400,
			httpapi.CodeInvalidInput, "Address 2 is not a valid email address."},
		{"method", admin, "POST", "/me", nil, 405, httpapi.CodeMethodNotAllowed, "The method POST is not served on this path."},
	}
	for _, c := range rows {
		before := w.dir.Version()
		rec := w.do(c.as, c.method, c.path, c.body)
		var e apiError
		decodeBody(t, rec, &e)
		if rec.Code != c.status || e.Code != c.code || e.Detail != c.detail {
			t.Errorf("%s: %s %s: %d %s %q, want %d %s %q", c.name, c.method, c.path, rec.Code, e.Code, e.Detail, c.status, c.code, c.detail)
		}
		if got := w.dir.Version(); got != before {
			t.Errorf("%s: refused, yet the version moved from %d to %d", c.name, before, got)
		}
	}

	// Every code of the API appears in one of the two tables.
	seen := map[string]bool{}
	for _, r := range refusalRows() {
		seen[r.code] = true
	}
	for _, r := range rows {
		seen[r.code] = true
	}
	for _, code := range allCodes() {
		if !seen[code] {
			t.Errorf("no refusal of the tables answers %s", code)
		}
	}
}

// A real token-budget refusal: Retry-After and the detail give the same
// whole seconds, rounded up.
func TestRefusalRateLimited(t *testing.T) {
	w := newWorld(t)
	if _, err := w.ws.Limits().CreateLimit(w.ctx, roster.System, ratelimit.Limit{Scope: ratelimit.ScopeGlobal,
		Budget: 1000, Period: 24 * time.Hour, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	id := w.users[basic].ID
	if err := w.ws.Limits().Record(w.ctx, id, 1001); err != nil {
		t.Fatal(err)
	}
	err := w.ws.Limits().Check(w.ctx, id, 0)
	rec := httptest.NewRecorder()
	httpapi.WriteError(rec, httptest.NewRequest(http.MethodPost, "/chat", nil), nil, err)
	var e apiError
	decodeBody(t, rec, &e)
	secs, perr := strconv.Atoi(rec.Header().Get("Retry-After"))
	// 1 token of debt at 1,000 a day: 86.4 seconds, so 87.
	if rec.Code != 429 || e.Code != httpapi.CodeRateLimited || perr != nil || secs != 87 {
		t.Fatalf("got %d %+v Retry-After %q, want 429 RATE_LIMITED Retry-After 87", rec.Code, e, rec.Header().Get("Retry-After"))
	}
	if want := "The workspace's token budget is spent; try again in 87 seconds."; e.Detail != want {
		t.Errorf("detail %q, want %q", e.Detail, want)
	}
}
