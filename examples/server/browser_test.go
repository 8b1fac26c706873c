package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/rosterhq/roster/examples/server/web"
	"github.com/rosterhq/roster/internal/rostertest"
)

// The browser test drives the web admin pages in Debian's chromium, headless,
// against the example server on a loopback port. Each person has a tab in a
// browser context of their own (own cookies). Every page visited is saved as
// a PNG in a folder the log names (ROSTER_SCREENSHOTS chooses it).

// brStep bounds one browser step; a step that waits longer has failed.
const brStep = 20 * time.Second

// brPassword is every test user's password.
func brPassword(email string) string { return "pw-of-" + email }

// brEnv is the server, its mail output and the browser.
type brEnv struct {
	t     *testing.T
	base  string
	mail  *brBuffer
	shots string
	bctx  context.Context

	mu      sync.Mutex // guards nshot and refused
	nshot   int
	refused map[string]int // "METHOD /path" of requests answered 403
}

// record counts the requests the server refuses with 403.
func (env *brEnv) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &brStatus{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if rec.status == http.StatusForbidden {
			env.mu.Lock()
			env.refused[r.Method+" "+r.URL.Path]++
			env.mu.Unlock()
		}
	})
}

func (env *brEnv) refusals(what string) int {
	env.mu.Lock()
	defer env.mu.Unlock()
	return env.refused[what]
}

type brStatus struct {
	http.ResponseWriter
	status int
}

func (s *brStatus) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// brBuffer is the development mailer's output, read while mail is written.
type brBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *brBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *brBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// chromium finds the browser; without one the test skips, except in CI
// (rostertest.InCI), where a missing browser is a failure.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	rostertest.SkipOrFail(t, "no chromium on PATH; install it (apt-get install -y chromium) to run the browser test")
	return ""
}

// startBrowserEnv starts the server with the web pages on a free loopback
// port, with the development mailer writing to a buffer, and a headless
// chromium with a fresh profile.
func startBrowserEnv(t *testing.T) *brEnv {
	exe := chromium(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := &brEnv{t: t, base: "http://" + ln.Addr().String(), mail: &brBuffer{}, refused: map[string]int{}}
	s, err := newServer(context.Background(), config{Data: t.TempDir(), PublicURL: env.base, Out: env.mail,
		BcryptCost: bcrypt.MinCost, SignInBurst: 1000,
		UI: func(o web.Options) http.Handler { return web.New(o) }})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	hs := &http.Server{Handler: env.record(s.Handler)}
	go hs.Serve(ln)
	t.Cleanup(func() {
		hs.Close()
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	env.startChromium(exe)
	env.shots = os.Getenv("ROSTER_SCREENSHOTS")
	if env.shots == "" {
		env.shots, err = os.MkdirTemp("", "roster-screenshots-")
	} else {
		err = os.MkdirAll(env.shots, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots of every page: %s", env.shots)
	return env
}

func (env *brEnv) startChromium(exe string) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(env.t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	env.t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(bctx); err != nil {
		env.t.Fatalf("starting chromium: %v", err)
	}
	env.bctx = bctx
}

// brTab is one person's tab, in a browser context of its own.
type brTab struct {
	env  *brEnv
	name string
	ctx  context.Context
}

func (env *brEnv) tab(name string) *brTab {
	ctx, cancel := chromedp.NewContext(env.bctx, chromedp.WithNewBrowserContext())
	env.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		env.t.Fatalf("opening %s's tab: %v", name, err)
	}
	return &brTab{env: env, name: name, ctx: ctx}
}

// do runs steps with a deadline.
func (b *brTab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.env.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, brStep)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.env.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
}

// eval evaluates a JavaScript expression (promises awaited) in the tab.
func brEval[T any](b *brTab, js string) T {
	b.env.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, brStep)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.env.t.Fatalf("%s: evaluating %s: %v", b.name, js, err)
	}
	return v
}

// q quotes s as a JavaScript string.
func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// open navigates to path and saves a screenshot of the page.
func (b *brTab) open(path string) {
	b.env.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.env.base+path))
	label, _, _ := strings.Cut(path, "?token=") // no secrets in file names
	b.shot(label)
}

