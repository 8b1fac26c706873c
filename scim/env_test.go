package scim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/users"
)

// env is a Directory on a fresh database whose default workspace has a
// person admin (so provisioned users are never its first admin) and a SCIM
// token, served by a Handler mounted at /scim/v2.
type env struct {
	t     testing.TB
	d     *roster.Directory
	w     *roster.Workspace
	h     http.Handler
	token string // the raw SCIM token
	tokID string
	admin users.User
}

func newEnv(t testing.TB, dsn string, cfg scim.Config) *env {
	t.Helper()
	d, err := roster.Open(t.Context(), roster.Config{DSN: dsn, Now: rostertest.NewClock().Now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	e := &env{t: t, d: d, w: d.Default(), h: mount(scim.New(d, cfg))}
	e.admin, err = e.w.Users().Register(t.Context(), users.Registration{Email: "admin@example.com", Actor: roster.System})
	if err != nil {
		t.Fatalf("Register admin: %v", err)
	}
	tok, raw, err := e.w.Tokens().CreateSCIM(t.Context(), roster.System, "IdP")
	if err != nil {
		t.Fatalf("CreateSCIM: %v", err)
	}
	e.token, e.tokID = raw, tok.ID
	return e
}

// forEachEnv runs test on a fresh env per store, in parallel.
func forEachEnv(t *testing.T, test func(e *env)) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		t.Parallel()
		test(newEnv(t, dsn, scim.Config{}))
	})
}

// resp is a decoded response.
type resp struct {
	code int
	hdr  http.Header
	body map[string]any
	raw  string
}

// do sends a request with the env's token (unless headers say otherwise)
// and decodes the JSON answer.
func (e *env) do(method, path string, body any, headers ...string) resp {
	e.t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+e.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	r := resp{code: rec.Code, hdr: rec.Header(), raw: rec.Body.String()}
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &r.body); err != nil {
			e.t.Fatalf("%s %s: answer %q is not a JSON object: %v", method, path, rec.Body.String(), err)
		}
	}
	return r
}

// want fails unless r has the status, and for an error the scimType and
// detail (empty scimType: none).
func (r resp) want(t testing.TB, what string, status int, scimType, detail string) {
	t.Helper()
	if r.code != status {
		t.Fatalf("%s: status %d (%s), want %d", what, r.code, r.raw, status)
	}
	if status < 300 {
		return
	}
	if r.body["schemas"].([]any)[0] != scim.ErrorSchema || r.body["status"] != itoa(status) ||
		(r.body["scimType"] != nil) != (scimType != "") || (scimType != "" && r.body["scimType"] != scimType) || r.body["detail"] != detail {
		t.Fatalf("%s: body %s, want status %d scimType %q detail %q", what, r.raw, status, scimType, detail)
	}
}
