package invites

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Token format. A token is [TokenPrefix] followed by 32 random bytes in unpadded
// URL-safe base64 (RFC 4648 section 5): 5 + 43 = 48 characters, safe in a URL
// path or query without escaping. The prefix makes tokens recognisable in logs
// and to secret scanners.
const (
	// TokenPrefix starts every invite link token.
	TokenPrefix = "rinv_"

	// TokenLen is the length in bytes of every invite link token.
	TokenLen = len(TokenPrefix) + tokenEncodedLen

	// TokenHashLen is the length of [Token.Hash]: a hex-encoded SHA-256.
	TokenHashLen = 2 * sha256.Size

	tokenBytes      = 32 // 256 bits from crypto/rand
	tokenEncodedLen = (tokenBytes*8 + 5) / 6
)

// tokenEncoding rejects non-canonical encodings (non-zero trailing bits), so a
// token has exactly one spelling and every accepted string round-trips.
func tokenEncoding() *base64.Encoding { return base64.RawURLEncoding.Strict() }

// Token is a one-time invite link token. The secret travels only in the link
// sent to the invitee; the database keeps [Token.Hash].
//
// A Token never prints its secret: fmt verbs, String and slog show a redacted
// form, so logging a Token by mistake leaks nothing. Call [Token.Secret] to put
// it into a link. The zero Token is invalid: it has no secret, an empty hash, and
// matches nothing.
type Token struct {
	secret string
}

// NewToken returns a fresh token of 256 bits from crypto/rand.
//
// It returns no error: since Go 1.24 crypto/rand.Read never fails (the
// program crashes instead of handing out predictable bytes).
func NewToken() Token {
	var b [tokenBytes]byte
	_, _ = rand.Read(b[:])
	return Token{secret: TokenPrefix + tokenEncoding().EncodeToString(b[:])}
}

// ParseToken checks that s has the exact format of a token made by [NewToken]:
// the prefix, [TokenLen] characters, the URL-safe base64 alphabet and the
// canonical encoding. It does not trim or fix anything. On failure it returns a
// *[TokenError] wrapping [ErrInvalidToken]; the error never contains s.
//
// A parsed token is well formed, not valid: the caller still looks its hash up.
func ParseToken(s string) (Token, error) {
	switch {
	case len(s) != TokenLen:
		return Token{}, &TokenError{Reason: "wrong length"}
	case !strings.HasPrefix(s, TokenPrefix):
		return Token{}, &TokenError{Reason: "missing prefix"}
	}
	body := s[len(TokenPrefix):]
	for i := 0; i < len(body); i++ {
		if !isBase64URL(body[i]) {
			return Token{}, &TokenError{Reason: "invalid character"}
		}
	}
	var b [tokenBytes]byte
	n, err := tokenEncoding().Decode(b[:], []byte(body))
	if err != nil || n != tokenBytes {
		return Token{}, &TokenError{Reason: "non-canonical encoding"}
	}
	return Token{secret: s}, nil
}

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// Secret returns the token itself, to be put into the invitation link. It is a
// secret: never log it, never store it.
func (t Token) Secret() string { return t.secret }

// Hash returns what the database stores for the token: the SHA-256 of the
// token string (prefix included), as 64 lowercase hex characters, fit for a text
// column. The zero Token hashes to "".
//
// Looking an invite up by this hash in an index is safe: its timing reveals
// bits of the hash, not of the token, and SHA-256 is not invertible.
func (t Token) Hash() string {
	if t.secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(t.secret))
	return hex.EncodeToString(sum[:])
}

// Matches reports whether storedHash is the hash of t, comparing in constant
// time. Use it when the invite row was found by another key (its email) rather
// than by the hash. The zero Token matches nothing, not even "".
func (t Token) Matches(storedHash string) bool {
	if t.secret == "" || len(storedHash) != TokenHashLen {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(t.Hash()), []byte(storedHash)) == 1
}

// String returns a redacted form, the prefix followed by "[redacted]".
func (t Token) String() string {
	if t.secret == "" {
		return "<no token>"
	}
	return TokenPrefix + "[redacted]"
}

// Format implements [fmt.Formatter] so that every verb, %#v and %d included,
// prints the redacted form.
func (t Token) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// LogValue implements [slog.LogValuer] with the redacted form.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// TokenError is returned by [ParseToken]. It wraps [ErrInvalidToken] and never
// contains the rejected input.
type TokenError struct {
	// Reason says which check failed: "wrong length", "missing prefix",
	// "invalid character" or "non-canonical encoding".
	Reason string
}

// Error implements error.
func (e *TokenError) Error() string { return ErrInvalidToken.Error() + ": " + e.Reason }

// Unwrap returns [ErrInvalidToken].
func (e *TokenError) Unwrap() error { return ErrInvalidToken }
