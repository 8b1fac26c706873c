package users

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/width"

	"github.com/rosterhq/roster/access"
)

// MaxEmailLen is the longest email address roster accepts, in bytes of its
// identity form (RFC 5321's path limit less the angle brackets).
const MaxEmailLen = 254

// maxEmailInput bounds the work NormalizeEmail does: a trimmed input longer
// than this is refused before any mapping. It leaves room for every spelling
// of a MaxEmailLen address that NormalizeEmail maps onto it (fullwidth
// letters take three bytes for one, decomposed accents three for two).
const maxEmailInput = 4 * MaxEmailLen

// NormalizeEmail returns the identity form of an email address, or an error
// wrapping ErrInvalidEmail. Two spellings of one address have the same
// identity form, and that form is what roster stores and compares.
//
// The address is trimmed of surrounding white space and must have exactly
// one @, a non-empty local part, and no white space, control or other
// non-printing characters. The local part goes through PRECIS
// (precis.UsernameCaseMapped, RFC 8265): fullwidth and halfwidth letters
// become their ordinary forms, letters are lower-cased, the result is in
// Unicode NFC, and what that profile refuses is refused: symbols outside
// ASCII, compatibility characters such as the long s ſ or the ligature ﬁ,
// and a non-ASCII local part that starts with a digit or a symbol ("1josé"),
// which x/text's Bidi Rule check refuses. The domain goes through IDNA's
// lookup profile (idna.Lookup, UTS #46) to its ASCII form and back with
// ToUnicode, so an A-label and its U-label ("xn--bcher-kva.de",
// "Bücher.DE") are one domain and the stored form is the Unicode one
// ("bücher.de"); the domain needs a dot and no empty labels. Finally, so
// that mail can be sent to every address roster accepts, the identity form
// must be a plain address that net/mail parses back unchanged (RFC 5322
// dot-atoms with RFC 6532's UTF-8: "a..b@x.com" and quoted local parts are
// refused), and it is at most MaxEmailLen bytes.
//
// Characters that Unicode defines as the same character (the Kelvin sign K
// and K, the Ångström sign Å and Å, an accent composed or decomposed) are one
// identity on purpose: NFC maps one onto the other.
//
// NormalizeEmail is idempotent: normalizing its result returns the result
// unchanged.
func NormalizeEmail(email string) (string, error) {
	e, err := normalizeEmail(email)
	if err != nil {
		return "", fmt.Errorf("%w: %s", ErrInvalidEmail, err.Error())
	}
	return e, nil
}

// NormalizeDomain returns the identity form of the domain of an email
// address, as NormalizeEmail computes it: IDNA's lookup mapping to the ASCII
// form and back to Unicode ("XN--BCHER-KVA.de" and "Bücher.DE" both give
// "bücher.de"), at least one dot, no empty labels, no white space (around it
// either: it is not trimmed) or control characters. A refusal wraps
// ErrInvalidEmail. The allowed-domain check of package invites compares
// domains in this form.
func NormalizeDomain(domain string) (string, error) {
	d, err := checkedDomain(domain)
	if err != nil {
		return "", fmt.Errorf("%w: %s", ErrInvalidEmail, err.Error())
	}
	return d, nil
}

func normalizeEmail(email string) (string, error) {
	s := strings.TrimSpace(email)
	if err := checkRaw(s); err != nil {
		return "", err
	}
	rawLocal, rawDomain, _ := strings.Cut(s, "@")
	if rawLocal == "" {
		return "", errText("empty local part")
	}
	// Folding the width first is what the profile does first too; doing it
	// here lets a fullwidth spelling of an ASCII local part take the
	// profile's ASCII path, as the ASCII spelling does. Otherwise x/text
	// would apply the Bidi Rule to it (golang/go#17383) and refuse, say,
	// "１２３" while accepting "123".
	local, err := precis.UsernameCaseMapped.String(width.Fold.String(rawLocal))
	if err != nil {
		return "", errText("the local part holds a character an email identity may not have")
	}
	domain, err := normalizeDomain(rawDomain)
	if err != nil {
		return "", err
	}
	e := local + "@" + domain
	if len(e) > MaxEmailLen {
		return "", errText("longer than 254 bytes")
	}
	if !sendable(e) {
		return "", errText("not an address mail can be sent to")
	}
	return e, nil
}

// checkRaw refuses, before any mapping, what no spelling of an address may
// hold.
func checkRaw(s string) error {
	switch {
	case s == "":
		return errText("empty address")
	case len(s) > maxEmailInput:
		return errText("longer than 254 bytes")
	case !utf8.ValidString(s):
		return errText("not valid UTF-8")
	case strings.IndexFunc(s, badEmailRune) >= 0:
		return errText("holds white space or a control character")
	case strings.Count(s, "@") != 1:
		return errText("needs exactly one @")
	}
	return nil
}

// checkedDomain is normalizeDomain after checkRaw's rune checks, for a
// domain given on its own.
func checkedDomain(d string) (string, error) {
	switch {
	case d == "":
		return "", errText("empty domain")
	case len(d) > maxEmailInput:
		return "", errText("longer than 254 bytes")
	case !utf8.ValidString(d):
		return "", errText("not valid UTF-8")
	case strings.IndexFunc(d, badEmailRune) >= 0:
		return "", errText("holds white space or a control character")
	}
	return normalizeDomain(d)
}

// normalizeDomain maps a domain through IDNA's lookup profile to ASCII and
// back to Unicode, and checks it has a dot and no empty label (the lookup
// profile itself allows both).
func normalizeDomain(raw string) (string, error) {
	ascii, err := idna.Lookup.ToASCII(raw)
	if err != nil {
		return "", errText("the domain is not a valid domain name")
	}
	d, err := idna.Lookup.ToUnicode(ascii)
	if err != nil {
		return "", errText("the domain is not a valid domain name")
	}
	if d == "" {
		return "", errText("empty domain")
	}
	if !strings.Contains(d, ".") {
		return "", errText("domain needs a dot")
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" {
			return "", errText("domain has an empty label")
		}
	}
	return d, nil
}

// sendable reports whether net/mail reads e as exactly the address e, with
// no display name: a plain addr-spec that mail can be sent to. Comparing
// the result also refuses what net/mail accepts but rewrites (a quoted local
// part, a comment, angle brackets).
func sendable(e string) bool {
	a, err := mail.ParseAddress(e)
	return err == nil && a.Name == "" && a.Address == e
}

func badEmailRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError || !unicode.IsPrint(r)
}

type errText string

func (e errText) Error() string { return string(e) }

// ErrInvalidEmail is returned for an address NormalizeEmail refuses. It
// matches access.ErrInvalid.
var ErrInvalidEmail = newError("users: bad email address", "That is not a valid email address.", access.ErrInvalid)