// shot saves a full-page screenshot named after the tab and label.
func (b *brTab) shot(label string) {
	b.env.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, brStep)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.env.t.Fatalf("%s: screenshot: %v", b.name, err)
	}
	b.env.mu.Lock()
	b.env.nshot++
	n := b.env.nshot
	b.env.mu.Unlock()
	clean := strings.Trim(regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(label, "-"), "-")
	name := filepath.Join(b.env.shots, fmt.Sprintf("%02d-%s-%s.png", n, b.name, clean))
	if err := os.WriteFile(name, png, 0o644); err != nil {
		b.env.t.Fatal(err)
	}
}

// text is the visible text of the first element sel matches, "" if none.
func (b *brTab) text(sel string) string {
	b.env.t.Helper()
	return brEval[string](b, `(() => { const e = document.querySelector(`+q(sel)+`); return e ? (e.innerText ?? e.textContent) : ''; })()`)
}

// has reports whether sel matches an element.
func (b *brTab) has(sel string) bool {
	b.env.t.Helper()
	return brEval[bool](b, `document.querySelector(`+q(sel)+`) !== null`)
}

// path is the path and query of the tab's page.
func (b *brTab) path() string {
	b.env.t.Helper()
	return brEval[string](b, `location.pathname + location.search`)
}

// set sets the value of the field sel (a checkbox: "true" checks it).
func (b *brTab) set(sel, value string) {
	b.env.t.Helper()
	ok := brEval[bool](b, `(() => { const e = document.querySelector(`+q(sel)+`); if (!e) return false;
		if (e.type === 'checkbox' || e.type === 'radio') e.checked = `+q(value)+` === 'true'; else e.value = `+q(value)+`; return true; })()`)
	if !ok {
		b.env.t.Fatalf("%s: no field %s on %s", b.name, sel, b.path())
	}
}

// choose selects the option of the select sel whose text starts with label.
func (b *brTab) choose(sel, label string) {
	b.env.t.Helper()
	ok := brEval[bool](b, `(() => { const s = document.querySelector(`+q(sel)+`); if (!s) return false;
		const o = [...s.options].find((o) => o.text.startsWith(`+q(label)+`)); if (!o) return false; s.value = o.value; return true; })()`)
	if !ok {
		b.env.t.Fatalf("%s: no option %q in %s on %s", b.name, label, sel, b.path())
	}
}

