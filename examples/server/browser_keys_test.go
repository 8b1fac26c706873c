package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The browser test of issue 12's pages: Settings → SCIM and Settings → API
// keys, driven as an admin, with the credentials they make used the way an
// identity provider and a program use them (plain HTTP requests with a bearer
// token, no cookies).

// bearerGet sends GET path to the server with "Authorization: Bearer tok"
// and nothing else, as curl would, and returns the status and body.
func (env *brEnv) bearerGet(path, tok string) (int, string) {
	env.t.Helper()
	return env.bearerDo(http.MethodGet, path, tok, "")
}

// bearerDo sends a request with a bearer token and, if body is not empty,
// that body as application/scim+json under /scim/, else as JSON.
func (env *brEnv) bearerDo(method, path, tok, body string) (int, string) {
	env.t.Helper()
	req, err := http.NewRequest(method, env.base+path, strings.NewReader(body))
	if err != nil {
		env.t.Fatal(err)
	}
	if body != "" && strings.HasPrefix(path, "/scim/") {
		req.Header.Set("Content-Type", "application/scim+json")
	} else if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		env.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		env.t.Fatal(err)
	}
	return resp.StatusCode, string(out)
}

// value is the value of the input sel, "" if none.
func (b *brTab) value(sel string) string {
	b.env.t.Helper()
	return brEval[string](b, `(() => { const e = document.querySelector(`+q(sel)+`); return e ? e.value : ''; })()`)
}

// html is the page's markup as the server sent it, fetched again (the raw
// value must not be in it).
func (b *brTab) html() string {
	b.env.t.Helper()
	return brEval[string](b, `document.documentElement.outerHTML`)
}

// TestBrowserKeys: an admin creates an API key and a SCIM token on the
// Settings pages and sees each raw value once (gone after a reload); the key
// answers on the admin API as its service user until its role is lowered
// (403) and it is deleted (401); the SCIM token reads /scim/v2 until it is
// revoked (401); service users are not listed among people; a basic user
// opens neither page.
func TestBrowserKeys(t *testing.T) {
	env := startBrowserEnv(t)
	admin := env.tab("admin")
	signUpFirstAdmin(t, env, admin)
	bob := inviteAndJoin(t, env, admin, "bob@example.com", false)

	raw := createAPIKey(t, admin)
	useAPIKey(t, env, admin, raw)
	tok := createSCIMToken(t, admin)
	useSCIMToken(t, env, admin, tok)
	basicRefused(t, bob)
}

// createAPIKey creates the admin key "Nightly export" on the API keys page
// after a refused one without a name, and returns its raw value, shown once.
func createAPIKey(t *testing.T, admin *brTab) string {
	admin.open("/ui/settings")
	admin.contains("nav.side", "SCIM", "API keys")
	admin.open("/ui/settings/api-keys")
	admin.contains("h1", "API keys")
	admin.contains("#api-keys-empty", "No API key yet.")
	admin.refused("#create-api-key button[type=submit]", "name")
	if admin.has("#new-secret") || admin.has("#api-keys") {
		t.Fatal("a refused creation showed a key")
	}
	admin.set("#api-key-name", "Nightly export")
	admin.choose("#api-key-role", "Admin")
	if got := admin.ok("#create-api-key button[type=submit]"); got != "The API key is created." {
		t.Fatalf("creating the key reported %q", got)
	}
	raw := admin.value("#new-secret-value")
	admin.contains("#new-secret", "Your new API key", "Copy it now and keep it somewhere safe: it is shown only this once.")
	if !strings.HasPrefix(raw, "roster_key_") || len(raw) < 40 {
		t.Fatalf("the raw key shown is %q", raw)
	}
	admin.contains(`#api-keys tr[data-name="Nightly export"]`, raw[:12], "Never")
	if got := admin.value(`#api-keys tr[data-name="Nightly export"] select[name=role]`); got != "admin" {
		t.Fatalf("the key's role is %q, want admin", got)
	}
	admin.do("copy", chromedp.Click(chromedp.CSS("#copy-secret")))
	// The copy is asynchronous: wait up to five seconds for its answer.
	got := brEval[string](admin, `new Promise((done) => { const b = document.getElementById('copy-secret'), t0 = Date.now();
		(function check() { if (b.textContent !== 'Copy' || Date.now() - t0 > 5000) done(b.textContent); else setTimeout(check, 50); })(); })`)
	if got != "Copied" && got != "Press Ctrl+C to copy" {
		t.Errorf("the copy button says %q after a click", got)
	}
	admin.shot("api key shown once")
	admin.open("/ui/settings/api-keys")
	if admin.has("#new-secret") || strings.Contains(admin.html(), raw) {
		t.Fatal("the raw key is still on the page after a reload")
	}
	admin.set("#api-key-name", "Nightly export")
	admin.refused("#create-api-key button[type=submit]", "Nightly export")
	return raw
}

