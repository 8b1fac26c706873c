package scim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/users"
)

const unauthorized = "A valid SCIM bearer token is required."

// state is what a refusal must leave unchanged: the committed version and
// the SCIM records.
func (e *env) state() string {
	e.t.Helper()
	v, err := e.d.CommittedVersion(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	var n int64
	if err := e.db().Table("roster_scim_records").Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return fmt.Sprintf("version %d, %d records", v, n)
}

func (e *env) db() *gorm.DB {
	return construct.Get[func(*roster.Directory) *store.Store]("roster.Store")(e.d).DB
}

// unchanged fails if the state moved since before.
func (e *env) unchanged(what, before string) {
	e.t.Helper()
	if after := e.state(); after != before {
		e.t.Fatalf("%s wrote: before %s, after %s", what, before, after)
	}
}

func (e *env) provision(email string) string {
	e.t.Helper()
	r := e.do("POST", "/scim/v2/Users", map[string]any{"userName": email})
	r.want(e.t, "provision "+email, http.StatusCreated, "", "")
	return r.body["id"].(string)
}

func TestAuthRefusals(t *testing.T) {
	forEachEnv(t, func(e *env) {
		ctx := t.Context()
		revoked, rawRevoked, err := e.w.Tokens().CreateSCIM(ctx, roster.System, "old")
		e.must(err)
		e.must(e.w.Tokens().Revoke(ctx, roster.System, revoked.ID))
		_, apiKey, err := e.w.CreateAPIKey(ctx, roster.System, "bot", users.RoleAdmin)
		e.must(err)
		cases := []struct{ name, header string }{
			{"missing", ""},
			{"not bearer", "Basic " + e.token},
			{"empty bearer", "Bearer "},
			{"malformed", "Bearer not-a-token"},
			{"revoked", "Bearer " + rawRevoked},
			{"API key", "Bearer " + apiKey},
		}
		before := e.state()
		for _, c := range cases {
			for _, m := range []struct{ method, path string }{{"GET", "/scim/v2/Users"}, {"POST", "/scim/v2/Users"}, {"DELETE", "/scim/v2/Groups/" + e.admin.ID}} {
				r := e.do(m.method, m.path, map[string]any{"userName": "x@example.com"}, "Authorization", c.header)
				r.want(t, c.name+" "+m.method, http.StatusUnauthorized, "", unauthorized)
				if r.hdr.Get("WWW-Authenticate") == "" {
					t.Errorf("%s: no WWW-Authenticate", c.name)
				}
			}
		}
		e.unchanged("refused tokens", before)
	})
}

func TestOtherWorkspace(t *testing.T) {
	forEachEnv(t, func(e *env) {
		ctx := t.Context()
		id := e.provision("alice@example.com")
		other, err := e.d.CreateWorkspace(ctx, roster.System, "other", "Other")
		e.must(err)
		_, rawOther, err := other.Tokens().CreateSCIM(ctx, roster.System, "IdP")
		e.must(err)
		bearer := "Bearer " + rawOther
		// Served per token: the other workspace sees none of this one.
		before := e.state()
		e.do("GET", "/scim/v2/Users/"+id, nil, "Authorization", bearer).want(t, "GET across", http.StatusNotFound, "", "No such resource.")
		e.do("DELETE", "/scim/v2/Users/"+id, nil, "Authorization", bearer).want(t, "DELETE across", http.StatusNotFound, "", "No such resource.")
		r := e.do("GET", "/scim/v2/Users", nil, "Authorization", bearer)
		if r.code != http.StatusOK || r.body["totalResults"] != float64(0) {
			t.Fatalf("list across: %s", r.raw)
		}
		e.unchanged("cross-workspace calls", before)
		// A Handler bound to the default workspace refuses the other's token.
		bound := newEnv(t, rostertest.SQLiteDSN(t), scim.Config{Workspace: roster.DefaultWorkspace})
		ws, err := bound.d.CreateWorkspace(ctx, roster.System, "other", "Other")
		e.must(err)
		_, raw, err := ws.Tokens().CreateSCIM(ctx, roster.System, "IdP")
		e.must(err)
		bound.do("GET", "/scim/v2/Users", nil, "Authorization", "Bearer "+raw).want(t, "bound handler", http.StatusUnauthorized, "", unauthorized)
		bound.do("GET", "/scim/v2/Users", nil).want(t, "bound handler, own token", http.StatusOK, "", "")
	})
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func TestThrottle(t *testing.T) {
	e := newEnv(t, rostertest.SQLiteDSN(t), scim.Config{Rate: 0.5, Burst: 2})
	e.do("GET", "/scim/v2/Users", nil).want(t, "1st", http.StatusOK, "", "")
	e.do("GET", "/scim/v2/Users", nil).want(t, "2nd", http.StatusOK, "", "")
	r := e.do("GET", "/scim/v2/Users", nil)
	r.want(t, "3rd", http.StatusTooManyRequests, "", "Too many requests for this SCIM token; try again in 2 seconds.")
	if r.hdr.Get("Retry-After") != "2" {
		t.Errorf("Retry-After %q, want 2", r.hdr.Get("Retry-After"))
	}
	// Another token has its own bucket.
	_, raw, err := e.w.Tokens().CreateSCIM(t.Context(), roster.System, "second")
	e.must(err)
	e.do("GET", "/scim/v2/Users", nil, "Authorization", "Bearer "+raw).want(t, "other token", http.StatusOK, "", "")
}

func TestBadInput(t *testing.T) {
	forEachEnv(t, func(e *env) {
		uid := e.provision("alice@example.com")
		gr := e.do("POST", "/scim/v2/Groups", map[string]any{"displayName": "Eng", "members": []any{map[string]any{"value": uid}}})
		gr.want(t, "group", http.StatusCreated, "", "")
		gid := gr.body["id"].(string)
		ghost := "0b7e3f6a-1c1d-4c4e-9a0e-00000000dead"
		many := make([]any, scim.MaxMembers+1)
		for i := range many {
			many[i] = map[string]any{"value": fmt.Sprintf("0b7e3f6a-1c1d-4c4e-9a0e-%012d", i)}
		}
		patch := func(ops string) string {
			return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`
		}
		cases := []struct {
			name, method, path string
			body               any
			headers            []string
			status             int
			scimType, detail   string
		}{
			{"malformed JSON", "POST", "/scim/v2/Users", `{"userName":`, nil, 400, "invalidSyntax", "The request body is not a JSON object."},
			{"a list", "POST", "/scim/v2/Users", `[{"userName":"b@example.com"}]`, nil, 400, "invalidSyntax", "The request body is not a JSON object."},
			{"two objects", "POST", "/scim/v2/Users", `{"userName":"b@example.com"}{}`, nil, 400, "invalidSyntax", "The request body is not a JSON object."},
			{"wrong content type", "POST", "/scim/v2/Users", `{"userName":"b@example.com"}`, []string{"Content-Type", "text/plain"}, 400, "invalidSyntax", "The request body must be application/scim+json or application/json."},
			{"unknown attribute", "POST", "/scim/v2/Users", map[string]any{"userName": "b@example.com", "shoeSize": 44}, nil, 400, "invalidSyntax", `The attribute "shoeSize" is not part of the schema.`},
			{"unknown extension", "POST", "/scim/v2/Users", map[string]any{"userName": "b@example.com", "urn:x:ext:User": map[string]any{}}, nil, 400, "invalidSyntax", `The attribute "urn:x:ext:User" is not part of the schema.`},
			{"unknown sub-attribute", "POST", "/scim/v2/Users", map[string]any{"userName": "b@example.com", "name": map[string]any{"nick": "x"}}, nil, 400, "invalidSyntax", `The attribute "name.nick" is not part of the schema.`},
			{"wrong type", "POST", "/scim/v2/Users", map[string]any{"userName": "b@example.com", "active": "yes"}, nil, 400, "invalidSyntax", `"active" must be true or false.`},
			{"no userName", "POST", "/scim/v2/Users", map[string]any{"displayName": "B"}, nil, 400, "invalidValue", "A user needs a userName, its email address."},
			{"userName not an email", "POST", "/scim/v2/Users", map[string]any{"userName": "bob"}, nil, 400, "invalidValue", `The userName "bob" is not a valid email address.`},
			{"provisioned already", "POST", "/scim/v2/Users", map[string]any{"userName": "ALICE@example.com"}, nil, 409, "uniqueness", "A user with this userName is provisioned already."},
			{"invalid filter", "GET", "/scim/v2/Users?filter=" + urlq(`userName eq`), nil, nil, 400, "invalidFilter", "The filter is not valid SCIM filter syntax."},
			{"filter outside the allow-list", "GET", "/scim/v2/Users?filter=" + urlq(`password eq "x"`), nil, nil, 400, "invalidFilter", `Filtering on "password" is not supported.`},
			{"PATCH unknown path", "PATCH", "/scim/v2/Users/" + uid, patch(`[{"op":"replace","path":"shoeSize","value":1}]`), nil, 400, "invalidPath", `The path "shoeSize" is not an attribute roster serves.`},
			{"PATCH userName to a non-email", "PATCH", "/scim/v2/Users/" + uid, patch(`[{"op":"replace","path":"userName","value":"bob"}]`), nil, 400, "invalidValue", `The userName "bob" is not a valid email address.`},
			{"PATCH removes the userName", "PATCH", "/scim/v2/Users/" + uid, patch(`[{"op":"remove","path":"userName"}]`), nil, 400, "invalidValue", "A user needs a userName, its email address."},
			{"PATCH without the schema", "PATCH", "/scim/v2/Users/" + uid, `{"Operations":[{"op":"replace","path":"title","value":"x"}]}`, nil, 400, "invalidSyntax", "A PATCH body must name the schema urn:ietf:params:scim:api:messages:2.0:PatchOp."},
			{"PUT without a userName", "PUT", "/scim/v2/Users/" + uid, map[string]any{"displayName": "x"}, nil, 400, "invalidValue", "A user needs a userName, its email address."},
			{"group without a name", "POST", "/scim/v2/Groups", map[string]any{"members": []any{}}, nil, 400, "invalidValue", "A group needs a displayName."},
			{"group name taken", "POST", "/scim/v2/Groups", map[string]any{"displayName": "Eng"}, nil, 409, "uniqueness", `A group named "Eng" already exists.`},
			{"group name too long", "POST", "/scim/v2/Groups", map[string]any{"displayName": strings.Repeat("x", 101)}, nil, 400, "invalidValue", "A group name is 1 to 100 characters long."},
			{"member not a uuid", "POST", "/scim/v2/Groups", map[string]any{"displayName": "Ops", "members": []any{map[string]any{"value": "bob"}}}, nil, 400, "invalidValue", `The member "bob" is not a user id.`},
			{"unknown member", "POST", "/scim/v2/Groups", map[string]any{"displayName": "Ops", "members": []any{map[string]any{"value": uid}, map[string]any{"value": ghost}}}, nil, 400, "invalidValue", "A member is not a user of this workspace."},
			{"unknown member in PATCH", "PATCH", "/scim/v2/Groups/" + gid, patch(`[{"op":"replace","path":"displayName","value":"Ops"},{"op":"add","path":"members","value":[{"value":"` + ghost + `"}]}]`), nil, 400, "invalidValue", "A member is not a user of this workspace."},
			{"unknown member in PUT", "PUT", "/scim/v2/Groups/" + gid, map[string]any{"displayName": "Ops", "members": []any{map[string]any{"value": ghost}}}, nil, 400, "invalidValue", "A member is not a user of this workspace."},
			{"too many members in PUT", "PUT", "/scim/v2/Groups/" + gid, map[string]any{"displayName": "Eng", "members": many}, nil, 400, "invalidValue", "A request carries at most 10000 members."},
			{"too many members in PATCH", "PATCH", "/scim/v2/Groups/" + gid, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": []any{map[string]any{"op": "add", "path": "members", "value": many}}}, nil, 400, "invalidValue", "A request carries at most 10000 members."},
			{"remove every member", "PATCH", "/scim/v2/Groups/" + gid, patch(`[{"op":"remove","path":"members"}]`), nil, 400, "noTarget", "Say which members to remove: roster never removes every member of a group at once."},
			{"rename onto a taken name", "PATCH", "/scim/v2/Groups/" + gid, patch(`[{"op":"replace","path":"displayName","value":"Taken"}]`), nil, 409, "uniqueness", `A group named "Taken" already exists.`},
			{"user id not a uuid", "GET", "/scim/v2/Users/alice", nil, nil, 404, "", "No such resource."},
			{"unknown user", "GET", "/scim/v2/Users/" + ghost, nil, nil, 404, "", "No such resource."},
			{"a user SCIM never provisioned", "GET", "/scim/v2/Users/" + e.admin.ID, nil, nil, 404, "", "No such resource."},
			{"PATCH a user SCIM never provisioned", "PATCH", "/scim/v2/Users/" + e.admin.ID, patch(`[{"op":"replace","path":"active","value":false}]`), nil, 404, "", "No such resource."},
			{"unknown group", "DELETE", "/scim/v2/Groups/" + ghost, nil, nil, 404, "", "No such resource."},
			{"group id not a uuid", "GET", "/scim/v2/Groups/eng", nil, nil, 404, "", "No such resource."},
			{"a deeper path", "GET", "/scim/v2/Users/" + uid + "/x", nil, nil, 404, "", "No such resource."},
			{"method on the collection", "DELETE", "/scim/v2/Users", nil, nil, 405, "", "This method is not allowed on this path."},
			{"method on a resource", "POST", "/scim/v2/Groups/" + gid, map[string]any{}, nil, 405, "", "This method is not allowed on this path."},
		}
		_, err := e.w.CreateGroup(t.Context(), roster.System, "Taken", roster.GroupContents{})
		e.must(err)
		for _, c := range cases {
			before := e.state()
			e.do(c.method, c.path, c.body, c.headers...).want(t, c.name, c.status, c.scimType, c.detail)
			e.unchanged(c.name, before)
		}
		// The group is as it was.
		r := e.do("GET", "/scim/v2/Groups/"+gid, nil)
		if r.body["displayName"] != "Eng" || len(r.body["members"].([]any)) != 1 {
			t.Fatalf("group after refusals: %s", r.raw)
		}
	})
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, rostertest.SQLiteDSN(t), scim.Config{MaxBodyBytes: 64})
	before := e.state()
	e.do("POST", "/scim/v2/Users", map[string]any{"userName": "b@example.com", "displayName": strings.Repeat("x", 100)}).
		want(t, "big body", http.StatusRequestEntityTooLarge, "", "The request body is larger than 64 bytes.")
	e.unchanged("big body", before)
}

func TestAdminStatusIsNeverChanged(t *testing.T) {
	forEachEnv(t, func(e *env) {
		// POST of the admin's email adopts the admin (no status change).
		r := e.do("POST", "/scim/v2/Users", map[string]any{"userName": "Admin@example.com", "externalId": "okta-admin"})
		r.want(t, "adopt admin", http.StatusCreated, "", "")
		if r.body["id"] != e.admin.ID {
			t.Fatalf("adopted %v, want the admin %s", r.body["id"], e.admin.ID)
		}
		const refusal = "Provisioning never changes an admin's status; an admin must demote them first."
		for _, c := range []struct{ name, method, body string }{
			{"PATCH active false", "PATCH", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`},
			{"PUT active false", "PUT", `{"userName":"admin@example.com","active":false}`},
			{"DELETE", "DELETE", ""},
		} {
			before := e.state()
			var body any
			if c.body != "" {
				body = c.body
			}
			e.do(c.method, "/scim/v2/Users/"+e.admin.ID, body).want(t, c.name, http.StatusForbidden, "", refusal)
			e.unchanged(c.name, before)
		}
		u, err := e.w.Users().Get(t.Context(), e.admin.ID)
		if err != nil || !u.Active || u.Role != users.RoleAdmin {
			t.Fatalf("admin after SCIM: %+v %v", u, err)
		}
		// Roles in a body are data the record keeps, never roster's role.
		r = e.do("PUT", "/scim/v2/Users/"+e.admin.ID, map[string]any{"userName": "admin@example.com", "roles": []any{map[string]any{"value": "basic"}}})
		r.want(t, "PUT roles", http.StatusOK, "", "")
		if u, _ := e.w.Users().Get(t.Context(), e.admin.ID); u.Role != users.RoleAdmin {
			t.Fatalf("role after SCIM roles: %s", u.Role)
		}
	})
}

func TestAdoptAndRename(t *testing.T) {
	forEachEnv(t, func(e *env) {
		ctx := t.Context()
		bob, err := e.w.Users().Register(ctx, users.Registration{Email: "bob@example.com", Actor: roster.System})
		e.must(err)
		r := e.do("POST", "/scim/v2/Users", map[string]any{"userName": "Bob@Example.com", "active": false})
		r.want(t, "adopt", http.StatusCreated, "", "")
		if r.body["id"] != bob.ID || r.body["active"] != false {
			t.Fatalf("adopt: %s", r.raw)
		}
		if u, _ := e.w.Users().Get(ctx, bob.ID); u.Active {
			t.Fatal("adopted with active false but still active")
		}
		// A userName change changes the email, audited; onto a taken email is 409.
		e.provision("carol@example.com")
		before := e.state()
		e.do("PATCH", "/scim/v2/Users/"+bob.ID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":"carol@example.com"}]}`).
			want(t, "rename onto carol", http.StatusConflict, "uniqueness", "A user with this email address already exists.")
		e.unchanged("rename onto carol", before)
		e.do("PATCH", "/scim/v2/Users/"+bob.ID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":"robert@example.com"}]}`).
			want(t, "rename", http.StatusOK, "", "")
		u, err := e.w.Users().Get(ctx, bob.ID)
		if err != nil || u.Email != "robert@example.com" {
			t.Fatalf("after rename: %+v %v", u, err)
		}
		page, err := e.w.Audit(ctx, roster.System, roster.AuditFilter{Target: bob.ID})
		e.must(err)
		found := false
		for _, ev := range page.Events {
			found = found || (ev.Action == "user.email" && strings.HasPrefix(string(ev.Actor), "scim:"))
		}
		if !found {
			t.Fatalf("no user.email event by SCIM in %+v", page.Events)
		}
	})
}

func urlq(s string) string { return strings.NewReplacer(" ", "%20", `"`, "%22").Replace(s) }

// TestNULIsBadInput: PostgreSQL's text refuses NUL, so a NUL in a value or a
// filter must be refused as bad input before it reaches SQL, never a 500.
func TestNULIsBadInput(t *testing.T) {
	forEachEnv(t, func(e *env) {
		uid := e.provision("nul@example.com")
		cases := []struct {
			name, method, path string
			body               any
			status             int
			scimType, detail   string
		}{
			{"POST", "POST", "/scim/v2/Users", `{"userName":"n2@example.com","displayName":"a\u0000b"}`, 400, "invalidValue", `"displayName" cannot hold a NUL character.`},
			{"PATCH", "PATCH", "/scim/v2/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"name.givenName","value":"\u0000"}]}`, 400, "invalidValue", `"name.givenName" cannot hold a NUL character.`},
			{"group externalId", "POST", "/scim/v2/Groups", `{"displayName":"G","externalId":"\u0000"}`, 400, "invalidValue", `"externalId" cannot hold a NUL character.`},
			{"filter", "GET", "/scim/v2/Users?filter=" + urlq(`externalId eq "a`) + "%00%22", nil, 400, "invalidFilter", "The filter is not valid SCIM filter syntax."},
			{"filter invalid UTF-8", "GET", "/scim/v2/Users?filter=" + urlq(`externalId eq "a`) + "%ff%22", nil, 400, "invalidFilter", "The filter is not valid SCIM filter syntax."},
		}
		for _, c := range cases {
			before := e.state()
			e.do(c.method, c.path, c.body).want(t, c.name, c.status, c.scimType, c.detail)
			e.unchanged(c.name, before)
		}
	})
}

func TestThrottleSaysOneSecond(t *testing.T) {
	e := newEnv(t, rostertest.SQLiteDSN(t), scim.Config{Rate: 1, Burst: 1})
	e.do("GET", "/scim/v2/Groups", nil).want(t, "1st", http.StatusOK, "", "")
	r := e.do("GET", "/scim/v2/Groups", nil)
	r.want(t, "2nd", http.StatusTooManyRequests, "", "Too many requests for this SCIM token; try again in 1 second.")
	if r.hdr.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", r.hdr.Get("Retry-After"))
	}
}

func TestClosedDirectory(t *testing.T) {
	e := newEnv(t, rostertest.SQLiteDSN(t), scim.Config{})
	e.must(e.d.Close())
	e.do("GET", "/scim/v2/Users", nil).want(t, "closed", http.StatusServiceUnavailable, "", "The service is not available right now.")
	e.do("GET", "/scim/v2/ServiceProviderConfig", nil).want(t, "discovery", http.StatusOK, "", "")
}

// An externalId over MaxExternalIDBytes is 400 invalidValue on every
// write and writes nothing; one of exactly MaxExternalIDBytes is kept.
func TestExternalIDIsCapped(t *testing.T) {
	forEachEnv(t, func(e *env) {
		t := e.t.(*testing.T)
		const tooLong = "An externalId is at most 1024 bytes long."
		uid := e.provision("u@example.com")
		r := e.do("POST", "/scim/v2/Groups", map[string]any{"displayName": "Eng"})
		r.want(t, "create group", http.StatusCreated, "", "")
		gid := r.body["id"].(string)
		max, over := strings.Repeat("é", scim.MaxExternalIDBytes/2), strings.Repeat("x", scim.MaxExternalIDBytes+1)
		patch := func(v string) map[string]any {
			return map[string]any{"schemas": []any{scim.PatchOpSchema},
				"Operations": []any{map[string]any{"op": "replace", "path": "externalId", "value": v}}}
		}
		cases := []struct {
			name, method, path string
			body               any
		}{
			{"POST user", "POST", "/scim/v2/Users", map[string]any{"userName": "v@example.com", "externalId": over}},
			{"PUT user", "PUT", "/scim/v2/Users/" + uid, map[string]any{"userName": "u@example.com", "externalId": over}},
			{"PATCH user", "PATCH", "/scim/v2/Users/" + uid, patch(over)},
			{"POST group", "POST", "/scim/v2/Groups", map[string]any{"displayName": "Ops", "externalId": over}},
			{"PUT group", "PUT", "/scim/v2/Groups/" + gid, map[string]any{"displayName": "Eng", "externalId": over}},
			{"PATCH group", "PATCH", "/scim/v2/Groups/" + gid, patch(over)},
		}
		for _, c := range cases {
			before := e.state()
			e.do(c.method, c.path, c.body).want(t, c.name, http.StatusBadRequest, scim.TypeInvalidValue, tooLong)
			e.unchanged(c.name, before)
		}
		e.do("PATCH", "/scim/v2/Users/"+uid, patch(max)).want(t, "PATCH user at the limit", http.StatusOK, "", "")
		e.do("PATCH", "/scim/v2/Groups/"+gid, patch(max)).want(t, "PATCH group at the limit", http.StatusOK, "", "")
		r = e.do("GET", "/scim/v2/Users/"+uid, nil)
		if r.body["externalId"] != max {
			t.Fatalf("externalId at the limit not kept: %.200s", r.raw)
		}
	})
}