// click clicks the button sel and returns what the page reports: "ok" or
// "error" and the text of its status line. A form that moves to another
// page reports there.
func (b *brTab) click(sel string) (kind, text string) {
	b.env.t.Helper()
	brEval[bool](b, `(() => { const f = document.getElementById('flash'); if (f) { f.dataset.kind = ''; f.hidden = true; } return true; })()`)
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
	deadline := time.Now().Add(brStep)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const f = document.getElementById('flash');
			return f && (f.dataset.kind === 'ok' || f.dataset.kind === 'error') ? f.dataset.kind + '\n' + f.textContent : ''; })()`))
		cancel()
		if err == nil && v != "" {
			kind, text, _ = strings.Cut(v, "\n")
			b.shot("after " + sel)
			return kind, text
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.env.t.Fatalf("%s: clicking %s on %s reported nothing", b.name, sel, b.path())
	return "", ""
}

// ok clicks sel and fails the test unless the page reports success.
func (b *brTab) ok(sel string) string {
	b.env.t.Helper()
	kind, text := b.click(sel)
	if kind != "ok" {
		b.env.t.Fatalf("%s: %s on %s: got %s %q, want success", b.name, sel, b.path(), kind, text)
	}
	return text
}

// refused clicks sel and fails the test unless the page shows a refusal
// containing want.
func (b *brTab) refused(sel, want string) {
	b.env.t.Helper()
	kind, text := b.click(sel)
	if kind != "error" || !strings.Contains(text, want) {
		b.env.t.Fatalf("%s: %s on %s: got %s %q, want a refusal with %q", b.name, sel, b.path(), kind, text, want)
	}
}

// contains fails the test unless the text of sel contains every want.
func (b *brTab) contains(sel string, want ...string) {
	b.env.t.Helper()
	got := b.text(sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.env.t.Fatalf("%s: %s on %s = %q, want it to contain %q", b.name, sel, b.path(), got, w)
		}
	}
}

// lacks fails the test if the text of sel contains any of bad.
func (b *brTab) lacks(sel string, bad ...string) {
	b.env.t.Helper()
	got := b.text(sel)
	for _, w := range bad {
		if strings.Contains(got, w) {
			b.env.t.Fatalf("%s: %s on %s = %q, want it without %q", b.name, sel, b.path(), got, w)
		}
	}
}

// expand opens the <details> sel by clicking its summary, unless it is
// open already.
func (b *brTab) expand(sel string) {
	b.env.t.Helper()
	if !brEval[bool](b, `document.querySelector(`+q(sel)+`).open`) {
		b.do("open "+sel, chromedp.Click(chromedp.CSS(sel+" > summary")))
	}
}

// fetch sends a JSON request from the tab's page, as its scripts would,
// and returns the status and decoded body.
func (b *brTab) fetch(method, path string, body any) (int, map[string]any) {
	b.env.t.Helper()
	payload, _ := json.Marshal(body)
	js := `fetch(` + q(path) + `, {method: ` + q(method) + `, headers: {'Content-Type': 'application/json'}, body: ` + q(string(payload)) + `})
		.then(async (r) => ({status: r.status, body: await r.text()}))`
	res := brEval[struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}](b, js)
	var out map[string]any
	json.Unmarshal([]byte(res.Body), &out)
	return res.Status, out
}

// link waits for the development mailer's line to email and returns its
// link, the path and query below the server's URL.
func (env *brEnv) link(email string, n int) string {
	env.t.Helper()
	re := regexp.MustCompile(`roster mail to ` + regexp.QuoteMeta(email) + `: (\S+)`)
	deadline := time.Now().Add(brStep)
	for time.Now().Before(deadline) {
		if m := re.FindAllStringSubmatch(env.mail.String(), -1); len(m) >= n {
			return strings.TrimPrefix(m[n-1][1], env.base)
		}
		time.Sleep(20 * time.Millisecond)
	}
	env.t.Fatalf("no mail %d to %s in %q", n, email, env.mail.String())
	return ""
}

// crossSite serves a page of another origin (another loopback port) whose
// script posts JSON to the server with the browser's cookies, as a hostile
// site would.
func (env *brEnv) crossSite(path string, body any) string {
	payload, _ := json.Marshal(body)
	page := `<!doctype html><title>other site</title><p id="out">sending</p><script>
fetch(` + q(env.base+path) + `, {method: 'POST', mode: 'no-cors', credentials: 'include',
  headers: {'Content-Type': 'text/plain'}, body: ` + q(string(payload)) + `})
  .then(() => { document.getElementById('out').textContent = 'sent'; })
  .catch((e) => { document.getElementById('out').textContent = 'failed: ' + e; });
