package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The statuses of the scenario, short.
const (
	s200 = http.StatusOK
	s201 = http.StatusCreated
	s204 = http.StatusNoContent
	s400 = http.StatusBadRequest
	s401 = http.StatusUnauthorized
	s403 = http.StatusForbidden
	s404 = http.StatusNotFound
	s409 = http.StatusConflict
	s429 = http.StatusTooManyRequests
)

// driveOpenAPIScenario drives every documented operation through a, for its
// success response and an error response, in an order that builds what the
// later calls need.
func driveOpenAPIScenario(t *testing.T, a *apiCheck) {
	ts := a.ts
	anon := ts.client()
	type obj = map[string]any

	// Sign-up and sign-in. Everyone registers before the first invitation
	// closes open sign-up.
	admin := a.call(anon, "POST", "/auth/register", obj{"email": "admin@example.com", "password": pw("admin@example.com")}, s201)
	a.call(anon, "POST", "/auth/register", obj{"email": "admin@example.com", "password": pw("admin@example.com")}, s409)
	a.call(anon, "POST", "/auth/login", obj{"email": "admin@example.com", "password": "wrong password"}, s401)
	ac := ts.client()
	a.call(ac, "POST", "/auth/login", obj{"email": "admin@example.com", "password": pw("admin@example.com")}, s200)
	id := map[string]string{"admin": decodeAs[userJSON](t, admin).ID}
	cl := map[string]*client{"admin": ac}
	for _, name := range []string{"bob", "carol", "lim", "dave", "erin"} {
		email := name + "@example.com"
		id[name] = decodeAs[userJSON](t, a.call(anon, "POST", "/auth/register", obj{"email": email, "password": pw(email)}, s201)).ID
		cl[name] = ts.login(email)
	}

	// Me.
	for _, p := range []string{"/me", "/me/acl", "/me/token-budget"} {
		a.call(ac, "GET", p, nil, s200)
		a.call(anon, "GET", p, nil, s401)
	}

	// Users.
	a.call(ac, "PATCH", "/manage/set-user-role", obj{"user_email": "lim@example.com", "new_role": "limited"}, s200)
	a.call(ac, "PATCH", "/manage/set-user-role", obj{"user_email": "bob@example.com", "new_role": "curator"}, s400)
	a.call(ac, "PATCH", "/manage/set-user-role", obj{"user_email": strings.Repeat("a", 1<<20)}, http.StatusRequestEntityTooLarge)
	a.call(ac, "GET", "/manage/users/accepted?roles=admin&roles=basic&is_active=true&page_size=10", nil, s200)
	a.call(ac, "GET", "/manage/users/accepted?page_size=0", nil, s400)
	a.call(ac, "GET", "/manage/users/download?roles=basic", nil, s200)
	a.call(ac, "GET", "/manage/users/download?is_active=maybe", nil, s400)
	a.call(ac, "PATCH", "/manage/admin/deactivate-user", obj{"user_email": "dave@example.com"}, s200)
	a.call(ac, "PATCH", "/manage/admin/deactivate-user", obj{"user_email": "admin@example.com"}, s409)
	a.call(ac, "PATCH", "/manage/admin/activate-user", obj{"user_email": "dave@example.com"}, s200)
	a.call(ac, "PATCH", "/manage/admin/activate-user", obj{"user_email": "nobody@example.com"}, s404)
	cl["dave"] = ts.login("dave@example.com") // deactivation ended dave's sessions
	daves := decodeAs[obj](t, a.call(cl["dave"], "POST", "/persona", obj{"name": "Dave's agent"}, s201))["id"].(string)
	a.call(ac, "POST", "/manage/admin/transfer-ownership", obj{"from_user_email": "dave@example.com", "to_user_email": "admin@example.com"}, s200)
	a.call(ac, "POST", "/manage/admin/transfer-ownership", obj{"from_user_email": "not an address", "to_user_email": "admin@example.com"}, s400)
	a.call(ac, "DELETE", "/manage/admin/delete-user", obj{"user_email": "dave@example.com"}, s409) // still active
	a.call(ac, "PATCH", "/manage/admin/deactivate-user", obj{"user_email": "dave@example.com"}, s200)
	a.call(ac, "DELETE", "/manage/admin/delete-user", obj{"user_email": "dave@example.com"}, s204)

	// Invites and settings.
	a.call(ac, "PUT", "/manage/admin/users", obj{"emails": []string{"newbie@example.com", "bob@example.com"}}, s200)
	ts.mail.next(t)
	a.call(ac, "PUT", "/manage/admin/users", obj{"emails": []string{"not an address"}}, s400)
	a.call(ac, "POST", "/manage/admin/resend-invite", obj{"user_email": "newbie@example.com"}, s200)
	ts.mail.next(t)
	a.call(ac, "POST", "/manage/admin/resend-invite", obj{"user_email": "nobody@example.com"}, s404)
	a.call(ac, "GET", "/manage/users/invited", nil, s200)
	a.call(cl["bob"], "GET", "/manage/users/invited", nil, s403)
	a.call(ac, "GET", "/manage/users?q=example", nil, s200)
	a.call(cl["bob"], "GET", "/manage/users", nil, s403)
	a.call(anon, "POST", "/auth/register", obj{"email": "stranger@example.com", "password": pw("stranger@example.com")}, s403)
	a.call(ac, "PATCH", "/manage/admin/remove-invited-user", obj{"user_email": "newbie@example.com"}, s200)
	a.call(ac, "PATCH", "/manage/admin/remove-invited-user", obj{"user_email": "newbie@example.com"}, s404)
	a.call(ac, "GET", "/manage/admin/settings", nil, s200)
	a.call(cl["bob"], "GET", "/manage/admin/settings", nil, s403)
	settings := obj{"invite_mode": "auto", "allowed_domains": []string{"example.com"}, "sso_bypasses_invites": false, "scim_bypasses_invites": true}
	a.call(ac, "PUT", "/manage/admin/settings", settings, s200)
	settings["invite_mode"] = "sometimes"
	a.call(ac, "PUT", "/manage/admin/settings", settings, s400)
	a.call(ac, "GET", "/manage/admin/audit?page_size=50&action=user.set_role", nil, s200)
	a.call(ac, "GET", "/manage/admin/audit?page_num=-1", nil, s400)

	// Groups.
	eng := decodeAs[obj](t, a.call(ac, "POST", "/manage/admin/user-group", obj{"name": "Eng", "user_ids": []string{id["bob"], id["carol"]}, "cc_pair_ids": []string{}}, s201))["id"].(string)
	a.call(ac, "POST", "/manage/admin/user-group", obj{"name": "Eng"}, s409)
	temp := decodeAs[obj](t, a.call(ac, "POST", "/manage/admin/user-group", obj{"name": "Temp"}, s201))["id"].(string)
	a.call(ac, "POST", "/manage/admin/user-group/"+eng+"/set-curator", obj{"user_id": id["carol"], "is_curator": true}, s204)
	a.call(ac, "POST", "/manage/admin/user-group/"+eng+"/set-curator", obj{"user_id": id["admin"], "is_curator": true}, s400)
	a.call(ac, "POST", "/manage/admin/user-group/"+eng+"/add-users", obj{"user_ids": []string{id["lim"]}}, s204)
	a.call(ac, "POST", "/manage/admin/user-group/"+eng+"/add-users", obj{"user_ids": []string{"no-such-user"}}, s404)
	lst := a.call(ac, "GET", "/manage/admin/user-group?page_size=10", nil, s200)
	if lst.header.Get("X-Total-Count") != "2" {
		t.Errorf("X-Total-Count %q, want 2", lst.header.Get("X-Total-Count"))
	}
	a.call(cl["bob"], "GET", "/manage/admin/user-group", nil, s403)
	a.call(cl["carol"], "GET", "/manage/admin/user-group/"+eng+"/members?q=example", nil, s200)
	a.call(ac, "GET", "/manage/admin/user-group/no-such-group/members", nil, s404)
	a.call(cl["bob"], "GET", "/manage/user-groups/minimal", nil, s200)
	a.call(cl["lim"], "GET", "/manage/user-groups/minimal", nil, s403)
	a.call(ac, "PATCH", "/manage/admin/user-group/rename", obj{"id": eng, "name": "Engineering"}, s200)
	a.call(ac, "PATCH", "/manage/admin/user-group/rename", obj{"id": "no-such-group", "name": "X"}, s404)
	a.call(cl["bob"], "DELETE", "/manage/admin/user-group/"+temp, nil, s403)
	a.call(ac, "DELETE", "/manage/admin/user-group/"+temp, nil, s204)

	// Connectors, then the group's PATCH that attaches one.
	crm := decodeAs[obj](t, a.call(ac, "POST", "/manage/admin/connector", obj{"name": "CRM", "access_type": "private", "groups": []string{}}, s201))["id"].(string)
	a.call(ac, "POST", "/manage/admin/connector", obj{"name": " ", "access_type": "private"}, s400)
	a.call(ac, "PATCH", "/manage/admin/user-group/"+eng, obj{"user_ids": []string{id["bob"], id["carol"], id["lim"]}, "cc_pair_ids": []string{crm}}, s204)
	a.call(ac, "PATCH", "/manage/admin/user-group/"+eng, obj{"user_ids": []string{id["bob"]}}, s400)
	a.call(ac, "PATCH", "/manage/admin/connector/"+crm, obj{"name": "CRM (sales)", "groups": []string{eng}}, s200)
	a.call(ac, "PATCH", "/manage/admin/connector/no-such-connector", obj{"name": "X"}, s404)
	a.call(cl["bob"], "GET", "/manage/connector", nil, s200)
	a.call(cl["lim"], "GET", "/manage/connector", nil, s403)
	wiki := decodeAs[obj](t, a.call(ac, "POST", "/manage/admin/connector", obj{"name": "Wiki", "access_type": "public"}, s201))["id"].(string)
	a.call(cl["bob"], "DELETE", "/manage/admin/connector/"+wiki, nil, s403)
	a.call(ac, "DELETE", "/manage/admin/connector/"+wiki, nil, s204)

	// Document sets.
	docs := decodeAs[obj](t, a.call(ac, "POST", "/manage/admin/document-set", obj{"name": "Sales docs", "description": "For sales", "is_public": false, "groups": []string{eng}, "cc_pair_ids": []string{crm}}, s201))["id"].(string)
	a.call(ac, "POST", "/manage/admin/document-set", obj{"description": "no name"}, s400)
	a.call(ac, "PATCH", "/manage/admin/document-set", obj{"id": docs, "description": "For the sales team"}, s200)
	a.call(ac, "PATCH", "/manage/admin/document-set", obj{"id": "no-such-set", "is_public": true}, s404)
	a.call(ac, "GET", "/manage/document-set?get_editable=true", nil, s200)
	a.call(ac, "GET", "/manage/document-set?get_editable=maybe", nil, s400)
	a.call(cl["bob"], "DELETE", "/manage/admin/document-set/"+docs, nil, s403)
	a.call(ac, "DELETE", "/manage/admin/document-set/"+docs, nil, s204)

	// Agents.
	helper := decodeAs[obj](t, a.call(cl["bob"], "POST", "/persona", obj{"name": "Helper", "description": "Answers", "groups": []string{eng}, "users": []string{}}, s201))["id"].(string)
	a.call(cl["bob"], "POST", "/persona", obj{"name": ""}, s400)
	a.call(cl["bob"], "PATCH", "/persona/"+helper, obj{"description": "Answers questions"}, s200)
	a.call(cl["bob"], "PATCH", "/persona/no-such-agent", obj{"description": "x"}, s404)
	a.call(cl["bob"], "PATCH", "/persona/"+helper+"/share", obj{"user_ids": []string{id["erin"]}}, s200)
	a.call(cl["erin"], "PATCH", "/persona/"+helper+"/share", obj{"user_ids": []string{}}, s403)
	a.call(cl["lim"], "GET", "/persona", nil, s200)
	a.call(anon, "GET", "/persona", nil, s401)
	a.call(cl["erin"], "GET", "/persona/"+helper, nil, s200)
	a.call(cl["erin"], "GET", "/persona/"+daves, nil, s404) // the admin's now, private
	a.call(cl["erin"], "DELETE", "/persona/"+helper, nil, s403)
	a.call(ac, "DELETE", "/persona/"+daves, nil, s204)

	// Token rate limits, chat and usage.
	g := decodeAs[obj](t, a.call(ac, "POST", "/admin/token-rate-limits/global", obj{"enabled": true, "token_budget": 100, "period_hours": 1}, s201))["token_id"].(string)
	a.call(ac, "POST", "/admin/token-rate-limits/global", obj{"enabled": true, "token_budget": 0, "period_hours": 1}, s400)
	a.call(ac, "GET", "/admin/token-rate-limits/global", nil, s200)
	a.call(cl["bob"], "GET", "/admin/token-rate-limits/global", nil, s403)
	a.call(ac, "POST", "/admin/token-rate-limits/users", obj{"enabled": true, "token_budget": 1, "period_hours": 24}, s201)
	a.call(ac, "POST", "/admin/token-rate-limits/users", obj{"enabled": true, "token_budget": 1}, s400)
	a.call(ac, "GET", "/admin/token-rate-limits/users", nil, s200)
	a.call(cl["bob"], "GET", "/admin/token-rate-limits/users", nil, s403)
	a.call(ac, "POST", "/admin/token-rate-limits/user-group/"+eng, obj{"enabled": true, "token_budget": 50, "period_hours": 2}, s201)
	a.call(ac, "POST", "/admin/token-rate-limits/user-group/no-such-group", obj{"enabled": true, "token_budget": 50, "period_hours": 2}, s404)
	a.call(ac, "GET", "/admin/token-rate-limits/user-groups", nil, s200)
	a.call(cl["bob"], "GET", "/admin/token-rate-limits/user-groups", nil, s403)
	a.call(cl["carol"], "GET", "/admin/token-rate-limits/user-group/"+eng, nil, s200)
	a.call(ac, "GET", "/admin/token-rate-limits/user-group/no-such-group", nil, s404)
	a.call(ac, "PUT", "/admin/token-rate-limits/rate-limit/"+g, obj{"enabled": true, "token_budget": 200, "period_hours": 1}, s200)
	a.call(ac, "PUT", "/admin/token-rate-limits/rate-limit/no-such-limit", obj{"enabled": true, "token_budget": 200, "period_hours": 1}, s404)
	a.call(ac, "DELETE", "/admin/token-rate-limits/rate-limit/"+g, nil, s204)
	a.call(ac, "DELETE", "/admin/token-rate-limits/rate-limit/"+g, nil, s404)
	// The user limit is 1,000 tokens a day: a long message overdraws it and
	// the next one is refused with Retry-After.
	a.call(cl["bob"], "POST", "/chat/send-message", obj{"message": strings.Repeat("word ", 1000)}, s200)
	a.call(cl["bob"], "POST", "/chat/send-message", obj{"message": "hello"}, s429)
	a.call(cl["bob"], "POST", "/chat/send-message", obj{"message": ""}, s400)
	a.call(cl["bob"], "GET", "/me/token-budget", nil, s200)
	a.call(ac, "GET", "/admin/token-usage?since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z&user_id="+id["bob"], nil, s200)
	a.call(ac, "GET", "/admin/token-usage?group_id="+eng+"&user_id="+id["bob"], nil, s400)

	// SCIM tokens and API keys: a key acts as its service user, until it
	// is deleted.
	const scimTokens, apiKeys = "/admin/enterprise-settings/scim/token", "/admin/api-key"
	scimTok := decodeAs[obj](t, a.call(ac, "POST", scimTokens, obj{"name": "Okta"}, s201))
	a.call(ac, "POST", scimTokens, obj{"name": "Okta"}, s409)
	a.call(ac, "GET", scimTokens, nil, s200)
	a.call(cl["bob"], "GET", scimTokens, nil, s403)
	key := decodeAs[obj](t, a.call(ac, "POST", apiKeys, obj{"name": "CI", "role": "basic"}, s201))
	a.call(ac, "POST", apiKeys, obj{"name": "CI 2", "role": "curator"}, s400)
	a.call(ac, "GET", apiKeys, nil, s200)
	a.call(cl["bob"], "GET", apiKeys, nil, s403)
	keyID := key["id"].(string)
	bot := ts.client()
	bot.bearer = key["raw_key"].(string)
	a.call(bot, "GET", "/me", nil, s200)
	a.call(bot, "GET", apiKeys, nil, s403)
	a.call(ac, "PATCH", apiKeys+"/"+keyID, obj{"role": "admin"}, s200)
	a.call(ac, "PATCH", apiKeys+"/no-such-key", obj{"role": "admin"}, s404)
	a.call(bot, "GET", apiKeys, nil, s200)
	a.call(ac, "DELETE", apiKeys+"/"+keyID, nil, s204)
	a.call(ac, "DELETE", apiKeys+"/"+keyID, nil, s404)
	a.call(bot, "GET", "/me", nil, s401)
	scim := ts.client()
	scim.bearer = scimTok["raw_token"].(string)
	a.call(scim, "GET", "/me", nil, s401) // a SCIM token is no API key
	driveSCIM(t, a, scim, anon, bot)
	a.call(ac, "DELETE", scimTokens+"/"+scimTok["id"].(string), nil, s204)
	a.call(ac, "DELETE", scimTokens+"/"+scimTok["id"].(string), nil, s404)

	// Passwords, and sign-out last.
	newPW := "a new password for erin"
	a.call(cl["erin"], "POST", "/auth/password", obj{"current_password": "wrong password", "new_password": newPW}, s400)
	a.call(cl["erin"], "POST", "/auth/password", obj{"current_password": pw("erin@example.com"), "new_password": newPW}, s204)
	a.call(anon, "POST", "/auth/forgot-password", obj{"email": "erin@example.com"}, s204)
	a.call(anon, "POST", "/auth/forgot-password", obj{"email": "not an address"}, s400)
	link := ts.mail.next(t).Link
	a.call(anon, "POST", "/auth/reset-password", obj{"token": "not-a-token", "new_password": newPW + "!"}, s400)
	a.call(anon, "POST", "/auth/reset-password", obj{"token": token(t, link), "new_password": newPW + "!"}, s204)
	a.call(ac, "POST", "/auth/logout", nil, s204)
	a.call(ac, "POST", "/auth/logout", nil, s401)

	a.call(anon, "GET", "/openapi.json", nil, s200)

	// Operations, and last a closed index: /readyz answers 503.
	a.call(anon, "GET", "/healthz", nil, s200)
	a.call(anon, "GET", "/metrics", nil, s200)
	a.call(anon, "GET", "/readyz", nil, s200)
	if err := ts.s.dir.Close(); err != nil {
		t.Fatal(err)
	}
	a.call(anon, "GET", "/readyz", nil, http.StatusServiceUnavailable)
}

