package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The scenarios of the pages' second half (issue 11): the first run, the
// development mailer, confirmations before destructive actions, actions
// that would be refused not offered, and a readable audit trail. TestBrowser
// calls them in its walk.

// confirm clicks the button sel of a form that asks first and checks that
// it asks question (and has sent nothing: the page reports nothing); then
// it clicks Yes and returns what the page reports.
func (b *brTab) confirm(sel, question string) (kind, text string) {
	b.env.t.Helper()
	brEval[bool](b, `(() => { const f = document.getElementById('flash'); if (f) { f.dataset.kind = ''; f.hidden = true; } return true; })()`)
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
	got := b.asked(sel)
	if !strings.Contains(got, question) {
		b.env.t.Fatalf("%s: %s on %s asked %q, want %q", b.name, sel, b.path(), got, question)
	}
	if k := brEval[string](b, `document.getElementById('flash').dataset.kind || ''`); k == "ok" || k == "error" || k == "busy" {
		b.env.t.Fatalf("%s: %s on %s sent the form before it was confirmed (%s)", b.name, sel, b.path(), k)
	}
	b.shot("asks " + sel)
	brEval[bool](b, `(() => { document.querySelector(`+q(sel)+`).closest('form').querySelector('.confirm-yes').id = 'br-confirm-yes'; return true; })()`)
	return b.click("#br-confirm-yes")
}

