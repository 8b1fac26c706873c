package scim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
)

// mount serves h as examples/server does, under /scim/v2.
func mount(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))
	return mux
}

func openDir(t *testing.T, dsn string) *roster.Directory {
	t.Helper()
	d, err := roster.Open(t.Context(), roster.Config{DSN: dsn})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func get(t *testing.T, h http.Handler, path string) (int, http.Header, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("GET %s: body %q is not JSON: %v", path, rec.Body.String(), err)
	}
	return rec.Code, rec.Header(), body
}

func TestDiscoveryNeedsNoToken(t *testing.T) {
	h := mount(scim.New(openDir(t, "sqlite:"+t.TempDir()+"/r.db"), scim.Config{}))
	code, hdr, spc := get(t, h, "/scim/v2/ServiceProviderConfig")
	if code != http.StatusOK || hdr.Get("Content-Type") != scim.ContentType {
		t.Fatalf("ServiceProviderConfig: %d %q", code, hdr.Get("Content-Type"))
	}
	if spc["patch"].(map[string]any)["supported"] != true || spc["bulk"].(map[string]any)["supported"] != false {
		t.Errorf("ServiceProviderConfig patch/bulk: %v %v", spc["patch"], spc["bulk"])
	}
	if got := spc["filter"].(map[string]any)["maxResults"]; got != float64(scim.MaxCount) {
		t.Errorf("filter.maxResults = %v, want %d", got, scim.MaxCount)
	}
	if got := spc["meta"].(map[string]any)["location"]; got != "/scim/v2/ServiceProviderConfig" {
		t.Errorf("meta.location = %v", got)
	}

	_, _, rts := get(t, h, "/scim/v2/ResourceTypes")
	if rts["totalResults"] != float64(2) {
		t.Errorf("ResourceTypes totalResults = %v", rts["totalResults"])
	}
	code, _, user := get(t, h, "/scim/v2/ResourceTypes/User")
	if code != http.StatusOK || user["endpoint"] != "/Users" || user["schema"] != scim.UserSchema {
		t.Errorf("ResourceTypes/User: %d %v", code, user)
	}

	_, _, schemas := get(t, h, "/scim/v2/Schemas")
	var ids []string
	for _, s := range schemas["Resources"].([]any) {
		ids = append(ids, s.(map[string]any)["id"].(string))
	}
	want := []string{scim.UserSchema, scim.GroupSchema, scim.EnterpriseUserSchema}
	if len(ids) != 3 || ids[0] != want[0] || ids[1] != want[1] || ids[2] != want[2] {
		t.Errorf("Schemas ids = %v, want %v", ids, want)
	}
	code, _, g := get(t, h, "/scim/v2/Schemas/"+scim.GroupSchema)
	if code != http.StatusOK || g["name"] != "Group" {
		t.Errorf("Schemas/Group: %d %v", code, g["name"])
	}
}

func TestDiscoveryRefusals(t *testing.T) {
	h := mount(scim.New(openDir(t, "sqlite:"+t.TempDir()+"/r.db"), scim.Config{}))
	cases := []struct {
		method, path string
		status       int
		detail       string
	}{
		{"GET", "/scim/v2/Schemas/urn:nope", 404, "No such resource."},
		{"GET", "/scim/v2/ResourceTypes/Printer", 404, "No such resource."},
		{"GET", "/scim/v2/ServiceProviderConfig/x", 404, "No such resource."},
		{"GET", "/scim/v2/Printers", 404, "No such resource."},
		{"POST", "/scim/v2/Schemas", 405, "This method is not allowed on this path."},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s %s: %v", c.method, c.path, err)
		}
		if rec.Code != c.status || body["status"] != itoa(c.status) || body["detail"] != c.detail {
			t.Errorf("%s %s: %d %v, want %d %q", c.method, c.path, rec.Code, body, c.status, c.detail)
		}
		if s := body["schemas"].([]any); len(s) != 1 || s[0] != scim.ErrorSchema {
			t.Errorf("%s %s: schemas %v", c.method, c.path, s)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