// driveSCIM drives /scim/v2 with the SCIM token of scim: discovery without
// a token, then a user and a group through their lifecycle; the deleted API
// key of bot is refused there too.
func driveSCIM(t *testing.T, a *apiCheck, scim, anon, bot *client) {
	type obj = map[string]any
	const userSchema, groupSchema = "urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group"
	const patchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	a.call(anon, "GET", "/scim/v2/ServiceProviderConfig", nil, s200)
	a.call(anon, "GET", "/scim/v2/ResourceTypes", nil, s200)
	a.call(anon, "GET", "/scim/v2/ResourceTypes/User", nil, s200)
	a.call(anon, "GET", "/scim/v2/ResourceTypes/Robot", nil, s404)
	a.call(anon, "GET", "/scim/v2/Schemas", nil, s200)
	a.call(anon, "GET", "/scim/v2/Schemas/"+userSchema, nil, s200)
	a.call(anon, "GET", "/scim/v2/Schemas/urn:nothing", nil, s404)

	user := obj{"schemas": []string{userSchema}, "userName": "scim.user@example.com", "externalId": "okta-1",
		"name": obj{"givenName": "Sam", "familyName": "Cim"}, "active": true}
	uid := decodeAs[obj](t, a.call(scim, "POST", "/scim/v2/Users", user, s201))["id"].(string)
	a.call(scim, "POST", "/scim/v2/Users", user, s409)
	a.call(scim, "GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "scim.user@example.com"`), nil, s200)
	a.call(scim, "GET", "/scim/v2/Users?filter="+url.QueryEscape(`password eq "x"`), nil, s400)
	a.call(anon, "GET", "/scim/v2/Users", nil, s401)
	a.call(bot, "GET", "/scim/v2/Users", nil, s401)
	a.call(scim, "GET", "/scim/v2/Users/"+uid, nil, s200)
	a.call(scim, "GET", "/scim/v2/Users/no-such-user", nil, s404)
	user["name"] = obj{"givenName": "Samuel", "familyName": "Cim"}
	a.call(scim, "PUT", "/scim/v2/Users/"+uid, user, s200)
	a.call(scim, "PUT", "/scim/v2/Users/no-such-user", user, s404)

	gid := decodeAs[obj](t, a.call(scim, "POST", "/scim/v2/Groups", obj{"schemas": []string{groupSchema}, "displayName": "SCIM group"}, s201))["id"].(string)
	a.call(scim, "POST", "/scim/v2/Groups", obj{"schemas": []string{groupSchema}, "displayName": "SCIM group"}, s409)
	a.call(scim, "GET", "/scim/v2/Groups?excludedAttributes=members", nil, s200)
	a.call(anon, "GET", "/scim/v2/Groups", nil, s401)
	a.call(scim, "PATCH", "/scim/v2/Groups/"+gid, obj{"schemas": []string{patchOp},
		"Operations": []obj{{"op": "add", "path": "members", "value": []obj{{"value": uid}}}}}, s200)
	a.call(scim, "PATCH", "/scim/v2/Groups/"+gid, obj{"schemas": []string{patchOp},
		"Operations": []obj{{"op": "explode", "path": "members"}}}, s400)
	a.call(scim, "GET", "/scim/v2/Groups/"+gid, nil, s200)
	a.call(scim, "GET", "/scim/v2/Groups/no-such-group", nil, s404)
	a.call(scim, "PUT", "/scim/v2/Groups/"+gid, obj{"schemas": []string{groupSchema}, "displayName": "SCIM team", "members": []obj{}}, s200)
	a.call(scim, "PUT", "/scim/v2/Groups/no-such-group", obj{"schemas": []string{groupSchema}, "displayName": "X"}, s404)
	a.call(scim, "DELETE", "/scim/v2/Groups/"+gid, nil, s204)
	a.call(scim, "DELETE", "/scim/v2/Groups/"+gid, nil, s404)

	a.call(scim, "PATCH", "/scim/v2/Users/"+uid, obj{"schemas": []string{patchOp}, "Operations": []obj{{"op": "replace", "value": obj{"active": false}}}}, s200)
	a.call(scim, "PATCH", "/scim/v2/Users/"+uid, obj{"schemas": []string{patchOp}, "Operations": []obj{{"op": "replace", "path": "nonsense", "value": 1}}}, s400)
	a.call(scim, "DELETE", "/scim/v2/Users/"+uid, nil, s204)
	a.call(scim, "DELETE", "/scim/v2/Users/"+uid, nil, s404)
}
