// Package tokens holds a workspace's machine bearer tokens: SCIM tokens, with
// which an identity provider provisions users and groups, and API keys, each
// of which acts as a service user of a chosen role.
//
// The model: a raw token is a readable prefix ("roster_scim_" or
// "roster_key_") followed by the base64url form of 32 random bytes from
// crypto/rand (256 bits). It is returned once, by the call that creates it,
// and never stored: roster keeps its SHA-256 (hex) and a display prefix that
// is never enough to authenticate. Directory.Authenticate in package roster
// hashes a presented token, finds its row by the hash, compares the hashes in
// constant time, and reads the database on every call, so a revocation on any
// instance sharing the database is effective at once. A workspace may hold
// several named tokens of each kind (names are unique per workspace and
// kind). Revoking a SCIM token deletes it; an API key is deleted with its
// service user by Workspace.DeleteAPIKey, which ends its access at once.
// Every create and revoke is an audited mutation ("token.create",
// "token.revoke", with ids and names, never the raw token or its hash). The
// time a token was last used is kept as bookkeeping: not audited, and
// coalesced to at most one write per token per minute.
//
// A SCIM token's actor, access.SCIMActor(id), is accepted by the calls
// provisioning may make (users.Service.Register with users.SourceSCIM,
// ChangeEmail, Deactivate and Activate of non-admins; creating, renaming and
// deleting groups and changing their members) only while the token is a live
// SCIM token of the call's workspace, checked inside the call's transaction;
// every other call refuses it.
//
// A [Service] belongs to one workspace; package roster's Workspace.Tokens
// returns it. Most callers want Workspace.Tokens().CreateSCIM, and
// Workspace.CreateAPIKey for API keys.
package tokens
