package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserResources drives the pages of connectors, document sets and
// agents and the user page, with the harness of browser_test.go: an admin
// creates a connector and attaches it to a group from the group page (its
// list was empty before any page could create one), edits and deletes
// resources; a curator works within his group and is not offered what only
// owners and admins may do; a basic user sees connectors and document sets
// read-only and creates and shares her own agent; the admin's user page
// shows role, status, groups, owned agents and recent audit events.
func TestBrowserResources(t *testing.T) {
	env := startBrowserEnv(t)
	admin := env.tab("admin")
	signUpFirstAdmin(t, env, admin)
	bob := inviteAndJoin(t, env, admin, "bob@example.com", true)
	carol := inviteAndJoin(t, env, admin, "carol@example.com", false)
	eng := createGroup(t, admin, "Engineering")
	sales := createGroup(t, admin, "Sales")
	ids := resUserIDs(t, admin)
	if st, body := admin.fetch("POST", "/manage/admin/user-group/"+eng+"/add-users", map[string]any{"user_ids": []string{ids["bob@example.com"], ids["carol@example.com"]}}); st != http.StatusNoContent {
		t.Fatalf("adding bob and carol to Engineering: %d %v", st, body)
	}
	if st, body := admin.fetch("POST", "/manage/admin/user-group/"+eng+"/set-curator", map[string]any{"user_id": ids["bob@example.com"], "is_curator": true}); st != http.StatusNoContent {
		t.Fatalf("making bob curator of Engineering: %d %v", st, body)
	}

	adminConnectors(t, admin, eng)
	adminDocumentSets(t, admin)
	adminAgents(t, admin)
	curatorResources(t, admin, bob, sales)
	basicResources(t, admin, carol)
	userPage(t, admin, bob, ids)
}

// resUserIDs maps the emails of the accepted users to their ids.
func resUserIDs(t *testing.T, admin *brTab) map[string]string {
	t.Helper()
	list := brEval[[]struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	}](admin, `fetch('/manage/users').then((r) => r.json()).then((d) => d.accepted)`)
	out := map[string]string{}
	for _, u := range list {
		out[u.Email] = u.ID
	}
	return out
}

// pick selects, in the multiple select sel, exactly the options whose text
// starts with one of labels.
func (b *brTab) pick(sel string, labels ...string) {
	b.env.t.Helper()
	ok := brEval[bool](b, `(() => { const s = document.querySelector(`+q(sel)+`); if (!s) return false;
		const want = `+q(strings.Join(labels, "\n"))+`.split('\n').filter(Boolean); let n = 0;
		for (const o of s.options) { o.selected = want.some((w) => o.text.startsWith(w)); if (o.selected) n++; }
		return n === want.length; })()`)
	if !ok {
		b.env.t.Fatalf("%s: options %q not all in %s on %s", b.name, labels, sel, b.path())
	}
}

// count is the number of elements sel matches.
func (b *brTab) count(sel string) int {
	b.env.t.Helper()
	return brEval[int](b, `document.querySelectorAll(`+q(sel)+`).length`)
}

// listed is the number of items a JSON list endpoint shows the tab's user.
func (b *brTab) listed(path string) int {
	b.env.t.Helper()
	return brEval[int](b, `fetch(`+q(path)+`).then((r) => r.json()).then((d) => d.length)`)
}

