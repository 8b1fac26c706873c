package access_test

import (
	"testing"

	"github.com/rosterhq/roster/access"
)

func TestActor(t *testing.T) {
	cases := []struct {
		actor      access.Actor
		userID     string
		isUser     bool
		privileged bool
		tokenID    string // SCIMTokenID
	}{
		{access.System, "", false, true, ""},
		{access.UserActor("42"), "42", true, false, ""},
		{"u:", "", false, false, ""},                         // no id
		{access.SCIMActor("tok1"), "", false, false, "tok1"}, // a string is no SCIM credential
		{"scim:", "", false, false, ""},
		{"SCIM:tok1", "", false, false, ""},
		{"", "", false, false, ""},
		{"SYSTEM", "", false, false, ""}, // deny by default: only the exact constant
	}
	for _, c := range cases {
		id, ok := c.actor.UserID()
		if id != c.userID || ok != c.isUser {
			t.Errorf("%q.UserID() = %q, %v; want %q, %v", c.actor, id, ok, c.userID, c.isUser)
		}
		if tok, ok := c.actor.SCIMTokenID(); tok != c.tokenID || ok != (c.tokenID != "") {
			t.Errorf("%q.SCIMTokenID() = %q, %v; want %q", c.actor, tok, ok, c.tokenID)
		}
		if got := c.actor.Privileged(); got != c.privileged {
			t.Errorf("%q.Privileged() = %v, want %v", c.actor, got, c.privileged)
		}
	}
}
