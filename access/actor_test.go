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
	}{
		{access.System, "", false, true},
		{access.UserActor("42"), "42", true, false},
		{"u:", "", false, false},                     // no id
		{access.SCIMActor("tok1"), "", false, false}, // a string is no SCIM credential
		{"scim:", "", false, false},
		{"", "", false, false},
		{"SYSTEM", "", false, false}, // deny by default: only the exact constant
	}
	for _, c := range cases {
		id, ok := c.actor.UserID()
		if id != c.userID || ok != c.isUser {
			t.Errorf("%q.UserID() = %q, %v; want %q, %v", c.actor, id, ok, c.userID, c.isUser)
		}
		if got := c.actor.Privileged(); got != c.privileged {
			t.Errorf("%q.Privileged() = %v, want %v", c.actor, got, c.privileged)
		}
	}
}