// adminConnectors: the empty list says what to do; a nameless connector is
// refused and written nowhere; Wiki is created on the page, attached to
// Engineering from the group page (the list that was empty), then renamed
// and made public; another is created and deleted.
func adminConnectors(t *testing.T, admin *brTab, eng string) {
	admin.open("/ui/groups/" + eng)
	if n := admin.count("#attach-select option[value]:not([value=''])"); n != 0 {
		t.Fatalf("a fresh server offers %d connectors to attach", n)
	}
	admin.contains("#attach-none", "create one on the Connectors page")
	admin.do("follow the link to Connectors", chromedp.Click(chromedp.CSS(`#attach-none a`)), chromedp.WaitVisible(chromedp.ID("create-connector")))
	if p := admin.path(); p != "/ui/connectors" {
		t.Fatalf("the group page's link went to %s", p)
	}
	admin.shot("connectors")
	admin.contains("#connectors-empty", "create one above, then attach it to a group")
	if !admin.has(`nav a[href="/ui/connectors"][aria-current=page]`) {
		t.Fatal("the navigation does not mark Connectors as the current page")
	}
	admin.refused("#create-connector button", "name")
	if n := admin.listed("/manage/connector"); n != 0 {
		t.Fatalf("a refused creation wrote %d connectors", n)
	}
	admin.set("#connector-name", "Wiki")
	admin.ok("#create-connector button")
	row := `#connectors-table tr[data-name="Wiki"]`
	admin.contains(row+" .access", "private")
	admin.contains(row+" .groups", "—")

	admin.open("/ui/groups/" + eng)
	admin.choose("#attach-select", "Wiki (private)")
	admin.ok("#attach-connector button")
	admin.contains("#connectors-list", "Wiki")
	admin.contains("#attach-none", "No other connector to attach")

	admin.open("/ui/connectors")
	admin.contains(row+" .groups", "Engineering")
	admin.expand(row + " details.edit")
	admin.set(row+" .edit-connector input[name=name]", "")
	admin.refused(row+" .edit-connector button", "name")
	admin.set(row+" .edit-connector input[name=name]", "Team wiki")
	admin.set(row+` .edit-connector input[name=access_type][value=public]`, "true")
	admin.ok(row + " .edit-connector button")
	row = `#connectors-table tr[data-name="Team wiki"]`
	admin.contains(row+" .access", "public")
	admin.contains(row+" .groups", "Engineering") // the groups sent back unchanged

	admin.set("#connector-name", "Scratch")
	admin.ok("#create-connector button")
	scratch := `#connectors-table tr[data-name="Scratch"]`
	admin.expand(scratch + " details.danger")
	// Deleting asks first; Cancel sends nothing.
	admin.do("ask to delete Scratch", chromedp.Click(chromedp.CSS(scratch+" button.delete")))
	if got := admin.asked(scratch + " button.delete"); !strings.Contains(got, "Delete the connector Scratch for good?") {
		t.Fatalf("deleting Scratch asked %q", got)
	}
	admin.do("cancel", chromedp.Click(chromedp.CSS(scratch+" .confirm-no")))
	if admin.asked(scratch+" button.delete") != "" || !brEval[bool](admin, `!document.querySelector(`+q(scratch+" button.delete")+`).hidden`) {
		t.Fatal("Cancel did not put the delete form back")
	}
	admin.open("/ui/connectors")
	if !admin.has(scratch) || admin.listed("/manage/connector") != 2 {
		t.Fatalf("a cancelled Delete deleted Scratch: %q", admin.text("#connectors-table"))
	}
	admin.expand(scratch + " details.danger")
	admin.okConfirmed(scratch+" button.delete", "Delete the connector Scratch for good?")
	if admin.has(scratch) || admin.listed("/manage/connector") != 1 {
		t.Fatalf("Scratch is still there after Delete: %q", admin.text("#connectors-table"))
	}
	admin.shot("connectors")
}

// adminDocumentSets creates Handbook from Team wiki for Engineering, edits
// its description and deletes a second set.
func adminDocumentSets(t *testing.T, admin *brTab) {
	admin.open("/ui/document-sets")
	admin.contains("#docsets-empty", "No document set.")
	admin.refused("#create-docset button", "name")
	admin.set("#docset-name", "Handbook")
	admin.set("#docset-description", "How we work")
	admin.pick("#docset-connectors", "Team wiki")
	admin.pick("#docset-groups", "Engineering")
	admin.ok("#create-docset button")
	row := `#docsets-table tr[data-name="Handbook"]`
	admin.contains(row, "How we work")
	admin.contains(row+" .connectors", "Team wiki")
	admin.contains(row+" .groups", "Engineering")
	admin.expand(row + " details.edit")
	admin.set(row+" .edit-docset input[name=description]", "How we work, 2026")
	admin.ok(row + " .edit-docset button")
	admin.contains(row, "How we work, 2026")
	admin.contains(row+" .connectors", "Team wiki")

	admin.set("#docset-name", "Old notes")
	admin.pick("#docset-connectors", "Team wiki")
	admin.ok("#create-docset button")
	old := `#docsets-table tr[data-name="Old notes"]`
	admin.expand(old + " details.danger")
	admin.okConfirmed(old+" button.delete", "Delete the document set Old notes for good?")
	if admin.has(old) || admin.listed("/manage/document-set") != 1 {
		t.Fatalf("Old notes is still there after Delete: %q", admin.text("#docsets-table"))
	}
	admin.shot("document sets")
}

