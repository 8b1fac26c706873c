package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configures New.
type Options struct {
	// API serves the JSON API of docs/http.md, with the application's routes, at
	// the paths docs/http.md names (typically the application's mux). The pages
	// read through it in-process with the browser's session cookie. Required.
	API http.Handler
	// Logger receives the failures of the pages themselves (a template that
	// does not render, an API answer that does not decode), never request
	// bodies. Discarded if nil.
	Logger *slog.Logger
	// Now is the clock of the usage charts' seven days. time.Now if nil.
	Now func() time.Time
	// MailPrinted says the server's mail (invitations, password resets) is
	// printed on its output by the development mailer rather than sent: the
	// pages say so instead of "sent".
	MailPrinted bool
	// NoUsers reports whether the workspace has no user yet; the sign-in and
	// sign-up pages then offer to create the admin account (the first person
	// to sign up becomes admin). Nil: never.
	NoUsers func(ctx context.Context) (bool, error)
	// SCIMURL is the SCIM endpoint the SCIM page gives admins for their
	// identity provider (the server's public URL and /scim/v2). If empty,
	// /scim/v2 on the scheme and host the browser reached.
	SCIMURL string
}

// Handler serves the web admin pages under /ui/. Create it with New; it
// holds no mutable state and is safe for concurrent use.
type Handler struct {
	opts  Options
	mux   *http.ServeMux
	pages map[string]*template.Template
}

var _ http.Handler = (*Handler)(nil)

// New returns the handler of the pages. It panics if opts.API is nil: that
// is a programming error, not a request's.
func New(opts Options) *Handler {
	if opts.API == nil {
		panic("web: New needs Options.API")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{opts: opts, mux: http.NewServeMux(), pages: parsePages()}
	h.routes()
	return h
}

// ServeHTTP serves one request under /ui/.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) routes() {
	h.public("GET /ui/signin", h.signinPage)
	h.public("GET /ui/signup", h.signupPage)
	h.public("GET /ui/forgot", h.forgotPage)
	h.public("GET /ui/reset", h.resetPage)
	h.signedIn("GET /ui/{$}", h.homePage)
	h.signedIn("GET /ui/users", h.usersPage)
	h.signedIn("GET /ui/groups", h.groupsPage)
	h.signedIn("GET /ui/groups/{id}", h.groupPage)
	h.signedIn("GET /ui/limits", h.limitsPage)
	h.signedIn("GET /ui/audit", h.auditPage)
	h.signedIn("GET /ui/settings", h.settingsPage)
	h.signedIn("GET /ui/settings/scim", h.scimPage)
	h.signedIn("GET /ui/settings/api-keys", h.apiKeysPage)
	h.signedIn("GET /ui/connectors", h.connectorsPage)
	h.signedIn("GET /ui/document-sets", h.documentSetsPage)
	h.signedIn("GET /ui/agents", h.agentsPage)
	h.signedIn("GET /ui/users/{id}", h.userPage)
	static, _ := fs.Sub(staticFS, "static")
	h.mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", staticHeaders(http.FileServerFS(static))))
	h.mux.HandleFunc("/ui/", h.notFound)
}

// view is what a page handler renders: a template of templates/, its title,
// the navigation entry it belongs to, and its data.
type view struct {
	name, title, nav string
	data             any
}

// pageData is what every template sees.
type pageData struct {
	Title string
	Nav   string
	Me    *meJSON   // nil on the signed-out pages
	Err   *apiError // the API's refusal, shown instead of the page
	Data  any
}

// call is one page request: the browser's request, the API as its user,
// and that user (zero on the signed-out pages).
type call struct {
	r   *http.Request
	api api
	me  meJSON
}

type pageFunc func(c *call) (view, error)

// signedIn registers a page that needs a session: without one (the API
// answers /me with 401) the browser goes to the sign-in page and back.
func (h *Handler) signedIn(pattern string, fn pageFunc) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := &call{r: r, api: api{h: h.opts.API, r: r}}
		if _, err := c.api.get("/me", nil, &c.me); err != nil {
			h.fail(w, r, nil, err)
			return
		}
		v, err := fn(c)
		if err != nil {
			h.fail(w, r, &c.me, err)
			return
		}
		h.render(w, r, http.StatusOK, v, pageData{Title: v.title, Nav: v.nav, Me: &c.me, Data: v.data})
	})
}

// public registers a signed-out page (sign in, sign up, password reset).
func (h *Handler) public(pattern string, fn pageFunc) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		v, err := fn(&call{r: r, api: api{h: h.opts.API, r: r}})
		if err != nil {
			h.fail(w, r, nil, err)
			return
		}
		h.render(w, r, http.StatusOK, v, pageData{Title: v.title, Data: v.data})
	})
}

// fail answers a page whose API call was refused: 401 goes to sign-in, any
// other refusal is shown with the API's status and detail. Other errors are
// the pages' own, logged and answered 500 without details.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, me *meJSON, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		http.Redirect(w, r, "/ui/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	case ae == nil:
		h.opts.Logger.Error("web: page failed", "path", r.URL.Path, "error", err)
		ae = &apiError{Status: http.StatusInternalServerError, Detail: "The page could not be shown."}
	}
	h.render(w, r, ae.Status, view{name: "error", title: http.StatusText(ae.Status)}, pageData{Title: http.StatusText(ae.Status), Me: me, Err: ae})
}

// notFound answers paths under /ui/ that are no page.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	ae := &apiError{Status: http.StatusNotFound, Detail: "There is no page at " + r.URL.Path + "."}
	h.render(w, r, http.StatusNotFound, view{name: "error"}, pageData{Title: "Not found", Err: ae})
}

// render writes the page with the security headers: scripts, styles and
// connections from this origin only, no frames, no Referer (sign-up and
// reset URLs carry link tokens), no caching of signed-in pages.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, v view, d pageData) {
	t, ok := h.pages[v.name]
	var buf bytes.Buffer
	if !ok {
		h.opts.Logger.Error("web: no template", "template", v.name)
		status, t = http.StatusInternalServerError, h.pages["error"]
		d.Err = &apiError{Status: status, Detail: "The page could not be shown."}
	}
	if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
		h.opts.Logger.Error("web: rendering failed", "template", v.name, "error", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY") // for browsers that ignore frame-ancestors
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func staticHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		next.ServeHTTP(w, r)
	})
}

// parsePages parses each page template of templates/ with the layout and
// the shared parts.
func parsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || name == "parts" {
			continue
		}
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", n))
	}
	return out
}