</script>`
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	env.t.Cleanup(ts.Close)
	return ts.URL
}

// TestBrowser walks the admin pages as an admin, then as a curator: sign-up
// of the first admin, invitations and sign-up through the mailed link,
// groups, members, curators, a connector, a group token limit seen on the
// usage chart after chat messages, deactivation and deletion of a user who
// owns an agent, audit, settings, password reset, refusals of bad input
// and of other sites, and a curator's view limited to their own groups.
func TestBrowser(t *testing.T) {
	env := startBrowserEnv(t)
	admin := env.tab("admin")
	firstRun(t, admin)
	signUpFirstAdmin(t, env, admin)
	afterFirstRun(t, env)
	bob := inviteAndJoin(t, env, admin, "bob@example.com", true)
	gid := createGroup(t, admin, "Engineering")
	groupMembersAndConnector(t, admin, gid)
	groupLimitOnChart(t, env, admin, bob, gid)
	chartShowsHits(t, admin, bob, gid)
	limitsPage(t, admin)
	deleteOwner(t, env, admin)
	auditAndSettings(t, admin)
	curatorView(t, env, admin, bob, gid)
	passwordReset(t, env, bob)
	crossSiteRefused(t, env, admin)
	invitationsAndUsers(t, env, admin)
	renameAndDelete(t, admin)
	printedMail(t, env, admin)
	notOffered(t, admin, gid)
	readableAudit(t, admin)
}

func signUpFirstAdmin(t *testing.T, env *brEnv, admin *brTab) {
	admin.open("/ui/users")
	if p := admin.path(); !strings.HasPrefix(p, "/ui/signin?next=") {
		t.Fatalf("signed out, /ui/users went to %s, want the sign-in page", p)
	}
	admin.open("/ui/signup")
	admin.refused("#signup button[type=submit]", "password")
	admin.set("#email", "not-an-email")
	admin.set("#password", brPassword("admin@example.com"))
	admin.refused("#signup button[type=submit]", "email")
	admin.set("#email", "admin@example.com")
	admin.ok("#signup button[type=submit]")
	if p := admin.path(); p != "/ui/" {
		t.Fatalf("after sign-up the admin is on %s, want /ui/", p)
	}
	admin.contains("#me-role", "Admin")
	admin.shot("home")
}

// inviteAndJoin invites email from the Users page and signs them up in a
// new tab through the link printed by the development mailer. The first
// invitation of the workspace is preceded by refused ones.
func inviteAndJoin(t *testing.T, env *brEnv, admin *brTab, email string, first bool) *brTab {
	admin.open("/ui/users")
	if first {
		admin.contains("#invite-warning", "Inviting Users will disallow new users from automatically joining your workspace!")
		admin.refused("#invite-form button", "Give at least one email address.")
		admin.set("#invite-emails", "carol@example.com, not-an-email")
		admin.refused("#invite-form button", "Address 2 is not a valid email address.")
		if admin.has("#invited-table") || !admin.has("#invite-warning") {
			t.Fatal("a refused invitation wrote an invite or closed sign-up")
		}
	}
	admin.set("#invite-emails", email)
	if got := admin.ok("#invite-form button"); !strings.Contains(got, email+": invited") {
		t.Fatalf("inviting %s reported %q", email, got)
	}
	admin.contains("#invited-table", email)
	if admin.has("#invite-warning") {
		t.Fatal("the warning before the first invitation is still shown after it")
	}
	tab := env.tab(strings.Split(email, "@")[0])
	tab.open(env.link(email, 1))
	tab.set("input[name=password]", brPassword(email))
	tab.do("accept the invitation", chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.ID("me-email")))
	tab.contains("#me-email", email)
	tab.shot("joined")
	admin.open("/ui/users")
	admin.contains("#users-table", email)
	if admin.has("#invited-table") {
		admin.lacks("#invited-table", email) // the sign-up used the invitation up
	}
	return tab
}

// createGroup creates a group on the Groups page (after refusing an empty
// and a duplicate name) and returns its id.
func createGroup(t *testing.T, admin *brTab, name string) string {
	admin.open("/ui/groups")
	before := admin.text("#groups-count")
	admin.refused("#create-group button", "name")
	admin.set("#group-name", name)
	admin.ok("#create-group button")
	admin.set("#group-name", name)
	admin.refused("#create-group button", "exists")
	after := admin.text("#groups-count")
	if before == after {
		t.Fatalf("groups count %s → %s after one creation", before, after)
	}
	id := brEval[string](admin, `(() => { const a = [...document.querySelectorAll('#groups-table a')].find((a) => a.textContent === `+q(name)+`); return a ? a.getAttribute('href').split('/').pop() : ''; })()`)
	if id == "" {
		t.Fatalf("group %s not listed: %q", name, admin.text("#groups-table"))
	}
	return id
}

// groupMembersAndConnector adds bob to the group, makes him curator there
// and attaches a connector the admin created, from a page that has missed a
// member added elsewhere, whom it keeps.
func groupMembersAndConnector(t *testing.T, admin *brTab, gid string) {
	if st, body := admin.fetch("POST", "/manage/admin/connector", map[string]any{"name": "Wiki", "access_type": "private", "groups": []string{}}); st != http.StatusCreated {
		t.Fatalf("creating a connector: %d %v", st, body)
	}
	admin.open("/ui/groups/" + gid)
	admin.contains("h1", "Engineering")
	admin.refused("#add-member button", "The user does not exist.")
	admin.choose("#add-user", "bob@example.com")
	admin.ok("#add-member button")
	admin.contains("#members-table", "bob@example.com")
	admin.ok(`#members-table tr[data-email="bob@example.com"] button.curate`)
	admin.contains(`#members-table tr[data-email="bob@example.com"] .curator`, "curator")
	admin.refused("#attach-connector button", "cc_pair_ids")

	// The admin joins the group elsewhere (another tab, another admin) while
	// this page, loaded before, attaches a connector and then removes him:
	// each change keeps the other.
	me := brEval[string](admin, `fetch('/me').then((r) => r.json()).then((d) => d.id)`)
	if st, body := admin.fetch("POST", "/manage/admin/user-group/"+gid+"/add-users", map[string]any{"user_ids": []string{me}}); st != http.StatusNoContent {
		t.Fatalf("adding the admin elsewhere: %d %v", st, body)
	}
	admin.choose("#attach-select", "Wiki")
	admin.ok("#attach-connector button")
	admin.contains("#connectors-list", "Wiki")
	admin.contains("#members-table", "admin@example.com", "bob@example.com")
	admin.okConfirmed(`#members-table tr[data-email="admin@example.com"] button.remove`, "Remove admin@example.com from Engineering?")
	admin.lacks("#members-table", "admin@example.com")
	admin.contains("#members-table", "bob@example.com")
	admin.contains("#connectors-list", "Wiki")
	admin.open("/ui/users")
	if got := brEval[string](admin, `document.querySelector('tr[data-email="bob@example.com"] select.role').value`); got != "curator" {
		t.Fatalf("bob's role after the curator flag: %q, want curator", got)
	}
	admin.refused(`tr[data-email="bob@example.com"] form button`, "curator")
}

