package invites

import (
	"errors"
	"strings"
	"testing"

	"github.com/rosterhq/roster/access"
)

func TestSentinels(t *testing.T) {
	tests := []struct {
		err  error
		kind error // nil: matches no roster kind
	}{
		{ErrInvalidToken, access.ErrInvalid},
		{ErrInviteRequired, access.ErrForbidden},
		{ErrDomainNotAllowed, access.ErrForbidden},
		{ErrInvalidSettings, access.ErrInvalid},
		{ErrInvalidSource, access.ErrInvalid},
		{ErrInvalidConfig, access.ErrInvalid},
		{ErrInvalidMessage, access.ErrInvalid},
		{ErrMailNotConfigured, nil},
		{ErrMailDisabled, nil},
		{ErrThrottled, nil},
	}
	kinds := []error{access.ErrInvalid, access.ErrNotFound, access.ErrForbidden, access.ErrConflict, access.ErrClosed}
	for _, tt := range tests {
		if !strings.HasPrefix(tt.err.Error(), "invites: ") {
			t.Errorf("%q lacks the package prefix", tt.err)
		}
		for _, k := range kinds {
			if got, want := errors.Is(tt.err, k), k == tt.kind; got != want {
				t.Errorf("errors.Is(%q, %q) = %v, want %v", tt.err, k, got, want)
			}
		}
		for _, other := range tests {
			if other.err != tt.err && errors.Is(tt.err, other.err) {
				t.Errorf("%q matches %q", tt.err, other.err)
			}
		}
	}
	// The typed errors reach the roster kind through their sentinel.
	if err := (Gate{FirstInviteMade: true}).Check(Signup{Email: "a@x.io", Source: SourcePassword}); !errors.Is(err, access.ErrForbidden) {
		t.Errorf("gate refusal %v does not match access.ErrForbidden", err)
	}
	if _, err := ParseToken("x"); !errors.Is(err, access.ErrInvalid) {
		t.Errorf("token error %v does not match access.ErrInvalid", err)
	}
}
