package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// trailAPI serves GET /manage/admin/audit over events (newest first) with
// the API's paging and its action filter, counting the reads.
type trailAPI struct {
	events []auditJSON
	reads  int
}

func (f *trailAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.reads++
	q := r.URL.Query()
	var match []auditJSON
	for _, e := range f.events {
		if (q.Get("action") == "" || q.Get("action") == e.Action) && (q.Get("target") == "" || q.Get("target") == e.Target) {
			match = append(match, e)
		}
	}
	size, _ := strconv.Atoi(q.Get("page_size"))
	num, _ := strconv.Atoi(q.Get("page_num"))
	lo, hi := min(num*size, len(match)), min(num*size+size, len(match))
	json.NewEncoder(w).Encode(itemsJSON[auditJSON]{Items: match[lo:hi], TotalItems: int64(len(match))})
}

// TestAuditWindow checks the date range against reading the whole trail:
// every page of every range holds exactly the events of that range, in
// order, and the count is theirs.
func TestAuditWindow(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f := &trailAPI{}
	for i := 130; i >= 0; i-- { // newest first; several events an hour, some days empty
		at := start.Add(time.Duration(i) * 97 * time.Minute)
		action := "group.create"
		if i%3 == 0 {
			action = "user.register"
		}
		f.events = append(f.events, auditJSON{ID: int64(i), Action: action, At: at})
	}
	a := api{h: f, r: httptest.NewRequest(http.MethodGet, "/ui/audit", nil)}
	days := []time.Time{{}, start.AddDate(0, 0, -1), start, start.AddDate(0, 0, 2), start.AddDate(0, 0, 5), start.AddDate(0, 0, 9), start.AddDate(0, 0, 30)}
	for _, action := range []string{"", "user.register"} {
		q := url.Values{}
		if action != "" {
			q.Set("action", action)
		}
		for _, from := range days {
			for _, to := range days {
				if !from.IsZero() && !to.IsZero() && !from.Before(to) {
					continue
				}
				var want []int64
				for _, e := range f.events {
					if (action == "" || e.Action == action) && (from.IsZero() || !e.At.Before(from)) && (to.IsZero() || e.At.Before(to)) {
						want = append(want, e.ID)
					}
				}
				var got []int64
				for page := 0; ; page++ {
					f.reads = 0
					events, total, err := auditWindow(a, q, from, to, page)
					if err != nil {
						t.Fatal(err)
					}
					if total != int64(len(want)) {
						t.Fatalf("action %q, %v–%v: total %d, want %d", action, from, to, total, len(want))
					}
					if f.reads > 20 {
						t.Errorf("action %q, %v–%v: %d reads for one page of %d events", action, from, to, f.reads, len(f.events))
					}
					if len(events) == 0 {
						break
					}
					if len(events) > auditPageSize {
						t.Fatalf("a page of %d events", len(events))
					}
					for _, e := range events {
						got = append(got, e.ID)
					}
				}
				if strconvs(got) != strconvs(want) {
					t.Errorf("action %q, %v–%v: got %v, want %v", action, from, to, got, want)
				}
			}
		}
	}
}

func strconvs(xs []int64) string {
	var b strings.Builder
	for _, x := range xs {
		b.WriteString(strconv.FormatInt(x, 10) + " ")
	}
	return b.String()
}

func TestDateRange(t *testing.T) {
	from, to, err := dateRange("2026-03-01", "2026-03-01")
	if err != nil || !from.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) || !to.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("one day: %v %v %v", from, to, err)
	}
	if from, to, err := dateRange("", ""); err != nil || !from.IsZero() || !to.IsZero() {
		t.Errorf("no range: %v %v %v", from, to, err)
	}
	for _, c := range []struct{ from, to, detail string }{
		{"yesterday", "", `The from date "yesterday" is not a date like 2026-01-31.`},
		{"", "2026-13-01", `The to date "2026-13-01" is not a date like 2026-01-31.`},
		{"2026-03-02", "2026-03-01", "The from date must not be after the to date."},
	} {
		_, _, err := dateRange(c.from, c.to)
		ae, ok := err.(*apiError)
		if !ok || ae.Status != http.StatusBadRequest || ae.Detail != c.detail {
			t.Errorf("dateRange(%q, %q) = %v, want 400 %q", c.from, c.to, err, c.detail)
		}
	}
}

// TestAuditPageRefusesABadDate shows the page's own refusal, not a 500.
func TestAuditPageRefusesABadDate(t *testing.T) {
	f := newFake(t, "admin")
	rec := get(t, f, "/ui/audit?from=31.01.2026", "s")
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "is not a date like 2026-01-31.") {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
}

