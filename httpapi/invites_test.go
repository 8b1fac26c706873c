package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/rosterhq/roster/httpapi"
)

type inviteJSON struct {
	Email       string     `json:"email"`
	InvitedAt   time.Time  `json:"invited_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
	EmailStatus string     `json:"email_status"`
}

type bulkInvite struct {
	InvitedCount      int     `json:"invited_count"`
	EmailInviteStatus *string `json:"email_invite_status"`
	Results           []struct {
		Email  string `json:"email"`
		Status string `json:"status"`
	} `json:"results"`
}

func TestBulkInvite(t *testing.T) {
	w := newWorld(t)
	emails := map[string]any{"emails": []string{"New@Example.com", "basic@example.com", "new@example.com", "two@example.com"}}
	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprintf("u%d@example.com", i)
	}
	rows := append(refusals(emails),
		scenario{name: "one bad address fails the call", as: admin, body: map[string]any{"emails": []string{"ok@example.com", "bad"}},
			status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "empty list", as: admin, body: map[string]any{"emails": []string{}}, status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "no list", as: admin, body: map[string]any{}, status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "over 1,000", as: admin, body: map[string]any{"emails": many}, status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "emails not strings", as: admin, body: `{"emails": [1]}`, status: 400, code: httpapi.CodeInvalidInput},
		okRow(admin, emails, func(t *testing.T, rec *httptest.ResponseRecorder) {
			var got bulkInvite
			decodeBody(t, rec, &got)
			var results []string
			for _, r := range got.Results {
				results = append(results, r.Email+" "+r.Status)
			}
			want := []string{"new@example.com invited", "basic@example.com already_user",
				"new@example.com already_invited", "two@example.com invited"}
			if got.InvitedCount != 2 || got.EmailInviteStatus == nil || *got.EmailInviteStatus != "not_configured" ||
				!reflect.DeepEqual(results, want) {
				t.Errorf("bulk invite = %+v %v, want 2 pending, not_configured, %v", got, results, want)
			}
		}),
		scenario{name: "nothing new to send", as: admin, body: map[string]any{"emails": []string{"two@example.com"}}, status: 200,
			check: func(t *testing.T, rec *httptest.ResponseRecorder) {
				var got bulkInvite
				decodeBody(t, rec, &got)
				if got.InvitedCount != 2 || got.EmailInviteStatus != nil {
					t.Errorf("repeat invite = %+v, want 2 pending and a null status", got)
				}
			}},
	)
	w.run(t, http.MethodPut, "/manage/admin/users", rows)

	w.run(t, http.MethodGet, "/manage/users/invited", append(refusals(nil), okRow(admin, nil,
		func(t *testing.T, rec *httptest.ResponseRecorder) {
			var got []inviteJSON
			decodeBody(t, rec, &got)
			if len(got) != 2 || got[0].Email != "new@example.com" || got[0].ExpiresAt == nil ||
				!got[0].ExpiresAt.After(got[0].InvitedAt) || got[0].EmailStatus != "not_configured" {
				t.Errorf("invited = %+v", got)
			}
		})))

	two := map[string]string{"user_email": "two@example.com"}
	w.run(t, http.MethodPost, "/manage/admin/resend-invite", append(refusals(two),
		scenario{name: "not invited", as: admin, body: map[string]string{"user_email": "basic@example.com"}, status: 404, code: httpapi.CodeNotFound},
		scenario{name: "bad email", as: admin, body: map[string]string{"user_email": "two"}, status: 400, code: httpapi.CodeInvalidInput},
		okRow(admin, two, func(t *testing.T, rec *httptest.ResponseRecorder) {
			var got map[string]string
			decodeBody(t, rec, &got)
			if got["email_invite_status"] != "not_configured" {
				t.Errorf("resend = %v", got)
			}
		}),
	))

	w.run(t, http.MethodPatch, "/manage/admin/remove-invited-user", append(refusals(two),
		okRow(admin, two, func(t *testing.T, rec *httptest.ResponseRecorder) {
			var left int
			decodeBody(t, rec, &left)
			if left != 1 {
				t.Errorf("remaining = %d, want 1", left)
			}
		}),
		scenario{name: "removed already", as: admin, body: two, status: 404, code: httpapi.CodeNotFound},
	))
}

type settingsJSON struct {
	InviteMode          string   `json:"invite_mode"`
	AllowedDomains      []string `json:"allowed_domains"`
	SSOBypassesInvites  bool     `json:"sso_bypasses_invites"`
	SCIMBypassesInvites bool     `json:"scim_bypasses_invites"`
}

func wantSettings(want settingsJSON) func(*testing.T, *httptest.ResponseRecorder) {
	return func(t *testing.T, rec *httptest.ResponseRecorder) {
		t.Helper()
		var got settingsJSON
		decodeBody(t, rec, &got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("settings = %+v, want %+v", got, want)
		}
	}
}

func TestSettings(t *testing.T) {
	w := newWorld(t)
	defaults := settingsJSON{InviteMode: "auto", AllowedDomains: []string{}, SCIMBypassesInvites: true}
	w.run(t, http.MethodGet, "/manage/admin/settings", append(refusals(nil), okRow(admin, nil, wantSettings(defaults))))

	put := settingsJSON{InviteMode: "invite_only", AllowedDomains: []string{"Example.com"}, SSOBypassesInvites: true}
	stored := put
	stored.AllowedDomains = []string{"example.com"}
	w.run(t, http.MethodPut, "/manage/admin/settings", append(refusals(put),
		scenario{name: "unknown mode", as: admin, body: map[string]any{"invite_mode": "closed", "allowed_domains": []string{},
			"sso_bypasses_invites": false, "scim_bypasses_invites": true}, status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "bad domain", as: admin, body: map[string]any{"invite_mode": "open", "allowed_domains": []string{"*.example.com"},
			"sso_bypasses_invites": false, "scim_bypasses_invites": true}, status: 400, code: httpapi.CodeInvalidInput},
		scenario{name: "missing field", as: admin, body: map[string]any{"invite_mode": "open", "allowed_domains": []string{}},
			status: 400, code: httpapi.CodeInvalidInput},
		okRow(admin, put, wantSettings(stored)),
	))
	w.run(t, http.MethodGet, "/manage/admin/settings", []scenario{okRow(admin, nil, wantSettings(stored))})
}

func TestAudit(t *testing.T) {
	w := newWorld(t)
	type event struct {
		ID      int64          `json:"id"`
		Version int64          `json:"version"`
		Actor   string         `json:"actor"`
		Action  string         `json:"action"`
		Target  string         `json:"target"`
		Details map[string]any `json:"details"`
		At      time.Time      `json:"at"`
	}
	type page struct {
		Items      []event `json:"items"`
		TotalItems int64   `json:"total_items"`
	}
	if rec := w.do(admin, http.MethodPatch, "/manage/set-user-role",
		map[string]string{"user_email": "basic@example.com", "new_role": "limited"}); rec.Code != 200 {
		t.Fatalf("set role: %d %s", rec.Code, rec.Body)
	}
	path := "/manage/admin/audit?action=user.set_role&actor=u:" + w.users[admin].ID
	w.run(t, http.MethodGet, path, append(refusals(nil),
		okRow(admin, nil, func(t *testing.T, rec *httptest.ResponseRecorder) {
			var got page
			decodeBody(t, rec, &got)
			if got.TotalItems != 1 || len(got.Items) != 1 || got.Items[0].Target != w.users[basic].ID ||
				got.Items[0].Details["to"] != "limited" {
				t.Errorf("audit = %+v", got)
			}
		}),
		scenario{name: "bad page", as: admin, path: "/manage/admin/audit?page_size=-1", status: 400, code: httpapi.CodeInvalidInput},
	))
}
