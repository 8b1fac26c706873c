package httpapi_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/httpapi"
)

// An oversized body answered 400 INVALID_INPUT, or was not looked at: every
// route answers 413 PAYLOAD_TOO_LARGE with the limit in the detail, whether
// the body declares its length (refused before anything else) or is
// streamed (refused when reading passes the limit).
func TestAttackOversizedBody(t *testing.T) {
	w := newWorld(t)
	const limit = 64 << 10
	const detail = "The request body is larger than the limit of 65536 bytes."
	param := regexp.MustCompile(`\{[^}]+\}`)
	routes := w.h.(*httpapi.Handler).Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, pattern := range routes {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			method, path = http.MethodPost, pattern
		}
		path = param.ReplaceAllString(path, "x")
		for _, who := range []string{admin, basic, signedOut} {
			before := w.dir.Version()
			req := httptest.NewRequest(method, path, strings.NewReader(strings.Repeat(" ", limit+1)))
			if who != signedOut {
				req.Header.Set(authHeader, w.users[who].ID)
			}
			rec := httptest.NewRecorder()
			w.h.ServeHTTP(rec, req)
			wantTooLarge(t, who+" "+pattern, rec, detail)
			if got := w.dir.Version(); got != before {
				t.Errorf("%s %s: refused, yet the version moved", who, pattern)
			}
		}
	}
	// A streamed body declares no length: decoding stops at the limit.
	body := io.MultiReader(strings.NewReader(`{"name": "`), strings.NewReader(strings.Repeat("n", limit)), strings.NewReader(`"}`))
	before := w.dir.Version()
	wantTooLarge(t, "a streamed body", w.do(admin, http.MethodPost, "/manage/admin/user-group", body), detail)
	if got := w.dir.Version(); got != before {
		t.Errorf("a streamed body: refused, yet the version moved")
	}
}

// ErrPayloadTooLarge is bad input too, for programs that branch on the six
// sentinels.
func TestPayloadTooLargeIsInvalid(t *testing.T) {
	if !errors.Is(httpapi.ErrPayloadTooLarge, roster.ErrInvalid) {
		t.Error("ErrPayloadTooLarge does not match roster.ErrInvalid")
	}
}

func wantTooLarge(t *testing.T, what string, rec *httptest.ResponseRecorder, detail string) {
	t.Helper()
	var e apiError
	json.Unmarshal(rec.Body.Bytes(), &e)
	if rec.Code != http.StatusRequestEntityTooLarge || e.Code != httpapi.CodePayloadTooLarge || e.Detail != detail {
		t.Errorf("%s: %d %s, want 413 %s %q", what, rec.Code, rec.Body, httpapi.CodePayloadTooLarge, detail)
	}
}

// The CSV download is data, never a page: browsers must not sniff it into
// HTML.
func TestAttackCSVIsNotSniffed(t *testing.T) {
	w := newWorld(t)
	rec := w.do(admin, http.MethodGet, "/manage/users/download", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET /manage/users/download: %d, X-Content-Type-Options %q, want 200 nosniff",
			rec.Code, rec.Header().Get("X-Content-Type-Options"))
	}
}
