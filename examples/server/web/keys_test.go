package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The SCIM page lists each token by name, prefix, creation and last use,
// offers revocation behind a confirmation, and shows the SCIM URL; the API
// keys page lists each key with its role and offers to change and delete it.
// Neither page holds a raw value: the lists have none.
func TestKeyPages(t *testing.T) {
	api := newFake(t, "admin")
	used := time.Date(2026, 3, 9, 8, 30, 0, 0, time.UTC)
	api.answers["/admin/enterprise-settings/scim/token"] = []scimTokenJSON{
		{ID: "t1", Name: "Okta", Prefix: "roster_scim_Ab", CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
		{ID: "t2", Name: "Entra", Prefix: "roster_scim_Cd", CreatedAt: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), LastUsedAt: &used},
	}
	api.answers["/admin/api-key"] = []apiKeyJSON{
		{ID: "k1", Name: "Nightly export", Role: "limited", Prefix: "roster_key_Ef", CreatedAt: time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC),
			UserID: "s1", UserEmail: "k1@api-key.invalid"},
	}
	api.answers["/manage/users"] = map[string]any{"accepted": []userJSON{
		{ID: "u1", Email: "ada@example.com", Role: "admin", IsActive: true},
		{ID: "u2", Email: "gone@example.com", Role: "basic", IsActive: false},
	}}
	rec := get(t, api, "/ui/settings/scim", "s")
	body := rec.Body.String()
	// Without Options.SCIMURL, the URL is the browser's host's.
	for _, w := range []string{"Okta", "roster_scim_Ab…", "2026-03-01 12:00 UTC", "Never", "2026-03-09 08:30 UTC",
		`data-api="DELETE /admin/enterprise-settings/scim/token/t1"`, "Revoke Okta? Your identity provider's requests with it are refused at once.",
		`data-secret="raw_token"`, `value="http://example.com/scim/v2"`, `aria-current="page">SCIM<`} {
		if !strings.Contains(body, w) {
			t.Errorf("SCIM page lacks %q", w)
		}
	}
	rec = get(t, api, "/ui/settings/api-keys", "s")
	body = rec.Body.String()
	for _, w := range []string{`value="Nightly export"`, `title="2026-03-03 12:00 UTC">2026-03-03<`, `<option value="limited" selected>Limited</option>`, "roster_key_Ef…",
		`data-api="PATCH /admin/api-key/k1"`, `data-api="DELETE /admin/api-key/k1"`, "Delete Nightly export? Programs using it are refused at once.",
		`data-secret="raw_key"`, `<option value="basic" selected>Basic</option>`,
		`data-api="POST /manage/admin/transfer-ownership"`, `name="from_user_email" value="k1@api-key.invalid"`,
		`<option value="ada@example.com" selected>ada@example.com</option>`} {
		if !strings.Contains(body, w) {
			t.Errorf("API keys page lacks %q", w)
		}
	}
	if strings.Contains(body, "global_curator") || strings.Contains(body, `value="curator"`) {
		t.Error("the API keys page offers a role a key may not have")
	}
	if strings.Contains(body, "gone@example.com") {
		t.Error("the API keys page offers to hand a key's resources to a deactivated user")
	}
}

// A non-admin gets the API's refusal, not the page.
func TestKeyPagesRefuseNonAdmins(t *testing.T) {
	api := newFake(t, "basic")
	refusal := &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Detail: "Your role does not allow this."}
	api.answers["/admin/enterprise-settings/scim/token"] = refusal
	api.answers["/admin/api-key"] = refusal
	for _, p := range []string{"/ui/settings/scim", "/ui/settings/api-keys"} {
		rec := get(t, api, p, "s")
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Your role does not allow this.") ||
			strings.Contains(rec.Body.String(), "data-secret") {
			t.Errorf("GET %s as basic: %d", p, rec.Code)
		}
	}
}

// With Options.SCIMURL (the server's public URL), the page shows it, not the
// host the request came to (a proxy's, say).
func TestSCIMPageShowsThePublicURL(t *testing.T) {
	api := newFake(t, "admin")
	api.answers["/admin/enterprise-settings/scim/token"] = []scimTokenJSON{}
	h := New(Options{API: api, SCIMURL: "https://roster.example.org/scim/v2"})
	r := httptest.NewRequest(http.MethodGet, "/ui/settings/scim", nil)
	r.Header.Set("Cookie", "roster_session=s")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if body := rec.Body.String(); rec.Code != http.StatusOK || !strings.Contains(body, `value="https://roster.example.org/scim/v2"`) ||
		!strings.Contains(body, "No SCIM token yet.") {
		t.Errorf("SCIM page: %d %s", rec.Code, body)
	}
}
