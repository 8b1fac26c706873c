package main

import (
	"net/http"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
)

// scimPrefix is where the server serves SCIM 2.0: the SCIM URL an identity
// provider is given is PublicURL + scimPrefix (the Settings → SCIM page
// shows it).
const scimPrefix = "/scim/v2"

// scimPatterns are the SCIM routes (RFC 7644), each registered on its own so
// that the routes served can be listed and compared with docs/openapi.json:
// discovery without a token, Users and Groups with a SCIM token of the
// workspace (package scim authenticates, throttles and answers every error
// with the SCIM envelope).
func scimPatterns() []string {
	return []string{
		"GET /scim/v2/ServiceProviderConfig",
		"GET /scim/v2/ResourceTypes", "GET /scim/v2/ResourceTypes/{id}",
		"GET /scim/v2/Schemas", "GET /scim/v2/Schemas/{id}",
		"GET /scim/v2/Users", "POST /scim/v2/Users",
		"GET /scim/v2/Users/{id}", "PUT /scim/v2/Users/{id}", "PATCH /scim/v2/Users/{id}", "DELETE /scim/v2/Users/{id}",
		"GET /scim/v2/Groups", "POST /scim/v2/Groups",
		"GET /scim/v2/Groups/{id}", "PUT /scim/v2/Groups/{id}", "PATCH /scim/v2/Groups/{id}", "DELETE /scim/v2/Groups/{id}",
	}
}

// scimRoutes mounts package scim's handler at /scim/v2 for the one
// workspace this server serves. Every other path and method under the
// prefix goes to it as well ("/scim/v2/"), so a SCIM client gets SCIM's own
// 404 and 405 rather than the JSON API's.
func (s *server) scimRoutes(mux *http.ServeMux) {
	h := http.StripPrefix(scimPrefix, scim.New(s.dir, scim.Config{Logger: s.cfg.Logger, MaxBodyBytes: s.cfg.MaxBodyBytes,
		BaseURL: s.cfg.PublicURL + scimPrefix, Workspace: roster.DefaultWorkspace}))
	for _, p := range scimPatterns() {
		s.route(mux, p, h)
	}
	s.route(mux, scimPrefix+"/", h)
}
