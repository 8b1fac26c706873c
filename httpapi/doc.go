// Package httpapi serves roster's admin HTTP API over a roster Directory:
// the Me, Users and invites, Groups, Token rate limits and SCIM and API keys
// sections of docs/http.md, with the paths and field names of Onyx's admin
// API, and a route guard that protects an application's own routes with one
// line.
//
// # Serving the API
//
// New returns an http.Handler; mount it where the application wants it:
//
//	h := httpapi.New(dir, httpapi.Config{Authenticate: mySessions})
//	mux.Handle("/api/", http.StripPrefix("/api", h))
//
// Every handler decodes the request, makes one library call (a few for
// PATCH of a group, which replaces members and connectors) and encodes the
// answer. Who may do what is the library's: the handler only refuses, before
// any call, the roles an endpoint never serves (limited users on the admin
// and listing endpoints, basic users on group-scoped ones, non-admins on
// admin ones), so an object's existence does not leak to them.
//
// # The authenticator
//
// roster does not sign anyone in. Config.Authenticate maps a request to the
// signed-in (workspace id, user id) from the application's own session,
// cookie or token; an empty workspace means roster.DefaultWorkspace. An
// authenticator error, an empty user id, an unknown workspace or user and a
// deactivated user are all answered 401 NOT_SIGNED_IN, so a deactivated
// user's requests stop at once.
//
// # API keys
//
// An API key is a service user of a role an admin chose (basic, limited or
// admin), created under /admin/api-key; its raw value is in the 201 of the
// creation and never again. WithAPIKeys wraps the application's session
// authenticator so that a request carrying "Authorization: Bearer <key>"
// acts as the key's service user, on the Handler and on every Guard:
//
//	auth := httpapi.WithAPIKeys(dir, mySessions)
//	h := httpapi.New(dir, httpapi.Config{Authenticate: auth})
//	mux.Handle("GET /agents/{id}", httpapi.Guard(dir, auth, access.View, access.Agent, id)(agent))
//
// A bearer token that is not a live API key of some workspace (malformed,
// unknown, deleted, or a SCIM token) is 401 NOT_SIGNED_IN and never falls
// back to the session; each request reads the key from the database, so a
// deleted key is refused on its next request. SCIM tokens, created under
// /admin/enterprise-settings/scim/token, serve the SCIM endpoints (package
// scim) only.
//
// # Status codes
//
// One rule everywhere: 400 invalid input (the detail names the field; also
// malformed JSON, unknown fields, wrong types and bodies over
// Config.MaxBodyBytes) · 401 not signed in · 403 signed in but not allowed ·
// 404 unknown, or not visible to the caller (also ids of another workspace)
// · 409 conflict · 429 rate limited, with Retry-After in seconds. Bad input
// is never a 500. Errors are JSON {"detail": "...", "code": "MACHINE_CODE"};
// Classify holds the one table from roster's errors to status and code, and
// WriteError writes it, for applications that serve more routes in the same
// style. The code is what programs branch on; the detail is the sentence the
// error carries for people (access.Sentence): "Your group's token budget is
// spent; try again in 193 seconds.", never a Go error chain. roster stores
// no resource names, so Config.ResourceName names them in details
// (`the agent "Support bot"`); without it, and in WriteError and Guard, a
// resource is named by kind ("the agent"). Handler.WriteError writes an
// application's own errors with the Handler's naming; its errors read like
// roster's when they implement access.Sentencer. Two codes come in addition to docs/http.md's: 405 METHOD_NOT_ALLOWED for a
// method a path does not serve and 503 UNAVAILABLE once the Directory is
// closed or the request's context ended (client gone, deadline passed);
// anything unexpected is 500 INTERNAL with a generic detail, logged.
//
// # Units and shapes
//
// Lists are paginated with page_num (from 0) and page_size (1 to 1,000,
// default 100). token_budget is in thousands of tokens, as in Onyx, and
// period_hours in hours; the library speaks tokens and durations. Ids are
// strings. Deletes answer 204, creations 201.
//
// # Concurrency
//
// A Handler and the middleware Guard returns hold no mutable state and are
// safe for concurrent use by multiple goroutines.
package httpapi