// groupLimitOnChart sets a group limit of 1,000 tokens a day on the group
// page, has bob chat past it, and finds his usage and the limit on the
// group's chart.
func groupLimitOnChart(t *testing.T, env *brEnv, admin, bob *brTab, gid string) {
	admin.open("/ui/groups/" + gid)
	form := "#content .create-limit"
	admin.set(form+" input[name=token_budget]", "")
	admin.refused(form+" button", "token_budget")
	admin.set(form+" input[name=token_budget]", "1")
	admin.set(form+" input[name=period_hours]", "24")
	admin.ok(form + " button")
	if !admin.has(`#limits-group-` + gid + ` li[data-enabled="true"]`) {
		t.Fatalf("no enabled limit listed: %q", admin.text("#limits-group-"+gid))
	}
	long := strings.Repeat("tokens ", 300) // about 1,050 tokens with the echo
	if st, body := bob.fetch("POST", "/chat/send-message", map[string]string{"message": long}); st != http.StatusOK {
		t.Fatalf("bob's first message: %d %v", st, body)
	}
	if st, body := bob.fetch("POST", "/chat/send-message", map[string]string{"message": "one more"}); st != http.StatusTooManyRequests || body["code"] != "RATE_LIMITED" {
		t.Fatalf("bob's message past the group budget: %d %v, want 429 RATE_LIMITED", st, body)
	}
	admin.open("/ui/groups/" + gid)
	admin.contains("#group-chart figcaption", "tokens in the last 7 days")
	admin.contains("#group-chart svg", "limit 1k / 24 h")
	if n := brEval[int](admin, `Number(document.querySelector('#group-chart').dataset.total)`); n < 1000 {
		t.Fatalf("group chart total %d tokens, want bob's 1,000 and more", n)
	}
	if !brEval[bool](admin, `[...document.querySelectorAll('#group-chart rect.bar')].some((r) => Number(r.getAttribute('height')) > 0)`) {
		t.Fatal("the group chart has no bar")
	}
}

