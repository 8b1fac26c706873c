package invites

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
)

//go:embed templates/*.tmpl
var defaultTemplateFS embed.FS // read-only; embed.FS cannot be modified

// Invitation is the data an invitation message is rendered from. Templates
// see it as dot: {{.Email}}, {{.Link}}, {{.Workspace}}, {{.InvitedBy}},
// {{.ExpiresAt}}.
type Invitation struct {
	// Email is the invitee's normalized address; the message goes to it.
	Email string
	// Link is the absolute http or https URL that redeems the invite. It
	// carries the link token, a secret.
	Link string
	// Workspace is the workspace's display name. Optional.
	Workspace string
	// InvitedBy is the inviter's display name. Optional.
	InvitedBy string
	// ExpiresAt is when the link expires. The zero time means it does not.
	ExpiresAt time.Time
}

// Templates render invitation messages. Each nil field uses roster's embedded
// default, so the zero Templates work; an application replaces any of them
// with its own parsed template, which must be safe to execute concurrently
// (text/template and html/template are, once parsed).
type Templates struct {
	// Subject renders the subject line; surrounding space is trimmed and line
	// breaks are refused.
	Subject *texttemplate.Template
	// Text renders the plain-text body.
	Text *texttemplate.Template
	// HTML renders the HTML body; html/template escapes the data, and a link
	// that is not http or https would be replaced, which Render refuses first.
	HTML *htmltemplate.Template
}

// Render checks inv and renders the invitation message for it: To is
// inv.Email, Link is inv.Link, and Subject, Text and HTML come from the
// templates. It returns an error wrapping [ErrInvalidMessage] for a malformed
// email or link, or a template's execution error.
func (t Templates) Render(inv Invitation) (Message, error) {
	if err := checkAddress(inv.Email); err != nil {
		return Message{}, fmt.Errorf("%w: email: %v", ErrInvalidMessage, err)
	}
	if err := checkLink(inv.Link); err != nil {
		return Message{}, err
	}
	subject, text, html, err := t.resolve()
	if err != nil {
		return Message{}, err
	}
	m := Message{To: inv.Email, Link: inv.Link}
	var b bytes.Buffer
	if err := subject.Execute(&b, inv); err != nil {
		return Message{}, fmt.Errorf("invites: render subject: %w", err)
	}
	m.Subject = strings.TrimSpace(b.String())
	if strings.ContainsFunc(m.Subject, unicode.IsControl) {
		return Message{}, fmt.Errorf("%w: rendered subject contains a line break or control character", ErrInvalidMessage)
	}
	b.Reset()
	if err := text.Execute(&b, inv); err != nil {
		return Message{}, fmt.Errorf("invites: render text body: %w", err)
	}
	m.Text = b.String()
	b.Reset()
	if err := html.Execute(&b, inv); err != nil {
		return Message{}, fmt.Errorf("invites: render HTML body: %w", err)
	}
	m.HTML = b.String()
	return m, nil
}

// resolve returns the templates to use, parsing the embedded default for each
// nil field. Parsing on each call keeps the package free of mutable globals;
// it costs tens of microseconds, next to an SMTP round trip.
func (t Templates) resolve() (*texttemplate.Template, *texttemplate.Template, *htmltemplate.Template, error) {
	subject, text, html := t.Subject, t.Text, t.HTML
	var err error
	if subject == nil {
		if subject, err = texttemplate.ParseFS(defaultTemplateFS, "templates/subject.txt.tmpl"); err != nil {
			return nil, nil, nil, fmt.Errorf("invites: default subject template: %w", err)
		}
	}
	if text == nil {
		if text, err = texttemplate.ParseFS(defaultTemplateFS, "templates/body.txt.tmpl"); err != nil {
			return nil, nil, nil, fmt.Errorf("invites: default text template: %w", err)
		}
	}
	if html == nil {
		if html, err = htmltemplate.ParseFS(defaultTemplateFS, "templates/body.html.tmpl"); err != nil {
			return nil, nil, nil, fmt.Errorf("invites: default HTML template: %w", err)
		}
	}
	return subject, text, html, nil
}
