package scim_test

import (
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/users"
)

// fuzzSeed is one request of FuzzHandler's seed corpus.
type fuzzSeed struct{ method, path, body string }

// fuzzEnv is FuzzHandler's env on dsn: a provisioned user in a group, the
// admin adopted; and the seed corpus, which names them.
func fuzzEnv(tb testing.TB, dsn string) (*env, []fuzzSeed) {
	e := newEnv(tb, dsn, scim.Config{Rate: 1e6, Burst: 1e6})
	uid := e.provision("fuzz@example.com")
	r := e.do("POST", "/scim/v2/Groups", map[string]any{"displayName": "Fuzz", "members": []any{map[string]any{"value": uid}}})
	gid := r.body["id"].(string)
	adopt := e.do("POST", "/scim/v2/Users", map[string]any{"userName": "admin@example.com"})
	if adopt.code != http.StatusCreated {
		tb.Fatalf("adopt the admin: %s", adopt.raw)
	}
	// 4,000 characters PostgreSQL cannot compress into an index entry.
	noise := make([]byte, 3000)
	_, _ = rand.NewChaCha8([32]byte{}).Read(noise)
	long := base64.RawURLEncoding.EncodeToString(noise)
	return e, []fuzzSeed{
		{"PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","value":{"name.givenName":"x","active":"False"}}]}`},
		{"PATCH", "/Users/" + e.admin.ID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`},
		{"PATCH", "/Groups/" + gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"` + uid + `"}]}]}`},
		{"PUT", "/Users/" + uid, `{"userName":"fuzz@example.com","emails":[{"value":"x","primary":"True"}]}`},
		{"POST", "/Groups", `{"displayName":"G2","members":[{"value":"` + e.admin.ID + `"}]}`},
		{"GET", "/Users?filter=userName%20sw%20%22f%22&startIndex=2&count=1", ""},
		{"DELETE", "/Users/" + e.admin.ID, ""},
		{"PATCH", "/Users/" + e.admin.ID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":"attacker@evil.example"}]}`},
		{"PUT", "/Users/" + e.admin.ID, `{"userName":"attacker@evil.example","name":{"givenName":"x"}}`},
		{"PUT", "/Groups/" + gid, `{"displayName":"Fuzz","members":[]}`},
		{"POST", "/Users", `{"userName":"long@example.com","externalId":"` + long + `"}`},
		{"PATCH", "/Groups/" + gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"externalId","value":"` + long + `"}]}`},
		{"GET", "/Users?filter=externalId%20eq%20%22" + long + "%22", ""},
	}
}

// FuzzHandler sends arbitrary requests to one workspace: bad input is never
// a 500, every refusal is the SCIM envelope, and the admin keeps their
// email, role and status whatever SCIM is asked to do. The seeds run on
// every store in TestHandlerSeedsOnEveryStore.
func FuzzHandler(f *testing.F) {
	e, seeds := fuzzEnv(f, rostertest.SQLiteDSN(f))
	for _, s := range seeds {
		f.Add(s.method, s.path, s.body)
	}
	f.Fuzz(func(t *testing.T, method, path, body string) { fuzzRequest(t, e, method, path, body) })
}

// TestHandlerSeedsOnEveryStore runs FuzzHandler's seeds on SQLite and
// PostgreSQL, whose limits differ (an index entry's size, say).
func TestHandlerSeedsOnEveryStore(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e, seeds := fuzzEnv(t, dsn)
		for _, s := range seeds {
			fuzzRequest(t, e, s.method, s.path, s.body)
		}
	})
}

// fuzzRequest sends one request and checks FuzzHandler's invariants.
func fuzzRequest(t *testing.T, e *env, method, path, body string) {
	switch method {
	case "GET", "POST", "PUT", "PATCH", "DELETE":
	default:
		return
	}
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n#") {
		return
	}
	req, err := http.NewRequest(method, "http://x/scim/v2"+path, strings.NewReader(body))
	if err != nil {
		return
	}
	req.RequestURI = "/scim/v2" + path
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { e.h.ServeHTTP(rec, req); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("%s %s %q: no answer in 10 s\n%s", method, path, body, buf[:n])
	}
	if rec.Code >= 500 {
		t.Fatalf("%s %s %.200s: %d %s", method, path, body, rec.Code, rec.Body.String())
	}
	if rec.Code >= 400 {
		var env map[string]any
		if json.Unmarshal(rec.Body.Bytes(), &env) != nil || env["status"] == nil || env["detail"] == "" {
			t.Fatalf("%s %s: refusal %q is not the SCIM envelope", method, path, rec.Body.String())
		}
	}
	a, err := e.w.Users().Get(t.Context(), e.admin.ID)
	if err != nil || !a.Active || a.Role != users.RoleAdmin || a.Email != "admin@example.com" {
		t.Fatalf("%s %s %.200s: the admin is now %+v (%v)", method, path, body, a, err)
	}
}