// limitsPage creates, disables, edits and deletes a global limit and finds
// the charts of the workspace and the group.
func limitsPage(t *testing.T, admin *brTab) {
	admin.open("/ui/limits")
	admin.contains("#workspace-chart figcaption", "Workspace")
	if n := brEval[int](admin, `Number(document.querySelector('#workspace-chart').dataset.total)`); n < 1000 {
		t.Fatalf("workspace chart total %d, want bob's usage", n)
	}
	admin.contains("#content", "Engineering")
	global := "#limits-global"
	create := global + " + form"
	admin.set(create+" input[name=token_budget]", "0")
	admin.refused(create+" button", "token_budget")
	admin.set(create+" input[name=token_budget]", "500")
	admin.set(create+" input[name=period_hours]", "24")
	admin.ok(create + " button")
	admin.contains("#workspace-chart svg", "limit 500k / 24 h")
	admin.ok(global + " li button.toggle")
	if !admin.has(global + ` li[data-enabled="false"]`) {
		t.Fatal("the global limit is still enabled after Disable")
	}
	admin.contains("#workspace-chart", "Disabled limits, not drawn: 500k / 24 h")
	admin.set(global+" li input[name=token_budget]", "800")
	admin.set(global+" li input[name=enabled]", "true")
	admin.ok(global + " li .row-form button")
	admin.contains("#workspace-chart svg", "limit 800k / 24 h")
	admin.okConfirmed(global+" li button.delete", "Delete this limit?")
	admin.contains(global, "No limit.")
	users := "#limits-users"
	admin.set(users+" + form input[name=token_budget]", "10")
	admin.ok(users + " + form button")
	if !admin.has(users + ` li[data-enabled="true"]`) {
		t.Fatal("no user limit listed after creating one")
	}
	admin.shot("limits")
}

// deleteOwner deactivates carol, who owns an agent: her delete is refused
// and names the agent, then succeeds after a transfer of ownership.
func deleteOwner(t *testing.T, env *brEnv, admin *brTab) {
	carol := inviteAndJoin(t, env, admin, "carol@example.com", false)
	if st, body := carol.fetch("POST", "/persona", map[string]any{"name": "Carol's helper", "is_public": false, "groups": []string{}, "users": []string{}}); st != http.StatusCreated {
		t.Fatalf("carol's agent: %d %v", st, body)
	}
	admin.open("/ui/users")
	row := `tr[data-email="carol@example.com"]`
	admin.okConfirmed(row+" button.deactivate", "Deactivate carol@example.com?")
	admin.contains(row+" .status", "Deactivated")
	admin.expand(row + " details")
	admin.contains(row+" .blockers", "Carol's helper")
	// The detail names the user by email and the agent by the name the
	// server's tables give it.
	admin.refusedConfirmed(row+" button.delete", "Delete carol@example.com for good?",
		`The user carol@example.com still owns the agent "Carol's helper"; transfer it to someone else first.`)
	admin.expand(row + " details")
	admin.refused(row+" .transfer button", "to_user_email")
	admin.choose(row+" .transfer select", "admin@example.com")
	if got := admin.ok(row + " .transfer button"); got != "1 resource(s) transferred." {
		t.Fatalf("transfer reported %q", got)
	}
	admin.expand(row + " details")
	admin.okConfirmed(row+" button.delete", "Delete carol@example.com for good?")
	if admin.has(row) {
		t.Fatal("carol is still listed after her delete")
	}
	admin.contains("#users-count", "of 2")
	carol.open("/ui/")
	if p := carol.path(); !strings.HasPrefix(p, "/ui/signin") {
		t.Fatalf("a deleted user's tab opened %s, want the sign-in page", p)
	}
}

// auditAndSettings filters the audit trail and changes the invite mode,
// refusing a malformed allowed domain first.
func auditAndSettings(t *testing.T, admin *brTab) {
	admin.open("/ui/audit?action=group.create")
	admin.contains("#audit-count", "1 event")
	admin.contains("#audit-table", "Group created", "group «Engineering»", "admin@example.com")
	admin.open("/ui/audit?page_num=-1")
	admin.contains("#page-error", "page_num")
	admin.open("/ui/settings")
	admin.set("#allowed_domains", "not a domain!")
	admin.refused("#settings-form button", "domain")
	admin.open("/ui/settings")
	if got := admin.text("#allowed_domains"); got != "" {
		t.Fatalf("a refused domain was stored: %q", got)
	}
	admin.set(`input[name=invite_mode][value=open]`, "true")
	admin.set("#allowed_domains", "example.com")
	admin.ok("#settings-form button")
	if got := brEval[string](admin, `document.querySelector('#allowed_domains').value`); got != "example.com" {
		t.Fatalf("allowed domains after saving: %q", got)
	}
	admin.open("/ui/users")
	admin.contains("#invite-mode-note", "open to everyone")
}