// adminAgents creates Helper for Engineering, shared with carol, then
// shares it with nobody and makes it public; another is created and deleted.
func adminAgents(t *testing.T, admin *brTab) {
	admin.open("/ui/agents")
	admin.refused("#create-agent button", "name")
	admin.set("#agent-name", "Helper")
	admin.pick("#agent-groups", "Engineering")
	admin.pick("#agent-users", "carol@example.com")
	admin.ok("#create-agent button")
	row := `#agents-table tr[data-name="Helper"]`
	admin.contains(row+" .owner", "you")
	admin.contains(row+" .groups", "Engineering")
	admin.contains(row+" .users", "carol@example.com")
	admin.expand(row + " details.share")
	admin.pick(row + " .share-agent select")
	admin.set(row+" .share-agent input[name=is_public]", "true")
	admin.ok(row + " .share-agent button")
	admin.contains(row+" .access", "public")
	admin.lacks(row+" .users", "carol")
	admin.contains(row+" .groups", "Engineering")

	agents := admin.listed("/persona")
	admin.set("#agent-name", "Scratch agent")
	admin.ok("#create-agent button")
	scratch := `#agents-table tr[data-name="Scratch agent"]`
	admin.expand(scratch + " details.danger")
	admin.okConfirmed(scratch+" button.delete", "Delete the agent Scratch agent for good?")
	if admin.has(scratch) || admin.listed("/persona") != agents {
		t.Fatalf("Scratch agent is still there after Delete: %q", admin.text("#agents-table"))
	}
	admin.shot("agents")
}

// curatorResources: bob curates Engineering. He creates a connector only
// when he names it; edits Team wiki (attached to Engineering only) without
// an access choice; does not see Sales's private connector; may edit
// Helper but not share it, and the API refuses the share he is not offered.
func curatorResources(t *testing.T, admin, bob *brTab, sales string) {
	if st, body := admin.fetch("POST", "/manage/admin/connector", map[string]any{"name": "Pipeline", "access_type": "private", "groups": []string{sales}}); st != http.StatusCreated {
		t.Fatalf("creating Sales's connector: %d %v", st, body)
	}
	bob.open("/ui/connectors")
	if !bob.has(`nav a[href="/ui/agents"]`) || !bob.has(`nav a[href="/ui/document-sets"]`) {
		t.Fatal("a curator's navigation lacks the resource pages")
	}
	bob.lacks("#connectors-table", "Pipeline")
	if bob.count("#connector-groups option") != 1 {
		t.Fatalf("bob is offered the groups %q, want his own (Engineering)", bob.text("#connector-groups"))
	}
	before := bob.listed("/manage/connector")
	bob.set("#connector-name", "Bob's notes")
	bob.refused("#create-connector button", "Curators must name at least one group.")
	if n := bob.listed("/manage/connector"); n != before {
		t.Fatalf("a refused creation changed bob's connectors from %d to %d", before, n)
	}
	bob.pick("#connector-groups", "Engineering")
	bob.ok("#create-connector button")
	bob.contains(`#connectors-table tr[data-name="Bob's notes"] .groups`, "Engineering")
	row := `#connectors-table tr[data-name="Team wiki"]`
	bob.expand(row + " details.edit")
	if bob.has(row + " input[name=access_type]") {
		t.Fatal("a curator is offered the access type of a connector he does not own")
	}
	bob.set(row+" .edit-connector input[name=name]", "Team wiki (eng)")
	bob.ok(row + " .edit-connector button")
	bob.contains(`#connectors-table tr[data-name="Team wiki (eng)"] .access`, "public")
	bob.shot("connectors")

	bob.open("/ui/agents")
	agent := `#agents-table tr[data-name="Helper"]`
	bob.contains(agent+" .owner", "admin@example.com")
	if !bob.has(agent+" details.edit") || bob.has(agent+" details.share") {
		t.Fatal("a curator of the agent's group should edit Helper and not be offered its sharing")
	}
	id := brEval[string](bob, `document.querySelector(`+q(agent)+`).dataset.id`)
	if st, body := bob.fetch("PATCH", "/persona/"+id+"/share", map[string]any{"is_public": false}); st != http.StatusForbidden {
		t.Fatalf("bob sharing the admin's agent: %d %v, want 403", st, body)
	}
	bob.expand(agent + " details.edit")
	bob.set(agent+" .edit-agent input[name=description]", "Answers engineering questions")
	bob.ok(agent + " .edit-agent button")
	bob.contains(agent, "Answers engineering questions")
	bob.contains(agent+" .access", "public") // his edit left the flag alone
	bob.shot("agents")

	bob.open("/ui/document-sets")
	bob.contains(`#docsets-table tr[data-name="Handbook"] .connectors`, "Team wiki (eng)")
	if !bob.has(`#docsets-table tr[data-name="Handbook"] details.edit`) || bob.has(`#docsets-table tr[data-name="Handbook"] input[name=is_public]`) {
		t.Fatal("a curator of Handbook's group should edit it, without the public flag")
	}
	before = bob.listed("/manage/document-set")
	bob.set("#docset-name", "Eng notes")
	bob.pick("#docset-connectors", "Bob's notes")
	bob.refused("#create-docset button", "Curators must name at least one group.")
	if n := bob.listed("/manage/document-set"); n != before {
		t.Fatalf("a refused creation changed bob's document sets from %d to %d", before, n)
	}
	bob.pick("#docset-groups", "Engineering")
	bob.ok("#create-docset button")
	bob.contains(`#docsets-table tr[data-name="Eng notes"]`, "Bob's notes", "Engineering")
	bob.shot("document sets")
}

