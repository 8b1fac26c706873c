package docs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/rosterhq/roster/docs"
)

// load parses and validates an OpenAPI document with kin-openapi.
//
// What kin-openapi v0.153.0 checks for a 3.1 document: the loader decodes
// every object into its model and resolves every $ref (a dangling one fails
// the load); Validate then applies the 3.1 rules (IsOpenAPI31OrLater): the
// required fields of each object, unique operation ids, path parameters
// declared for every template variable, security requirements naming
// defined schemes, media types, and every schema's keywords in their 3.1
// forms (type arrays, numeric exclusive bounds). What it does not do is
// validate the document against the published OpenAPI 3.1 JSON Schema, nor
// compile schemas under JSON Schema 2020-12 here: that happens when a value
// is validated (openapi3filter enables the 2020-12 validator for 3.1
// documents), which the example server's test does for every request and
// response it records.
func load(t *testing.T, data []byte) (*openapi3.T, error) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background())
}

func TestOpenAPIValidates(t *testing.T) {
	doc, err := load(t, docs.OpenAPI())
	if err != nil {
		t.Fatalf("docs/openapi.json does not validate: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if doc.Components.SecuritySchemes["session"] == nil || doc.Components.SecuritySchemes["session"].Value.In != "cookie" {
		t.Error("no session cookie security scheme")
	}
}

// Every operation declares its success response and, unless it cannot
// fail by the caller's doing, error responses whose body is the API's
// error {detail, code}; under /scim/v2, the SCIM error envelope.
func TestOpenAPIErrorsAreDocumented(t *testing.T) {
	doc, err := load(t, docs.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	// The operations that answer whatever the request: the document,
	// liveness and metrics.
	cannotFail := map[string]bool{"/openapi.json": true, "/healthz": true, "/metrics": true,
		"/scim/v2/ServiceProviderConfig": true, "/scim/v2/ResourceTypes": true, "/scim/v2/Schemas": true}
	if doc.Paths.Len() == 0 {
		t.Fatal("docs/openapi.json has no paths")
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			success, failures := 0, 0
			for status, resp := range op.Responses.Map() {
				switch {
				case strings.HasPrefix(status, "2"):
					success++
				case strings.HasPrefix(status, "4"), strings.HasPrefix(status, "5"):
					failures++
					if strings.HasPrefix(path, "/scim/v2/") {
						s := resp.Value.Content.Get("application/scim+json")
						if s == nil || s.Schema == nil || s.Schema.Ref != "#/components/schemas/SCIMError" {
							t.Errorf("%s %s: response %s is not the SCIM error envelope", method, path, status)
						}
						continue
					}
					s := resp.Value.Content.Get("application/json")
					if s == nil || s.Schema == nil || len(s.Schema.Value.AllOf) != 1 || s.Schema.Value.AllOf[0].Ref != "#/components/schemas/Error" {
						t.Errorf("%s %s: response %s is not the error body", method, path, status)
					}
				}
			}
			if success != 1 {
				t.Errorf("%s %s: %d success responses, want 1", method, path, success)
			}
			if failures == 0 && !cannotFail[path] {
				t.Errorf("%s %s: no error response documented", method, path)
			}
		}
	}
}

// The validation above is not a formality: each of these mistakes fails it.
func TestOpenAPIValidationCatchesMistakes(t *testing.T) {
	good := docs.OpenAPI()
	for _, c := range []struct{ what, from, to string }{
		{"dangling $ref", `"#/components/schemas/User"`, `"#/components/schemas/Nobody"`},
		{"unknown type", `"type": "boolean"`, `"type": "bool"`},
		{"undeclared path parameter", `"/persona/{id}/share"`, `"/persona/{persona}/share"`},
		{"3.0 form in a 3.1 document", `"minimum": 1,`, `"minimum": 1, "exclusiveMinimum": true,`},
		{"duplicate operation id", `"operationId": "getMyACL"`, `"operationId": "getMe"`},
		{"undefined security scheme", `"session": []`, `"sessions": []`},
	} {
		bad := bytes.Replace(good, []byte(c.from), []byte(c.to), 1)
		if bytes.Equal(bad, good) {
			t.Fatalf("%s: %s is not in the document", c.what, c.from)
		}
		if _, err := load(t, bad); err == nil {
			t.Errorf("%s: the document still validates", c.what)
		}
	}
}

// OpenAPI returns the embedded file, as a copy each time.
func TestOpenAPIIsACopyOfTheFile(t *testing.T) {
	file, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	got := docs.OpenAPI()
	if !bytes.Equal(got, file) {
		t.Fatal("OpenAPI differs from openapi.json")
	}
	if !json.Valid(got) {
		t.Fatal("not JSON")
	}
	got[0] = 'X'
	if again := docs.OpenAPI(); again[0] != file[0] {
		t.Error("changing the returned bytes changed the next call's")
	}
}