// curatorView checks bob's pages as curator of Engineering only: other
// groups are refused, as are the admin pages; in his group he manages
// members but not the name or the limits.
func curatorView(t *testing.T, env *brEnv, admin, bob *brTab, eng string) {
	dave := inviteAndJoin(t, env, admin, "dave@example.com", false)
	_ = dave
	sales := createGroup(t, admin, "Sales")
	support := createGroup(t, admin, "Support")
	admin.open("/ui/groups/" + support)
	admin.choose("#add-user", "bob@example.com")
	admin.ok("#add-member button")
	bob.open("/ui/")
	bob.contains("#me-role", "Curator")
	bob.contains("#my-groups", "Engineering", "Support")
	if bob.has(`nav a[href="/ui/users"]`) || !bob.has(`nav a[href="/ui/groups"]`) {
		t.Fatal("a curator's navigation should offer Groups and not Users")
	}
	bob.open("/ui/groups")
	bob.contains("#groups-table", "Engineering")
	bob.lacks("#groups-table", "Sales", "Support")
	bob.open("/ui/groups/" + sales)
	bob.contains("#page-error", "The group does not exist.", "404")
	bob.open("/ui/groups/" + support)
	bob.contains("#page-error", `You do not curate the group "Support"; curators may change only the groups they curate.`, "OUT_OF_SCOPE")
	for _, page := range []string{"/ui/users", "/ui/limits", "/ui/audit", "/ui/settings"} {
		bob.open(page)
		bob.contains("#page-error", "403")
	}
	auditRefused(t, bob)
	bob.open("/ui/groups/" + eng)
	if bob.has("#rename-group") || bob.has("#content .create-limit") || bob.has("#group-chart") {
		t.Fatal("a curator is offered rename, limit editing or the usage chart")
	}
	bob.contains("#limits-group-"+eng, "1k tokens per 24 h", "enabled")
	bob.contains("#connectors-list", "Wiki")
	bob.choose("#add-user", "dave@example.com")
	bob.ok("#add-member button")
	row := `#members-table tr[data-email="dave@example.com"]`
	bob.ok(row + " button.curate")
	bob.contains(row+" .curator", "curator")
	bob.ok(row + " button.curate")
	bob.okConfirmed(row+" button.remove", "Remove dave@example.com from Engineering?")
	if bob.has(row) {
		t.Fatal("dave is still a member after Remove")
	}
	bob.refused("#attach-connector button", "cc_pair_ids")
	bob.open("/ui/groups/no-such-group")
	bob.contains("#page-error", "The group does not exist.")
	bob.open("/ui/no-such-page")
	bob.contains("#page-error", "There is no page at /ui/no-such-page")
}

// passwordReset signs bob out, resets his password through the forgot and
// reset pages, signs him in again with the keyboard only, and changes his
// password on his account page.
func passwordReset(t *testing.T, env *brEnv, bob *brTab) {
	bob.open("/ui/")
	bob.ok("nav.side .who button")
	if p := bob.path(); p != "/ui/signin" {
		t.Fatalf("after sign-out bob is on %s", p)
	}
	bob.open("/ui/forgot")
	bob.refused("#forgot button", "email")
	bob.set("#email", "bob@example.com")
	if got := bob.ok("#forgot button"); !strings.Contains(got, "printed on the server's output") {
		t.Fatalf("forgot-password with the development mailer reported %q", got)
	}
	link := env.link("bob@example.com", 2)
	_, query, _ := strings.Cut(link, "?")
	bob.open("/ui/reset?" + query)
	bob.set("#new_password", "short")
	bob.refused("#reset button", "new_password")
	bob.set("#new_password", "a new password for bob")
	bob.ok("#reset button")
	if p := bob.path(); p != "/ui/signin" {
		t.Fatalf("after the reset bob is on %s", p)
	}
	bob.do("sign in with the keyboard", chromedp.Focus(chromedp.ID("email")),
		chromedp.KeyEvent("bob@example.com\ta new password for bob\n"), chromedp.WaitVisible(chromedp.ID("me-email")))
	bob.contains("#me-email", "bob@example.com")
	bob.shot("signed in with the keyboard")
	bob.set("#current_password", "not his password")
	bob.set("#new_password", "yet another password")
	bob.refused("#password-form button", "current_password")
	bob.set("#current_password", "a new password for bob")
	bob.set("#new_password", "yet another password")
	bob.ok("#password-form button")
}

