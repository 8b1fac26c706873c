package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/rosterhq/roster/docs"
)

// The OpenAPI document (docs/openapi.json) and the handlers are held to
// each other here: the routes served are the routes documented, and real
// responses of every documented operation validate against its schemas.

// openAPIDoc loads and validates the document the server serves.
func openAPIDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return doc
}

// notJSONAPI are the patterns the server serves that are not part of the
// JSON API the document describes, each with the reason.
func notJSONAPI() map[string]string {
	return map[string]string{
		"/ui/":                 "the web admin pages (HTML)",
		"GET /{$}":             "redirects to /ui/",
		"/":                    "hands every other path to httpapi, whose own routes (Handler.Routes) are compared",
		"/scim/v2/":            "every other path and method under /scim/v2, answered by package scim with its own 404 or 405 envelope",
		"GET /invite/accept":   "the invitation link's HTML page",
		"POST /invite/accept":  "the invitation page's form (HTML)",
		"GET /password/reset":  "the reset mail's HTML page",
		"POST /password/reset": "the reset page's form (HTML)",
	}
}

// servedRoutes returns every pattern the server serves: its own mux's and
// httpapi's, which its fallback serves.
func servedRoutes(s *server) []string {
	all := append(append([]string(nil), s.patterns...), s.api.Routes()...)
	slices.Sort(all)
	return slices.Compact(all)
}

func documentedRoutes(doc *openapi3.T) []string {
	var out []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// Every route served is documented and every documented route is served;
// the routes left out are really not JSON API routes.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	ts := newTestServer(t)
	doc := openAPIDoc(t)
	served := servedRoutes(ts.s)
	if !slices.Contains(served, "GET /me") || !slices.Contains(served, "POST /auth/login") {
		t.Fatalf("the served routes miss httpapi's or the server's own: %q", served)
	}
	skip := notJSONAPI()
	for pattern := range skip {
		if !slices.Contains(served, pattern) {
			t.Errorf("%q is left out of the comparison but not served", pattern)
		}
	}
	documented := documentedRoutes(doc)
	if len(documented) == 0 {
		t.Fatal("docs/openapi.json documents no route")
	}
	for _, r := range served {
		if _, ok := skip[r]; !ok && !slices.Contains(documented, r) {
			t.Errorf("%s is served but not in docs/openapi.json", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("%s is in docs/openapi.json but not served", r)
		}
	}

	// The pages left out answer HTML or a redirect, never the JSON API.
	c := ts.client()
	for _, p := range []struct{ method, path string }{
		{http.MethodGet, "/ui/"}, {http.MethodGet, "/invite/accept?token=x"}, {http.MethodPost, "/invite/accept"},
		{http.MethodGet, "/password/reset?token=x"}, {http.MethodPost, "/password/reset"},
	} {
		r := c.form(p.path, url.Values{})
		if p.method == http.MethodGet {
			r = c.do(p.method, p.path, nil)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s %s: Content-Type %q, want an HTML page", p.method, p.path, ct)
		}
	}
	if r := c.do(http.MethodGet, "/", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/ui/" {
		t.Errorf("GET /: %d to %q, want 303 to /ui/", r.status, r.header.Get("Location"))
	}
}

// GET /openapi.json serves the document of package docs, to anyone.
func TestServeOpenAPI(t *testing.T) {
	ts := newTestServer(t)
	r := ts.client().do(http.MethodGet, "/openapi.json", nil)
	want(t, "GET /openapi.json", r, http.StatusOK, "")
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if !bytes.Equal(r.body, docs.OpenAPI()) {
		t.Error("the body is not docs.OpenAPI()")
	}
}

// apiCheck sends requests to the test server and validates each exchange
// against the document with openapi3filter: the response always (status,
// headers, body schema), and the request too when it is meant to succeed.
type apiCheck struct {
	t      *testing.T
	ts     *testServer
	router routers.Router
	seen   map[string][]int // operation id → statuses validated
}

func newAPICheck(t *testing.T, ts *testServer, doc *openapi3.T) *apiCheck {
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiCheck{t: t, ts: ts, router: router, seen: map[string][]int{}}
}

// sessionAuth checks the document's security schemes: "session", the
// session cookie; "apiKey" and "scimToken", a bearer token of the prefix
// the server gives an API key or a SCIM token.
func sessionAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	prefix := map[string]string{"apiKey": "Bearer roster_key_", "scimToken": "Bearer roster_scim_"}
	switch name := in.SecuritySchemeName; name {
	case "session":
		if _, err := req.Cookie(sessionCookie); err != nil {
			return in.NewError(err)
		}
		return nil
	case "apiKey", "scimToken":
		if !strings.HasPrefix(req.Header.Get("Authorization"), prefix[name]) {
			return in.NewError(nil)
		}
		return nil
	}
	return in.NewError(nil)
}

