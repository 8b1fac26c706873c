package scim

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rosterhq/roster/access"
)

// TestUnavailableAnswers503 shows that a write committed but not applied
// here, and a database that does not answer, are 503 with Retry-After: 1
// in the SCIM envelope, not 500: the identity provider retries a 503.
func TestUnavailableAnswers503(t *testing.T) {
	h := New(nil, Config{})
	for _, tc := range []struct {
		err    error
		detail string
	}{
		{&access.NotAppliedError{Version: 7, Err: fmt.Errorf("changelog read failed")},
			"The change was saved, but this server has not caught up with it yet."},
		{fmt.Errorf("register: %w", driver.ErrBadConn), "The database does not answer."},
	} {
		rec := httptest.NewRecorder()
		h.fail(rec, httptest.NewRequest(http.MethodPost, "/Users", nil), h.fromError(tc.err))
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" {
			t.Errorf("%v: status %d, Retry-After %q; want 503 and 1", tc.err, rec.Code, rec.Header().Get("Retry-After"))
		}
		var body struct {
			Schemas []string `json:"schemas"`
			Status  string   `json:"status"`
			Detail  string   `json:"detail"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%v: body %q: %v", tc.err, rec.Body, err)
		}
		if body.Status != "503" || body.Detail != tc.detail || len(body.Schemas) != 1 || body.Schemas[0] != ErrorSchema {
			t.Errorf("%v: body %+v; want status \"503\", detail %q and the error schema", tc.err, body, tc.detail)
		}
	}
}
