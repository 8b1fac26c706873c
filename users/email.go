package users

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
)

// MaxEmailLen is the longest email address roster accepts (RFC 5321's path
// limit less the angle brackets).
const MaxEmailLen = 254

// NormalizeEmail returns the identity form of an email address, or an error
// wrapping ErrInvalidEmail. The identity form is the address trimmed of
// surrounding white space and lowercased as a whole, so addresses compare
// case-insensitively. A valid address has exactly one @, a non-empty local
// part, a domain of non-empty dot-separated labels with at least one dot, no
// white space or control characters anywhere, valid UTF-8, and at most
// MaxEmailLen bytes. NormalizeEmail is idempotent: normalizing its result
// returns the result unchanged. Non-ASCII letters are allowed, except those
// that fold into ASCII ones (the Kelvin sign, the long s, the dotted capital
// I), which would make two different addresses one identity.
func NormalizeEmail(email string) (string, error) {
	trimmed := strings.TrimSpace(email)
	if strings.IndexFunc(trimmed, foldsIntoASCII) >= 0 {
		return "", fmt.Errorf("%w: holds a non-ASCII letter that case-folds into an ASCII one", ErrInvalidEmail)
	}
	e := strings.ToLower(trimmed)
	if err := validateEmail(e); err != nil {
		return "", fmt.Errorf("%w: %s", ErrInvalidEmail, err.Error())
	}
	return e, nil
}

func validateEmail(e string) error {
	switch {
	case e == "":
		return errText("empty address")
	case len(e) > MaxEmailLen:
		return errText("longer than 254 bytes")
	case !utf8.ValidString(e):
		return errText("not valid UTF-8")
	case strings.IndexFunc(e, badEmailRune) >= 0:
		return errText("holds white space or a control character")
	case strings.Count(e, "@") != 1:
		return errText("needs exactly one @")
	}
	local, domain, _ := strings.Cut(e, "@")
	if local == "" {
		return errText("empty local part")
	}
	if !strings.Contains(domain, ".") {
		return errText("domain needs a dot")
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" {
			return errText("domain has an empty label")
		}
	}
	return nil
}

// foldsIntoASCII reports whether r is not ASCII but its lowercase, or a case
// fold of it, is: the Kelvin sign K folds into k, the long s ſ into s, the
// dotted İ lowercases to i. Accepting them would let a look-alike address
// (one an identity provider might fold differently) collide with, or
// impersonate, an ASCII one, so such addresses are refused.
func foldsIntoASCII(r rune) bool {
	if r < utf8.RuneSelf {
		return false
	}
	if unicode.ToLower(r) < utf8.RuneSelf {
		return true
	}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return true
		}
	}
	return false
}

func badEmailRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError || !unicode.IsPrint(r)
}

type errText string

func (e errText) Error() string { return string(e) }

// ErrInvalidEmail is returned for an address NormalizeEmail refuses. It
// matches access.ErrInvalid.
var ErrInvalidEmail = errs.New("users: bad email address", "That is not a valid email address.", access.ErrInvalid)
