package tokens

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rosterhq/roster/access"
)

// Kind is what a token is for.
type Kind string

// The kinds of token.
const (
	// KindSCIM authenticates an identity provider's SCIM client; its actor is
	// access.SCIMActor of the token's id.
	KindSCIM Kind = "scim"
	// KindAPIKey authenticates as the key's service user (users.KindService).
	KindAPIKey Kind = "api_key"
)

// Valid reports whether k is KindSCIM or KindAPIKey.
func (k Kind) Valid() bool { return k == KindSCIM || k == KindAPIKey }

// prefix is the readable start of a raw token of kind k.
func (k Kind) prefix() string {
	if k == KindSCIM {
		return "roster_scim_"
	}
	return "roster_key_"
}

// noun names the kind in sentences.
func (k Kind) noun() string {
	if k == KindSCIM {
		return "SCIM token"
	}
	return "API key"
}

// article names the kind with its indefinite article, capitalized.
func (k Kind) article() string {
	if k == KindSCIM {
		return "A SCIM token"
	}
	return "An API key"
}

// MaxNameLen is the longest token name, in characters.
const MaxNameLen = 100

// randomBytes is how many random bytes a raw token carries (256 bits).
const randomBytes = 32

// displayChars is how many characters of the random part the display prefix
// shows after the kind's prefix: 36 of the 256 bits, never enough to
// authenticate.
const displayChars = 6

// Token describes one bearer token of a workspace. It never holds the raw
// token or its hash.
type Token struct {
	ID        string
	Workspace string
	Kind      Kind
	Name      string
	// Prefix is the display form (the kind's prefix and the first characters
	// of the random part), never enough to authenticate.
	Prefix string
	// UserID is, for an API key, the service user the key acts as; "" for a
	// SCIM token.
	UserID string
	// Role is, for an API key, its service user's role; "" for a SCIM token.
	Role access.Role
	// CreatedAt is when the token was created.
	CreatedAt time.Time
	// LastUsedAt is when Directory.Authenticate last accepted the token, to
	// within a minute; zero if never.
	LastUsedAt time.Time
}

// row is the roster_tokens table.
type row struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string
	Kind        string
	Name        string
	Prefix      string
	Hash        string
	UserID      string
	CreatedAt   time.Time
	CreatedBy   string
	LastUsedAt  *time.Time
}

func (row) TableName() string { return "roster_tokens" }

func (r row) token() Token {
	t := Token{ID: r.ID, Workspace: r.WorkspaceID, Kind: Kind(r.Kind), Name: r.Name, Prefix: r.Prefix,
		UserID: r.UserID, CreatedAt: r.CreatedAt.UTC()}
	if r.LastUsedAt != nil {
		t.LastUsedAt = r.LastUsedAt.UTC()
	}
	return t
}

// newRaw returns a new raw token of kind k, its display prefix and the hex
// SHA-256 stored for it.
func newRaw(k Kind) (raw, prefix, hash string, err error) {
	b := make([]byte, randomBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", "", err
	}
	raw = k.prefix() + base64.RawURLEncoding.EncodeToString(b)
	return raw, raw[:len(k.prefix())+displayChars], hashOf(raw), nil
}

// hashOf is the hex SHA-256 of a raw token. A plain hash suffices (no salt,
// no slow KDF): the token carries 256 random bits, so no dictionary or brute
// force applies, and a fast hash keeps Authenticate one indexed lookup.
func hashOf(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// parseRaw returns the kind of a well-formed raw token: a known prefix
// followed by exactly 32 bytes of base64url. Anything else is false.
func parseRaw(raw string) (Kind, bool) {
	for _, k := range []Kind{KindSCIM, KindAPIKey} {
		rest, ok := strings.CutPrefix(raw, k.prefix())
		if !ok {
			continue
		}
		if len(rest) != base64.RawURLEncoding.EncodedLen(randomBytes) {
			return "", false
		}
		b, err := base64.RawURLEncoding.Strict().DecodeString(rest)
		return k, err == nil && len(b) == randomBytes
	}
	return "", false
}

// normalizeName trims a token name and validates it.
func normalizeName(name string) (string, error) {
	n := strings.TrimSpace(name)
	if n == "" || !utf8.ValidString(n) || utf8.RuneCountInString(n) > MaxNameLen || strings.IndexFunc(n, unicode.IsControl) >= 0 {
		return "", ErrInvalidName
	}
	return n, nil
}