// basicResources: carol, a basic member of Engineering, sees connectors and
// document sets read-only, no user list, and creates her own agent, which
// she alone (and admins) may share; the user page and the audit trail are
// not hers to open.
func basicResources(t *testing.T, admin, carol *brTab) {
	carol.open("/ui/connectors")
	if carol.has("#create-connector") || carol.has("#connectors-table details") {
		t.Fatal("a basic user is offered to create or edit connectors")
	}
	carol.contains("#connectors-table", "Team wiki (eng)", "view only")
	carol.open("/ui/document-sets")
	if carol.has("#create-docset") || carol.has("#docsets-table details") {
		t.Fatal("a basic user is offered to create or edit document sets")
	}
	carol.contains("#docsets-table", "Handbook")
	carol.open("/ui/agents")
	if carol.has("#agent-users") {
		t.Fatal("a basic user is offered a list of users")
	}
	helper := `#agents-table tr[data-name="Helper"]`
	carol.contains(helper, "view only")
	carol.contains(helper+" .owner", "another user") // not an id she cannot read
	carol.set("#agent-name", "Carol's agent")
	carol.pick("#agent-groups", "Engineering")
	carol.ok("#create-agent button")
	mine := `#agents-table tr[data-name="Carol's agent"]`
	carol.contains(mine+" .owner", "you")
	carol.expand(mine + " details.share")
	carol.set(mine+" .share-agent input[name=is_public]", "true")
	carol.ok(mine + " .share-agent button")
	carol.contains(mine+" .access", "public")
	carol.shot("agents")
	carol.open("/ui/users/" + brEval[string](carol, `fetch('/me').then((r) => r.json()).then((d) => d.id)`))
	carol.contains("#page-error", "403")
	auditRefused(t, carol)
}

// auditRefused: the audit trail is for admins; b's navigation does not
// offer it, and opening it anyway shows the refusal, not the events.
func auditRefused(t *testing.T, b *brTab) {
	b.open("/ui/")
	if b.has(`nav a[href="/ui/audit"]`) {
		t.Fatalf("%s is offered the audit trail", b.name)
	}
	b.open("/ui/audit")
	b.contains("#page-error", "Your role does not allow this.", "403")
	if b.has("#audit-table") || b.has("#audit-filters") {
		t.Fatalf("%s sees the audit trail: %q", b.name, b.text("#content"))
	}
	b.shot("audit refused")
}

// userPage: the admin opens bob from the users list and finds his role,
// status, group with the curator flag and his recent actions; carol's page
// lists the agent she owns; an unknown id is 404.
func userPage(t *testing.T, admin, bob *brTab, ids map[string]string) {
	admin.open("/ui/users")
	admin.do("open bob's page", chromedp.Click(chromedp.CSS(`#users-table tr[data-email="bob@example.com"] th a`)),
		chromedp.WaitVisible(chromedp.ID("user-facts")))
	if p := admin.path(); p != "/ui/users/"+ids["bob@example.com"] {
		t.Fatalf("bob's link went to %s", p)
	}
	admin.shot("user bob")
	admin.contains("h1", "bob@example.com")
	admin.contains("#user-role", "Curator")
	admin.contains("#user-status", "Active")
	admin.contains("#user-groups", "Engineering", "curator")
	admin.lacks("#user-groups", "Sales")
	admin.contains("#user-agents", "No agent.")
	admin.contains("#user-by", "resource.register", "connector Bob's notes", "user.register")
	admin.contains("#user-about", "user.register", "role: basic")
	admin.contains("#user-by", "groups: group Engineering; owner: bob@example.com; public: false")
	admin.open("/ui/users/" + ids["carol@example.com"])
	admin.contains("#user-agents", "Carol's agent")
	admin.contains("#user-role", "Basic")
	admin.lacks("#user-groups", "curator")
	admin.open("/ui/users/no-such-user")
	admin.contains("#page-error", "The user does not exist.", "404")
	bob.open("/ui/users/" + ids["carol@example.com"])
	bob.contains("#page-error", "403")
}
