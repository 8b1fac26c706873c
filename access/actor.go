package access

import "strings"

// Actor names who performs a mutating call: a user of the workspace, the
// System actor, or (for provisioning) a SCIM token. It is recorded in the
// audit trail as written.
type Actor string

// System is the actor the embedding application uses for bootstrap and its
// own jobs. It passes every permission check and is recorded as "system".
const System Actor = "system"

const scimPrefix = "scim:"

// UserActor returns the actor for a user id.
func UserActor(userID string) Actor { return Actor(userPrefix + userID) }

// SCIMActor returns the actor for a SCIM token id.
func SCIMActor(tokenID string) Actor { return Actor(scimPrefix + tokenID) }

// UserID returns the user id of a user actor, and false for any other actor.
func (a Actor) UserID() (string, bool) {
	id, ok := strings.CutPrefix(string(a), userPrefix)
	if !ok || id == "" {
		return "", false
	}
	return id, true
}

// SCIMTokenID returns the token id of a SCIM actor, and false for any other
// actor. The id alone grants nothing: see Privileged.
func (a Actor) SCIMTokenID() (string, bool) {
	id, ok := strings.CutPrefix(string(a), scimPrefix)
	if !ok || id == "" {
		return "", false
	}
	return id, true
}

// Privileged reports whether the actor bypasses permission checks: only
// System. A SCIM actor is no shortcut: provisioning (a later package) checks
// its token against the workspace's live tokens inside the transaction and
// gets no power from the string alone (package tokens holds the check).
func (a Actor) Privileged() bool { return a == System }