// useAPIKey uses the admin key as a program would, lowers its role to basic
// on the page (its next admin request is 403), and deletes it there after
// the confirmation (its next request is 401).
func useAPIKey(t *testing.T, env *brEnv, admin *brTab, raw string) {
	st, body := env.bearerGet("/manage/users/accepted", raw)
	if st != http.StatusOK {
		t.Fatalf("GET /manage/users/accepted with the admin key: %d %s", st, body)
	}
	var people struct {
		Items []struct {
			Email string `json:"email"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &people); err != nil || len(people.Items) != 2 {
		t.Fatalf("the users list as the key holds %+v (%v), want the two people", people, err)
	}
	st, body = env.bearerGet("/me", raw)
	var me struct {
		Email, Role string
	}
	if err := json.Unmarshal([]byte(body), &me); st != http.StatusOK || err != nil || me.Role != "admin" {
		t.Fatalf("GET /me with the key: %d %s", st, body)
	}
	admin.open("/ui/users")
	admin.lacks("#users-table", me.Email)

	admin.open("/ui/settings/api-keys")
	row := `#api-keys tr[data-name="Nightly export"]`
	admin.lacks(row+" .last-used", "Never")
	admin.choose(row+" select[name=role]", "Basic")
	admin.ok(row + " button.save")
	if st, body := env.bearerGet("/manage/users/accepted", raw); st != http.StatusForbidden {
		t.Fatalf("the key lowered to basic on an admin route: %d %s, want 403", st, body)
	}
	if st, body := env.bearerGet("/me", raw); st != http.StatusOK {
		t.Fatalf("the basic key on /me: %d %s", st, body)
	}
	// The key makes an agent it then owns: the key is not deleted until
	// the agent is handed over, which the page offers.
	if st, body := env.bearerDo(http.MethodPost, "/persona", raw, `{"name": "Export helper"}`); st != http.StatusCreated {
		t.Fatalf("POST /persona with the basic key: %d %s", st, body)
	}
	admin.open("/ui/settings/api-keys")
	admin.refusedConfirmed(row+" button.delete", "Delete Nightly export?",
		`The API key "Nightly export" still owns the agent "Export helper"; transfer it to someone else first.`)
	admin.expand(row + " details.handover")
	admin.choose(row+" details.handover select[name=to_user_email]", "admin@example.com")
	if got := admin.ok(row + " button.transfer"); got != "1 resource(s) transferred." {
		t.Fatalf("handing the agent over reported %q", got)
	}
	admin.okConfirmed(row+" button.delete", "Delete Nightly export? Programs using it are refused at once.")
	admin.contains("#api-keys-empty", "No API key yet.")
	admin.open("/ui/agents")
	admin.contains("#content", "Export helper")
	if st, body := env.bearerGet("/me", raw); st != http.StatusUnauthorized || !strings.Contains(body, "The bearer token is not a valid API key.") {
		t.Fatalf("the deleted key: %d %s, want 401", st, body)
	}
}

// createSCIMToken creates the SCIM token "Okta" and returns its raw value,
// shown once.
func createSCIMToken(t *testing.T, admin *brTab) string {
	admin.open("/ui/settings/scim")
	admin.contains("h1", "SCIM")
	admin.contains("#scim-intro", "Set up SCIM to sync directly from your identity provider")
	if got := admin.value("#scim-url"); got != admin.env.base+"/scim/v2" {
		t.Fatalf("the SCIM URL shown is %q", got)
	}
	admin.contains("#scim-tokens-empty", "No SCIM token yet.")
	admin.refused("#create-scim-token button[type=submit]", "name")
	admin.set("#scim-token-name", "Okta")
	if got := admin.ok("#create-scim-token button[type=submit]"); got != "The SCIM token is created." {
		t.Fatalf("creating the token reported %q", got)
	}
	tok := admin.value("#new-secret-value")
	admin.contains("#new-secret", "Your new SCIM token", "it is shown only this once")
	if !strings.HasPrefix(tok, "roster_scim_") {
		t.Fatalf("the raw token shown is %q", tok)
	}
	admin.contains(`#scim-tokens tr[data-name="Okta"]`, tok[:12], "Never")
	admin.shot("scim token shown once")
	admin.open("/ui/settings/scim")
	if admin.has("#new-secret") || strings.Contains(admin.html(), tok) {
		t.Fatal("the raw token is still on the page after a reload")
	}
	return tok
}

// useSCIMToken provisions a user with the token as an identity provider
// would (the admin then finds them on the users page) and reads it back; the
// token is no API key (401 on the admin API); revoked on the page after the
// confirmation, it is refused (401).
func useSCIMToken(t *testing.T, env *brEnv, admin *brTab, tok string) {
	user := `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "dana@example.com",
		"name": {"givenName": "Dana", "familyName": "Okta"}, "active": true}`
	if st, body := env.bearerDo(http.MethodPost, "/scim/v2/Users", tok, user); st != http.StatusCreated {
		t.Fatalf("POST /scim/v2/Users with the token: %d %s", st, body)
	}
	if st, body := env.bearerGet("/scim/v2/Users", tok); st != http.StatusOK || !strings.Contains(body, "dana@example.com") {
		t.Fatalf("GET /scim/v2/Users with the token: %d %s", st, body)
	}
	admin.open("/ui/users")
	admin.contains("#users-table", "dana@example.com")
	if st, body := env.bearerGet("/me", tok); st != http.StatusUnauthorized {
		t.Fatalf("the SCIM token on the admin API: %d %s, want 401", st, body)
	}
	admin.open("/ui/settings/scim")
	admin.lacks(`#scim-tokens tr[data-name="Okta"] .last-used`, "Never")
	admin.okConfirmed(`#scim-tokens tr[data-name="Okta"] button.revoke`, "Revoke Okta? Your identity provider's requests with it are refused at once.")
	admin.contains("#scim-tokens-empty", "No SCIM token yet.")
	if st, body := env.bearerGet("/scim/v2/Users", tok); st != http.StatusUnauthorized {
		t.Fatalf("the revoked token: %d %s, want 401", st, body)
	}
	// The audit trail names the token and the key, gone as they are, by
	// the names the admin gave them.
	admin.open("/ui/audit")
	admin.contains("#audit-table", "deleted SCIM token «Okta»", "dana@example.com", "deleted API key «Nightly export»", "Token deleted")
}

// basicRefused: a basic user finds neither page in the navigation, and
// opening them shows the refusal, no form.
func basicRefused(t *testing.T, bob *brTab) {
	bob.open("/ui/")
	bob.lacks("nav.side", "SCIM", "API keys")
	for _, p := range []string{"/ui/settings/scim", "/ui/settings/api-keys"} {
		bob.open(p)
		bob.contains("#page-error", "Your role does not allow this.")
		if bob.has("#create-scim-token") || bob.has("#create-api-key") {
			t.Fatalf("%s offers a basic user its form", p)
		}
	}
}