// call sends the request as c, fails the test unless the status is
// wantStatus, validates the exchange and returns the reply.
func (a *apiCheck) call(c *client, method, path string, body any, wantStatus int) reply {
	a.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			a.t.Fatal(err)
		}
	}
	newReq := func() *http.Request {
		var rd io.Reader
		if raw != nil {
			rd = bytes.NewReader(raw)
		}
		req, err := http.NewRequest(method, a.ts.url+path, rd)
		if err != nil {
			a.t.Fatal(err)
		}
		if raw != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+c.bearer)
		}
		return req
	}
	req := newReq()
	// The jar adds cookies as the request is sent; the copy validated
	// carries them explicitly.
	check := newReq()
	for _, ck := range c.hc.Jar.Cookies(req.URL) {
		check.AddCookie(ck)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, body: out}
	what := method + " " + path
	if r.status != wantStatus {
		a.t.Errorf("%s: got %d %s, want %d", what, r.status, r.body, wantStatus)
		return r
	}
	route, params, err := a.router.FindRoute(check)
	if err != nil {
		a.t.Errorf("%s: not in the document: %v", what, err)
		return r
	}
	in := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: sessionAuth, MultiError: true}}
	if r.status < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			a.t.Errorf("%s: the request does not match the document: %v", what, err)
		}
	}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: r.status, Header: r.header, Body: io.NopCloser(bytes.NewReader(r.body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}})
	if err != nil {
		a.t.Errorf("%s: %d %s does not match the document: %v", what, r.status, r.body, err)
		return r
	}
	a.seen[route.Operation.OperationID] = append(a.seen[route.Operation.OperationID], r.status)
	return r
}

// Every documented operation is driven through the real server for its
// main success response and at least one error response, and each
// exchange validates against the document. Operations that cannot be
// driven to one of them are listed in noError with the reason.
func TestOpenAPIResponsesMatchSchemas(t *testing.T) {
	ts := newTestServer(t)
	doc := openAPIDoc(t)
	a := newAPICheck(t, ts, doc)
	noError := map[string]string{
		"getOpenAPI":                "anyone may read it, whatever the request carries: no error is the caller's doing",
		"getHealthz":                "it answers while the process serves, whatever the request carries",
		"getMetrics":                "anyone may read them, whatever the request carries",
		"scimServiceProviderConfig": "SCIM discovery: anyone may read it, whatever the request carries",
		"scimResourceTypes":         "SCIM discovery: anyone may read it, whatever the request carries",
		"scimSchemas":               "SCIM discovery: anyone may read it, whatever the request carries",
	}
	driveOpenAPIScenario(t, a)

	if doc.Paths.Len() == 0 {
		t.Fatal("docs/openapi.json has no paths")
	}
	for _, op := range doc.Paths.Map() {
		for method, o := range op.Operations() {
			statuses := a.seen[o.OperationID]
			ok := slices.ContainsFunc(statuses, func(s int) bool { return s >= 200 && s < 300 })
			failed := slices.ContainsFunc(statuses, func(s int) bool { return s >= 400 })
			if !ok {
				t.Errorf("%s %s: no success response validated (seen %v)", method, o.OperationID, statuses)
			}
			if reason, skip := noError[o.OperationID]; skip {
				if o.Responses.Len() != 1 {
					t.Errorf("%s is listed as having no error (%s) but documents %d responses", o.OperationID, reason, o.Responses.Len())
				}
				continue
			}
			if !failed {
				t.Errorf("%s %s: no error response validated (seen %v)", method, o.OperationID, statuses)
			}
		}
	}
}