func TestAuditSentence(t *testing.T) {
	n := namer{"u1": "ada@example.com", "u:u1": "ada@example.com", "u2": "bob@example.com", "g1": "group «Sales»",
		"connector:c1": "connector «Wiki»"}
	details := func(js string) map[string]any {
		var d map[string]any
		if err := json.Unmarshal([]byte(js), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct{ action, details, want string }{
		{"user.set_role", `{"from":"basic","to":"global_curator"}`, "From Basic to Global curator."},
		{"user.register", `{"source":"password","role":"admin","kind":"first"}`, "Joined as Admin (password)."},
		{"group.add_members", `{"user_ids":["u1","u9"]}`, "ada@example.com, u9."},
		{"group.set_curator", `{"user_id":"u2","is_curator":true}`, "bob@example.com is now a curator."},
		{"group.set_curator", `{"user_id":"u2","is_curator":false}`, "bob@example.com is no longer a curator."},
		{"group.rename", `{"from":"A","to":"B"}`, "From «A» to «B»."},
		{"resource.attach", `{"group_id":"g1"}`, "To group «Sales»."},
		{"resource.register", `{"owner":"u1","public":false,"groups":["g1"],"shared_with":["u2"]}`,
			"Owner ada@example.com; private; groups group «Sales»; shared with bob@example.com."},
		{"resource.register", `{"owner":"","public":true,"groups":[],"connectors":["connector:c1"]}`, "Public; connectors connector «Wiki»."},
		{"rate_limit.create", `{"scope":"group","group_id":"g1","budget":50000,"period_seconds":3600,"enabled":false}`,
			"50k tokens per 1 h for group «Sales», disabled."},
		{"rate_limit.update", `{"scope":"global","group_id":"","budget":1200000,"period_seconds":86400,"enabled":true}`,
			"1.2M tokens per 24 h (global)."},
		{"rate_limit.delete", `{"group_id":"g1","reason":"group deleted"}`, "The limit of group «Sales» went with its group."},
		{"user.transfer_ownership", `{"to":"u2","resources":3}`, "3 resources moved to bob@example.com."},
		{"invite.create", `{"token_expires_at":"2026-03-08T10:00:00Z"}`, "The link expires Mar 8, 2026, 10:00 UTC."},
		{"invite.settings", `{"mode":"invite_only","allowed_domains":["example.com"]}`, "Sign-up: invite only; only example.com."},
		{"user.deactivate", `null`, ""},
		{"future.thing", `{"b":1,"a_b":"x"}`, "a b: x; b: 1."},
	} {
		got := auditSentence(auditJSON{Action: c.action, Details: details(c.details)}, n)
		if got != c.want {
			t.Errorf("%s %s: got %q, want %q", c.action, c.details, got, c.want)
		}
	}
	if actionName("user.set_role") != "Role changed" || actionName("future.thing") != "future.thing" {
		t.Error("action names")
	}
	for _, a := range auditActions {
		if _, ok := actionNames[a]; !ok {
			t.Errorf("no name for %s", a)
		}
	}
}

// A deleted user is named by the domain their deletion recorded, a deleted
// group by its last name; limits by their scope; the workspace as such.
func TestAuditNamesWhatIsGone(t *testing.T) {
	f := &trailAPI{events: []auditJSON{
		{Action: "group.delete", Target: "g9"},
		{Action: "group.rename", Target: "g9", Details: map[string]any{"from": "Old", "to": "Newer"}},
		{Action: "group.create", Target: "g9", Details: map[string]any{"name": "Old"}},
		{Action: "group.delete", Target: "g8"},
		{Action: "group.create", Target: "g8", Details: map[string]any{"name": "Plain"}},
		{Action: "user.delete", Target: "u9", Details: map[string]any{"email_domain": "example.org"}},
		{Action: "resource.register", Actor: "u:u9", Target: "agent:a1", Details: map[string]any{"owner": "u9", "public": false}},
		{Action: "user.deactivate", Target: "u7"}, // no deletion recorded
	}}
	a := api{h: f, r: httptest.NewRequest(http.MethodGet, "/ui/audit", nil)}
	n := namer{"u1": "ada@example.com", "g1": "group «Sales»"}
	if err := n.gone(a, f.events); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"g9": "deleted group «Newer»", "g8": "deleted group «Plain»",
		"u9": "a deleted user at example.org", "u:u9": "a deleted user at example.org", "u7": "a deleted user", "u1": "ada@example.com"} {
		if got := n.of(id); got != want {
			t.Errorf("%s named %q, want %q", id, got, want)
		}
	}
	if got := auditSentence(f.events[6], n); got != "Owner a deleted user at example.org; private." {
		t.Errorf("sentence %q", got)
	}
	for _, c := range []struct {
		e    auditJSON
		want string
	}{
		{auditJSON{Action: "rate_limit.create", Target: "l1", Details: map[string]any{"scope": "global"}}, "global limit"},
		{auditJSON{Action: "rate_limit.update", Target: "l2", Details: map[string]any{"scope": "user"}}, "user limit"},
		{auditJSON{Action: "rate_limit.delete", Target: "l3", Details: map[string]any{"scope": "group", "group_id": "g1"}}, "limit of group «Sales»"},
		{auditJSON{Action: "invite.settings", Target: "default"}, "the workspace"},
		{auditJSON{Action: "group.rename", Target: "g1"}, "group «Sales»"},
	} {
		if got := n.target(c.e); got != c.want {
			t.Errorf("target of %s: %q, want %q", c.e.Action, got, c.want)
		}
	}
}

// SCIM tokens and API keys are named on the audit trail: live ones by their
// name (an API key's service user too, by id and as actor; a SCIM token as
// actor), deleted ones by the name their creation recorded; their events
// have sentences.
func TestAuditNamesTokens(t *testing.T) {
	fake := newFake(t, "admin")
	fake.answers["/admin/enterprise-settings/scim/token"] = []scimTokenJSON{{ID: "t1", Name: "Okta"}}
	fake.answers["/admin/api-key"] = []apiKeyJSON{{ID: "k1", Name: "Nightly export", UserID: "s1", Role: "basic"}}
	r := httptest.NewRequest(http.MethodGet, "/ui/audit", nil)
	r.Header.Set("Cookie", "roster_session=s")
	n := namer{}
	if err := n.tokens(api{h: fake, r: r}); err != nil {
		t.Fatal(err)
	}
	f := &trailAPI{events: []auditJSON{
		{Action: "token.revoke", Target: "t9", Details: map[string]any{"kind": "scim", "name": "Entra"}},
		{Action: "scim.user.delete", Actor: "scim:t9", Target: "u5"},
		{Action: "token.create", Target: "t9", Details: map[string]any{"kind": "scim", "name": "Entra"}},
		{Action: "user.delete", Target: "s9", Details: map[string]any{"kind": "service"}},
		{Action: "token.create", Target: "k9", Details: map[string]any{"kind": "api_key", "name": "Old bot", "user_id": "s9"}},
		{Action: "token.revoke", Target: "k8", Details: map[string]any{"kind": "api_key", "name": "Gone"}}, // created before the trail
	}}
	if err := n.gone(api{h: f, r: r}, f.events); err != nil {
		t.Fatal(err)
	}
	if got := actionName("scim.group.members_sync"); got != "SCIM: group members sync" {
		t.Errorf("an unknown SCIM action is named %q", got)
	}
	for id, want := range map[string]string{
		"t1": "SCIM token «Okta»", "scim:t1": "SCIM token «Okta»",
		"k1": "API key «Nightly export»", "s1": "API key «Nightly export»", "u:s1": "API key «Nightly export»",
		"t9": "deleted SCIM token «Entra»", "scim:t9": "deleted SCIM token «Entra»", "s9": "a deleted API key",
		"k9": "deleted API key «Old bot»", "k8": "a deleted token",
	} {
		if got := n.of(id); got != want {
			t.Errorf("%s named %q, want %q", id, got, want)
		}
	}
	for _, c := range []struct {
		action  string
		details map[string]any
		want    string
	}{
		{"token.create", map[string]any{"kind": "scim", "name": "Okta"}, "SCIM token «Okta»."},
		{"token.revoke", map[string]any{"kind": "api_key", "name": "CI"}, "API key «CI»."},
		{"token.rename", map[string]any{"kind": "api_key", "from": "CI", "to": "Deploy"}, "API key, from «CI» to «Deploy»."},
		{"user.email", map[string]any{"from_domain": "a.example", "to_domain": "b.example", "by": "scim"},
			"From an address at a.example to one at b.example, by SCIM."},
		{"scim.user.delete", nil, ""},
		{"user.delete", map[string]any{"kind": "service"}, "The service user of an API key."},
		{"user.register", map[string]any{"source": "service", "role": "admin", "kind": "service"}, "Joined as Admin (API key)."},
		{"user.register", map[string]any{"source": "scim", "role": "basic"}, "Joined as Basic (SCIM)."},
	} {
		if got := auditSentence(auditJSON{Action: c.action, Details: c.details}, n); got != c.want {
			t.Errorf("%s: %q, want %q", c.action, got, c.want)
		}
	}
}
