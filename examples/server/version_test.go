package main

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/rosterhq/roster/httpapi"
)

// The server's own JSON routes keep the version promise of httpapi's: a
// write answers Roster-Version (its change included), Roster-Min-Version is
// waited for, one never committed is 400 at once, and a malformed one is
// refused before anything is written.
// The operations endpoints ignore the header.
func TestServerRoutesHonourTheVersionHeaders(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	admin := ts.login("ada@example.com")
	before := ts.s.dir.Version()
	r := admin.do(http.MethodPost, "/manage/admin/connector", connectorRequest{Name: "Drive", AccessType: "public"})
	want(t, "create connector", r, http.StatusCreated, "")
	v, err := strconv.ParseInt(r.header.Get(httpapi.VersionHeader), 10, 64)
	if err != nil || v <= before || v != ts.s.dir.Version() {
		t.Fatalf("Roster-Version = %q, want %d (above %d)", r.header.Get(httpapi.VersionHeader), ts.s.dir.Version(), before)
	}
	r = admin.do(http.MethodGet, "/manage/connector", nil, httpapi.MinVersionHeader, strconv.FormatInt(v, 10))
	want(t, "list at the write's version", r, http.StatusOK, "")
	r = admin.do(http.MethodGet, "/manage/connector", nil, httpapi.MinVersionHeader, strconv.FormatInt(v+1000, 10))
	want(t, "list at a version never committed", r, http.StatusBadRequest, httpapi.CodeInvalidInput)
	r = admin.do(http.MethodPost, "/manage/admin/connector", connectorRequest{Name: "Wiki", AccessType: "public"}, httpapi.MinVersionHeader, "soon")
	want(t, "create with a malformed Roster-Min-Version", r, http.StatusBadRequest, httpapi.CodeInvalidInput)
	if got := ts.s.dir.Version(); got != v {
		t.Errorf("the refused create moved the version from %d to %d", v, got)
	}
	want(t, "readyz ignores the header", admin.do(http.MethodGet, "/readyz", nil, httpapi.MinVersionHeader, "soon"), http.StatusOK, "")
}
