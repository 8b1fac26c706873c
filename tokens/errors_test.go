package tokens_test

import (
	"errors"
	"testing"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/tokens"
)

// TestErrorsMatchTheirSentinelAndSentence: each error of package tokens
// matches its access sentinel and carries its sentence.
func TestErrorsMatchTheirSentinelAndSentence(t *testing.T) {
	tests := []struct {
		err      error
		sentinel error
		text     string
		sentence string
	}{
		{tokens.ErrTokenNotFound, access.ErrNotFound, "tokens: token not found", "The token does not exist."},
		{tokens.ErrInvalidToken, access.ErrForbidden, "tokens: invalid bearer token", "The token is not valid."},
		{tokens.ErrTokenRevoked, access.ErrForbidden, "tokens: the SCIM token is revoked or unknown", "The SCIM token has been revoked."},
		{tokens.ErrInvalidName, access.ErrInvalid, "tokens: invalid token name", "A token name is 1 to 100 characters long, without control characters."},
		{tokens.ErrDuplicateName, access.ErrConflict, "tokens: a token with this name exists", "A token with this name already exists."},
		{tokens.ErrInvalidKind, access.ErrInvalid, "tokens: unknown token kind", "The token kind is not known."},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.sentinel) {
			t.Errorf("%v does not match %v", tt.err, tt.sentinel)
		}
		if got := tt.err.Error(); got != tt.text {
			t.Errorf("Error() = %q, want %q", got, tt.text)
		}
		if got := access.Sentence(tt.err, nil); got != tt.sentence {
			t.Errorf("Sentence(%v) = %q, want %q", tt.err, got, tt.sentence)
		}
	}
}
