package main

import (
	"context"
	"errors"
	"html/template"
	"net/http"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/users"
)

// pages are the few HTML pages the sign-in flow needs (the invitation and
// password-reset links open them) and the placeholder at /ui/ when no web
// admin pages are mounted. They take the admin pages' stylesheet but no
// script: one plain form each, which works without JavaScript.
var pages = template.Must(template.New("pages").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · roster</title><link rel="stylesheet" href="/ui/static/app.css"></head>
<body><main id="main"><p class="brand-out">roster</p>
<h1>{{.Title}}</h1>
{{if .Error}}<div class="refusal" role="alert"><p class="detail">{{.Error}}</p></div>{{end}}{{if .Message}}<p class="note">{{.Message}}</p>{{end}}{{end}}

{{define "foot"}}</main></body></html>
{{end}}

{{define "accept"}}{{template "head" .}}
{{if .Token}}<form class="card narrow" method="post" action="/invite/accept">
<input type="hidden" name="token" value="{{.Token}}">
<p><label for="email">Email</label> <input id="email" type="email" value="{{.Email}}" readonly autocomplete="username"></p>
<p><label for="password">Password <span class="hint">(at least 8 characters)</span></label> <input id="password" type="password" name="password" minlength="8" required autocomplete="new-password" autofocus></p>
<p><button type="submit">Create account</button></p>
</form>{{end}}
{{template "foot" .}}{{end}}

{{define "reset"}}{{template "head" .}}
{{if .Token}}<form class="card narrow" method="post" action="/password/reset">
<input type="hidden" name="token" value="{{.Token}}">
<p><label for="new_password">New password <span class="hint">(at least 8 characters)</span></label> <input id="new_password" type="password" name="new_password" minlength="8" required autocomplete="new-password" autofocus></p>
<p><button type="submit">Change password</button></p>
</form>{{end}}
{{template "foot" .}}{{end}}

{{define "ui"}}{{template "head" .}}
{{if .Email}}<p>Signed in as {{.Email}} ({{.Role}}).</p>{{else}}<p>Not signed in. Register with POST /auth/register, sign in with POST /auth/login.</p>{{end}}
<p>The web admin pages will be served here. Until then, use the JSON API: GET /me, GET /manage/users, and the paths the OpenAPI document at /openapi.json lists.</p>
{{template "foot" .}}{{end}}
`))

// page is what the templates show.
type page struct {
	Title   string
	Error   string // shown as an alert
	Message string
	Email   string
	Role    string
	Token   string // a link token carried by a form's hidden field
}

// render writes the template name with status. The headers keep the pages
// out of frames and caches, send no Referer (the URL may hold a link token)
// and allow no script.
func (s *server) render(w http.ResponseWriter, status int, name string, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY") // for browsers that ignore frame-ancestors
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, p); err != nil {
		s.cfg.Logger.Error("server: rendering a page failed", "page", name, "error", err)
	}
}

// renderError renders the page with err's status and the sentence for
// people the error carries (access.Sentence).
func (s *server) renderError(w http.ResponseWriter, r *http.Request, name string, p page, err error) {
	status, code, known := httpapi.Classify(err)
	switch {
	case !known:
		s.cfg.Logger.Error("server: request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		p.Error = "Something went wrong; please try again."
	case code == httpapi.CodeDuplicate:
		p.Error = "An account with this email already exists; sign in instead."
	default:
		p.Error = access.Sentence(err, nil)
	}
	s.metrics.countRefusal(err)
	setRetryAfter(w, err)
	s.render(w, status, name, p)
}

// parseForm reads a form body of at most MaxBodyBytes: a larger one is 413
// PAYLOAD_TOO_LARGE, any other failure 400.
func (s *server) parseForm(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength > s.cfg.MaxBodyBytes {
		return tooLarge(s.cfg.MaxBodyBytes)
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooLarge(s.cfg.MaxBodyBytes)
		}
		return invalid("body", "is not a form of at most %d bytes", s.cfg.MaxBodyBytes)
	}
	return nil
}

// uiPlaceholder serves /ui/ until the web admin pages arrive: who is signed
// in, and where the API is.
func (s *server) uiPlaceholder(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Detail: r.Method + " is not served on this path", Code: httpapi.CodeMethodNotAllowed})
		return
	}
	if r.URL.Path != "/ui/" {
		s.render(w, http.StatusNotFound, "ui", page{Title: "Not found", Error: "There is no such page yet."})
		return
	}
	p := page{Title: "roster admin"}
	if c, err := s.caller(r); err == nil {
		p.Email, p.Role = c.User.Email, string(c.User.Role)
	}
	s.render(w, http.StatusOK, "ui", p)
}

// noUsers reports whether the workspace has no user yet, for the pages to
// open on creating the admin account (the first person to sign up is admin).
func (s *server) noUsers(ctx context.Context) (bool, error) {
	page, err := s.ws.Users().List(ctx, users.Filter{Limit: 1})
	if err != nil {
		return false, err
	}
	return page.Total == 0, nil
}