// crossSiteRefused opens a page of another origin whose script posts a new
// group to the server with the admin's cookies: the server refuses it.
func crossSiteRefused(t *testing.T, env *brEnv, admin *brTab) {
	other := env.crossSite("/manage/admin/user-group", map[string]any{"name": "Evil", "user_ids": []string{}, "cc_pair_ids": []string{}})
	admin.do("open the other site", chromedp.Navigate(other), chromedp.Poll[chromedp.Void](`document.getElementById("out").textContent !== "sending"`))
	admin.shot("other site")
	if got := env.refusals("POST /manage/admin/user-group"); got != 1 {
		t.Fatalf("cross-site POSTs refused with 403: %d, want 1", got)
	}
	admin.open("/ui/groups")
	admin.lacks("#groups-table", "Evil")
}

// invitationsAndUsers resends and revokes an invitation, searches and
// filters the users, and deactivates and activates one.
func invitationsAndUsers(t *testing.T, env *brEnv, admin *brTab) {
	admin.open("/ui/users")
	admin.set("#invite-emails", "erin@example.com")
	admin.ok("#invite-form button")
	row := `#invited-table tr[data-email="erin@example.com"]`
	if got := admin.ok(row + " button.resend"); !strings.Contains(got, "Invitation link printed again") {
		t.Fatalf("resend reported %q", got)
	}
	first, second := env.link("erin@example.com", 1), env.link("erin@example.com", 2)
	if first == second {
		t.Fatal("a resent invitation has the same link")
	}
	admin.okConfirmed(row+" button.revoke", "Revoke the invitation of erin@example.com?")
	if admin.has(row) {
		t.Fatal("erin's invitation is listed after Revoke")
	}
	admin.open("/ui/users?q=dave")
	admin.contains("#users-count", "Showing 1–1 of 1")
	admin.contains("#users-table", "dave@example.com")
	admin.open("/ui/users?roles=curator")
	admin.contains("#users-table", "bob@example.com")
	admin.lacks("#users-table", "admin@example.com", "dave@example.com")
	admin.open("/ui/users?is_active=maybe")
	admin.contains("#page-error", "is_active", "400")
	admin.open("/ui/users?q=dave")
	dave := `tr[data-email="dave@example.com"]`
	admin.okConfirmed(dave+" button.deactivate", "Deactivate dave@example.com?")
	admin.contains(dave+" .status", "Deactivated")
	admin.ok(dave + " button.activate")
	admin.contains(dave+" .status", "Active")
	admin.choose(dave+" select.role", "Global curator")
	admin.ok(dave + " form button")
	if got := brEval[string](admin, `document.querySelector('`+dave+` select.role').value`); got != "global_curator" {
		t.Fatalf("dave's role after the change: %q", got)
	}
}

// renameAndDelete renames a group (refusing a name in use) and deletes one
// from its page.
func renameAndDelete(t *testing.T, admin *brTab) {
	admin.open("/ui/groups")
	sales := brEval[string](admin, `[...document.querySelectorAll('#groups-table a')].find((a) => a.textContent === 'Sales').getAttribute('href')`)
	admin.open(sales)
	admin.set("#rename-group input[name=name]", "Engineering")
	admin.refused("#rename-group button", "exists")
	admin.set("#rename-group input[name=name]", "Sales and marketing")
	admin.ok("#rename-group button")
	admin.contains("h1", "Sales and marketing")
	admin.expand("#content details.danger")
	admin.okConfirmed("#content details.danger button.delete", "Delete the group Sales and marketing for good?")
	if p := admin.path(); p != "/ui/groups" {
		t.Fatalf("after deleting a group the admin is on %s", p)
	}
	admin.lacks("#groups-table", "Sales")
	admin.contains("#groups-table", "Engineering", "Support")
}