// asked is the question the form of button sel shows, "" if none.
// waitFor waits until the JavaScript condition cond holds in the tab, such
// as the page a form submits to having loaded. A click that submits a form
// returns before the next page is there, and reading it at once read the old
// page or none at all (under load, CI read an empty #audit-count). An error
// while the page is replaced is waited through, not failed.
func (b *brTab) waitFor(what, cond string) {
	b.env.t.Helper()
	deadline := time.Now().Add(brStep)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.env.t.Fatalf("%s: waiting for %s: condition %s never held (last error: %v)", b.name, what, cond, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *brTab) asked(sel string) string {
	b.env.t.Helper()
	return brEval[string](b, `(() => { const c = document.querySelector(`+q(sel)+`).closest('form').querySelector('.confirm');
		return c ? c.textContent : ''; })()`)
}

// okConfirmed confirms sel (see confirm) and fails unless it succeeds.
func (b *brTab) okConfirmed(sel, question string) string {
	b.env.t.Helper()
	kind, text := b.confirm(sel, question)
	if kind != "ok" {
		b.env.t.Fatalf("%s: %s on %s: got %s %q, want success", b.name, sel, b.path(), kind, text)
	}
	return text
}

// refusedConfirmed confirms sel and fails unless the page shows a refusal
// containing want.
func (b *brTab) refusedConfirmed(sel, question, want string) {
	b.env.t.Helper()
	kind, text := b.confirm(sel, question)
	if kind != "error" || !strings.Contains(text, want) {
		b.env.t.Fatalf("%s: %s on %s: got %s %q, want a refusal with %q", b.name, sel, b.path(), kind, text, want)
	}
}

// firstRun opens a fresh server: every way in leads to creating the admin
// account, not to a sign-in no one can pass.
func firstRun(t *testing.T, admin *brTab) {
	admin.open("/")
	if p := admin.path(); !strings.HasPrefix(p, "/ui/signin") {
		t.Fatalf("a fresh server opened %s, want the sign-in address", p)
	}
	admin.contains("h1", "Create the admin account")
	admin.contains("#first-account", "the account you create now is the workspace's admin")
	admin.contains("#signup button[type=submit]", "Create the admin account")
	admin.open("/ui/signup")
	admin.contains("h1", "Create the admin account")
}

// afterFirstRun: once the admin exists, the sign-in page is a sign-in page
// again and sign-up no longer speaks of the admin account.
func afterFirstRun(t *testing.T, env *brEnv) {
	other := env.tab("visitor")
	other.open("/ui/signin")
	other.contains("h1", "Sign in")
	if other.has("#first-account") {
		t.Fatal("the sign-in page still offers the admin account once one exists")
	}
	other.open("/ui/signup")
	other.contains("h1", "Create your account")
	if other.has("#first-account") {
		t.Fatal("sign-up still offers the admin account once one exists")
	}
}

// printedMail: with the development mailer the pages say where links go.
func printedMail(t *testing.T, env *brEnv, admin *brTab) {
	admin.open("/ui/users")
	admin.contains("#mail-printed", "printed on the server's output, not sent")
	admin.set("#invite-emails", "frank@example.com")
	got := admin.ok("#invite-form button")
	if !strings.Contains(got, "frank@example.com: invited (mail: printed on the server's output)") || strings.Contains(got, "sent") {
		t.Fatalf("inviting with the development mailer reported %q", got)
	}
	env.link("frank@example.com", 1) // and it was printed
	row := `#invited-table tr[data-email="frank@example.com"]`
	admin.contains(row+" .mail", "printed on the server's output")
	if got := admin.ok(row + " button.resend"); got != "Invitation link printed again on the server's output." {
		t.Fatalf("resend reported %q", got)
	}
	// Revoking asks first; Cancel sends nothing.
	admin.do("ask to revoke", chromedp.Click(chromedp.CSS(row+" button.revoke")))
	if got := admin.asked(row + " button.revoke"); !strings.Contains(got, "Revoke the invitation of frank@example.com?") {
		t.Fatalf("revoke asked %q", got)
	}
	admin.do("cancel", chromedp.Click(chromedp.CSS(row+" .confirm-no")))
	if admin.asked(row+" button.revoke") != "" || !brEval[bool](admin, `!document.querySelector(`+q(row+" button.revoke")+`).hidden`) {
		t.Fatal("Cancel did not put the revoke form back")
	}
	admin.open("/ui/users")
	if !admin.has(row) {
		t.Fatal("a cancelled revoke revoked the invitation")
	}
	admin.okConfirmed(row+" button.revoke", "Revoke the invitation of frank@example.com?")
	if admin.has(row) {
		t.Fatal("frank's invitation is listed after a confirmed Revoke")
	}
	admin.open("/ui/forgot")
	admin.contains("#mail-printed", "the link is printed on the server's output, not sent")
}

// notOffered: the admin's own row offers neither a role change nor
// deactivation (the API would refuse both); the API still refuses them. On a
// group page an admin member is not offered the curator flag (admins curate
// every group; the API refuses it).
func notOffered(t *testing.T, admin *brTab, gid string) {
	admin.open("/ui/users")
	self := `tr[data-email="admin@example.com"]`
	if admin.has(self+" select.role") || admin.has(self+" button.deactivate") || admin.has(self+" button.delete") {
		t.Fatal("the admin is offered to change their own role or deactivate themselves")
	}
	admin.contains(self+" .own-role", "Admin")
	st, body := admin.fetch("PATCH", "/manage/admin/deactivate-user", map[string]string{"user_email": "admin@example.com"})
	if st/100 != 4 || body["detail"] != "You cannot change your own role, deactivate or delete yourself." {
		t.Fatalf("deactivating oneself through the API: %d %v", st, body)
	}
	me := brEval[string](admin, `fetch('/me').then((r) => r.json()).then((d) => d.id)`)
	if st, body := admin.fetch("POST", "/manage/admin/user-group/"+gid+"/add-users", map[string]any{"user_ids": []string{me}}); st != http.StatusNoContent {
		t.Fatalf("adding the admin to the group: %d %v", st, body)
	}
	admin.open("/ui/groups/" + gid)
	row := `#members-table tr[data-email="admin@example.com"]`
	if admin.has(row+" button.curate") || !admin.has(`#members-table tr[data-email="bob@example.com"] button.curate`) {
		t.Fatal("the curator flag is offered to an admin member, or not to a basic one")
	}
	admin.contains(row+" .no-curate", "Admin: curates every group")
	if st, body := admin.fetch("POST", "/manage/admin/user-group/"+gid+"/set-curator", map[string]any{"user_id": me, "is_curator": true}); st/100 != 4 {
		t.Fatalf("making an admin a curator through the API: %d %v, want a refusal", st, body)
	}
	admin.okConfirmed(row+" button.remove", "Remove admin@example.com from Engineering?")
}

// uuidLike matches the ids the server gives users and groups.
var uuidLike = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// readableAudit reads the audit trail at the end of the walk: names, not
// ids; action names and dates on one line each; details as sentences; and
// the date range.
func readableAudit(t *testing.T, admin *brTab) {
	admin.open("/ui/audit")
	table := admin.text("#audit-table")
	for _, want := range []string{"Group created", "Named «Engineering».", "Role changed", "From Basic to Global curator.",
		"Members added", "Curator changed", "bob@example.com is now a curator.", "Group renamed",
		"From «Sales» to «Sales and marketing».", "Group deleted", "Invitation revoked", "User deleted",
		"Limit created", "1k tokens per 24 h for group «Engineering».", "Joined as Admin (password).",
		"a deleted user at example.com", "Owner a deleted user at example.com; private.", "deleted group «Sales and marketing»",
		"limit of group «Engineering»", "global limit", "the workspace"} {
		if !strings.Contains(table, want) {
			t.Errorf("the audit trail lacks %q", want)
		}
	}
	for _, bad := range []string{"u:", "group.create", "user.set_role", `{"`} {
		if strings.Contains(table, bad) {
			t.Errorf("the audit trail shows %q", bad)
		}
	}
	if id := uuidLike.FindString(table); id != "" {
		t.Errorf("the audit trail shows the id %s", id)
	}
	// Nothing in the When and Action columns wraps inside a word or a date.
	broken := brEval[[]string](admin, `[...document.querySelectorAll('#audit-table .nowrap')]
		.filter((e) => e.getClientRects().length !== 1 || e.scrollWidth > e.parentElement.clientWidth + 1).map((e) => e.textContent)`)
	if len(broken) > 0 {
		t.Errorf("audit cells that wrap or overflow: %q", broken)
	}
	all := admin.text("#audit-count")
	today := time.Now().UTC().Format(time.DateOnly)
	admin.set("#from", today)
	admin.set("#to", today)
	admin.do("filter by date", chromedp.Click(chromedp.CSS("#audit-filters button")))
	admin.waitFor("the filtered audit page", `location.search.includes("from=") && document.readyState === "complete" && document.querySelector("#audit-count") !== null`)
	admin.shot("audit today")
	if got := admin.text("#audit-count"); !strings.HasPrefix(got, strings.Fields(all)[0]+" events from "+today) {
		t.Errorf("today's events: %q, want all of %q", got, all)
	}
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	admin.open("/ui/audit?from=" + tomorrow)
	admin.contains("#audit-count", "0 events from "+tomorrow)
	if admin.has("#audit-table") {
		t.Error("events listed for tomorrow")
	}
	admin.open("/ui/audit?action=group.rename&to=" + today)
	admin.contains("#audit-count", "1 event to "+today)
	admin.open("/ui/audit?from=" + tomorrow + "&to=" + today)
	admin.contains("#page-error", "The from date must not be after the to date.", "400")
	admin.open("/ui/audit?from=yesterday")
	admin.contains("#page-error", `The from date "yesterday" is not a date like 2026-01-31.`)
}

// chartShowsHits finds bob's overdraw (his budget shows as used up)  of the group's 1k / 24 h limit marked
// on the group's daily chart, then adds a 1k / 1 h limit and finds the
// hourly view with the hour it was reached; the labels are inside the
// drawing and the chart is as wide as its card. The hourly limit is
// deleted after.
func chartShowsHits(t *testing.T, admin, bob *brTab, gid string) {
	// Bob's message overdrew the group's pool: his account page says it is
	// used up rather than showing a negative amount.
	bob.open("/ui/")
	bob.contains("#my-budget", "used up: refused until it refills")
	bob.lacks("#my-budget", "-")
	admin.open("/ui/groups/" + gid)
	if n := brEval[int](admin, `Number(document.querySelector('#group-chart').dataset.hits)`); n != 1 {
		t.Fatalf("daily chart: %d days with a limit reached, want today", n)
	}
	if !admin.has("#group-chart rect.bar.today.hit") {
		t.Fatal("today's bar is not marked as the day the limit was reached")
	}
	admin.contains("#group-chart figcaption", "a limit was reached in 1 day")
	if admin.has("#group-chart-hourly") {
		t.Fatal("an hourly view without a limit shorter than a day")
	}
	st, body := admin.fetch("POST", "/admin/token-rate-limits/user-group/"+gid, map[string]any{"token_budget": 1, "period_hours": 1, "enabled": true})
	if st != http.StatusCreated {
		t.Fatalf("creating a 1-hour limit: %d %v", st, body)
	}
	admin.open("/ui/groups/" + gid)
	admin.contains("#group-chart-hourly figcaption", "by hour", "in the last 24 hours", "a limit was reached in 1 hour")
	if !admin.has("#group-chart-hourly rect.bar.today.hit") {
		t.Fatal("the hourly view does not mark this hour as the one the limit was reached in")
	}
	admin.contains("#group-chart-hourly svg", "limit 1k / 1 h")
	clipped := brEval[[]string](admin, `[...document.querySelectorAll('svg.usage text.limit-label')].filter((e) => {
		const b = e.getBBox(), v = e.ownerSVGElement.viewBox.baseVal;
		return b.x < 0 || b.y < 0 || b.x + b.width > v.width || b.y + b.height > v.height; }).map((e) => e.textContent)`)
	if len(clipped) > 0 {
		t.Errorf("limit labels outside their chart: %q", clipped)
	}
	narrow := brEval[[]string](admin, `[...document.querySelectorAll('svg.usage')].filter((s) => {
		const card = s.closest('.card'), cs = getComputedStyle(card);
		const inner = card.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
		return s.getBoundingClientRect().width < inner - 1; }).map((s) => s.closest('figure').id)`)
	if len(narrow) > 0 {
		t.Errorf("charts narrower than their card: %q", narrow)
	}
	admin.shot("group chart by hour")
	if st, body := admin.fetch("DELETE", "/admin/token-rate-limits/rate-limit/"+body["token_id"].(string), nil); st != http.StatusNoContent {
		t.Fatalf("deleting the 1-hour limit: %d %v", st, body)
	}
}
