package invites

import (
	"errors"
	htmltemplate "html/template"
	"strings"
	"testing"
	texttemplate "text/template"
	"time"
)

func TestRenderDefaults(t *testing.T) {
	tests := []struct {
		name    string
		inv     Invitation
		subject string
		text    []string // substrings of the text body
		html    []string // substrings of the HTML body
	}{
		{"all fields", testInvitation(), "You are invited to join Acmé Research",
			[]string{"Ada Admin invited you to join Acmé Research as new.hire@example.com.", "expires on 2 January 2030 at 15:04 UTC"},
			[]string{"<strong>Acmé Research</strong>", "expires on 2 January 2030 at 15:04 UTC"}},
		{"only email and link", Invitation{Email: "bob@example.com", Link: "http://localhost:8080/accept/rinv_x"}, "You are invited",
			[]string{"You have been invited to join the workspace as bob@example.com.", "The link works once.\n"},
			[]string{`href="http://localhost:8080/accept/rinv_x"`, "The link works once.</p>"}},
		{"expiry in another zone is shown in UTC", Invitation{Email: "bob@example.com", Link: "https://x.io/a",
			ExpiresAt: time.Date(2030, 1, 2, 16, 4, 0, 0, time.FixedZone("CET", 3600))}, "You are invited",
			[]string{"expires on 2 January 2030 at 15:04 UTC"}, nil},
		{"HTML-escapes names", Invitation{Email: "bob@example.com", Link: "https://x.io/a?x=1&y=2",
			Workspace: "<script>alert(1)</script>", InvitedBy: `Eve "the" <b>`}, "You are invited to join <script>alert(1)</script>",
			[]string{"Eve \"the\" <b> invited you"},
			[]string{"&lt;script&gt;alert(1)&lt;/script&gt;", "Eve &#34;the&#34; &lt;b&gt;", `href="https://x.io/a?x=1&amp;y=2"`}},
	}
	for _, tt := range tests {
		m, err := Templates{}.Render(tt.inv)
		if err != nil {
			t.Fatalf("%s: Render: %v", tt.name, err)
		}
		if m.To != tt.inv.Email || m.Link != tt.inv.Link {
			t.Errorf("%s: To, Link = %q, %q", tt.name, m.To, m.Link)
		}
		if m.Subject != tt.subject {
			t.Errorf("%s: Subject = %q, want %q", tt.name, m.Subject, tt.subject)
		}
		if !strings.Contains(m.Text, "\n"+tt.inv.Link+"\n") {
			t.Errorf("%s: text lacks the link line:\n%s", tt.name, m.Text)
		}
		for _, s := range tt.text {
			if !strings.Contains(m.Text, s) {
				t.Errorf("%s: text lacks %q:\n%s", tt.name, s, m.Text)
			}
		}
		for _, s := range tt.html {
			if !strings.Contains(m.HTML, s) {
				t.Errorf("%s: HTML lacks %q:\n%s", tt.name, s, m.HTML)
			}
		}
		if strings.Contains(m.HTML, "<script>") {
			t.Errorf("%s: HTML holds an unescaped script tag", tt.name)
		}
	}
}

func TestRenderReplacedTemplates(t *testing.T) {
	tpl := Templates{
		Subject: texttemplate.Must(texttemplate.New("s").Parse("Welcome, {{.Email}}")),
		HTML:    htmltemplate.Must(htmltemplate.New("h").Parse(`<a href="{{.Link}}">go</a>`)),
	}
	m, err := tpl.Render(Invitation{Email: "bob@example.com", Link: "https://x.io/a"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Subject, "Welcome, bob@example.com"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	if got, want := m.HTML, `<a href="https://x.io/a">go</a>`; got != want {
		t.Errorf("HTML = %q, want %q", got, want)
	}
	if !strings.Contains(m.Text, "https://x.io/a") {
		t.Errorf("nil Text did not fall back to the default:\n%s", m.Text)
	}
}

func TestRenderRefuses(t *testing.T) {
	ok := Invitation{Email: "bob@example.com", Link: "https://x.io/a"}
	tests := []struct {
		name string
		tpl  Templates
		mod  func(*Invitation)
		want error // nil means any error
	}{
		{"javascript link", Templates{}, func(i *Invitation) { i.Link = "javascript:alert(1)" }, ErrInvalidMessage},
		{"relative link", Templates{}, func(i *Invitation) { i.Link = "/accept/rinv_x" }, ErrInvalidMessage},
		{"link without host", Templates{}, func(i *Invitation) { i.Link = "https:///x" }, ErrInvalidMessage},
		{"empty email", Templates{}, func(i *Invitation) { i.Email = "" }, ErrInvalidMessage},
		{"email with display name", Templates{}, func(i *Invitation) { i.Email = "Bob <bob@example.com>" }, ErrInvalidMessage},
		{"subject renders a line break", Templates{Subject: texttemplate.Must(texttemplate.New("s").Parse("a{{.Workspace}}b"))},
			func(i *Invitation) { i.Workspace = "\r\nBcc: eve@evil.org\r\n" }, ErrInvalidMessage},
		{"template fails", Templates{Text: texttemplate.Must(texttemplate.New("t").Parse("{{.Nope}}"))}, func(*Invitation) {}, nil},
	}
	for _, tt := range tests {
		inv := ok
		tt.mod(&inv)
		_, err := tt.tpl.Render(inv)
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: Render = %v, want %v", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "x.io/a") {
			t.Errorf("%s: error contains the link: %v", tt.name, err)
		}
	}
}
