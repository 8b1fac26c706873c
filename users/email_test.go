package users_test

import (
	"errors"
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/users"
)

// validEmails maps inputs NormalizeEmail accepts to their identity form.
var validEmails = []struct{ in, want string }{
	{"a@b.co", "a@b.co"},
	{"Ada@Example.COM", "ada@example.com"},
	{"  ada@example.com\t\n", "ada@example.com"}, // surrounding white space is trimmed
	{"first.last+tag@mail.example.org", "first.last+tag@mail.example.org"},
	{"=cmd@x.com", "=cmd@x.com"}, // a formula-looking address is still an address
	{"+a@x.com", "+a@x.com"},
	{"1jose@x.com", "1jose@x.com"},            // an ASCII local part may start with anything atext allows
	{"\uff11\uff12\uff13@x.com", "123@x.com"}, // fullwidth digits, as 123 (width is folded first)
	{"jos\u00e91@x.com", "jos\u00e91@x.com"},
	{"-a@x.com", "-a@x.com"},
	{"a%b_c@x.com", "a%b_c@x.com"},
	{"Jürgen@Bücher.DE", "jürgen@bücher.de"},
	{"jürgen@xn--bcher-kva.de", "jürgen@bücher.de"},                               // A-label: stored as the U-label
	{"JOSE\u0301@EXAMPLE.COM", "jos\u00e9@example.com"},                           // decomposed accent: stored composed (NFC)
	{"\uff41\uff44\uff4d\uff49\uff4e@example.com", "admin@example.com"},           // fullwidth letters
	{"admin@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com", "admin@example.com"}, // fullwidth domain
	{"admin@example\u3002com", "admin@example.com"},                               // ideographic full stop separates labels in IDNA
	{"\u212Aevin@corp.com", "kevin@corp.com"},                                     // the Kelvin sign is K by canonical equivalence
	{"kevin@\u212Aorp.com", "kevin@korp.com"},                                     // likewise in the domain
	{"\u0130lker@corp.com", "i\u0307lker@corp.com"},                               // dotted capital I lower-cases to i plus a dot, not to ASCII i
	{"Stra\u00dfe@faß.de", "stra\u00dfe@faß.de"},                                  // ß is kept, not folded into ss
	{"\u03a3\u0391\u03a3@example.gr", "\u03c3\u03b1\u03c3@example.gr"},
	{"user@xn--ls8h.la", "user@\U0001f4a9.la"},
	{strings.Repeat("a", 248) + "@x.com", strings.Repeat("a", 248) + "@x.com"}, // exactly 254 bytes
}

// sameIdentity lists groups of spellings that must all be one identity.
var sameIdentity = [][]string{
	{"jos\u00e9@example.com", "jose\u0301@example.com", "JOS\u00c9@example.com", "JOSE\u0301@EXAMPLE.COM"},
	{"admin@example.com", "\uff41dmin@example.com", "\uff21\uff24\uff2d\uff29\uff2e@example.com", "ADMIN@Example.Com"},
	{"info@bücher.de", "info@xn--bcher-kva.de", "INFO@BÜCHER.DE", "info@XN--BCHER-KVA.DE", "info@bu\u0308cher.de"},
	{"kevin@corp.com", "\u212Aevin@corp.com", "Kevin@CORP.com"},
}

// invalidEmails are inputs NormalizeEmail refuses, each for the reason named.
var invalidEmails = []struct{ name, in string }{
	{"empty", ""},
	{"only white space", " \t "},
	{"no @", "ada.example.com"},
	{"two @", "ada@home@example.com"},
	{"adjacent @@", "ada@@example.com"},
	{"fullwidth @ becomes a second @", "ada\uff20home@example.com"},
	{"empty local part", "@example.com"},
	{"no dot in domain", "ada@localhost"},
	{"empty domain", "ada@"},
	{"empty first label", "ada@.example.com"},
	{"empty middle label", "ada@example..com"},
	{"empty last label", "ada@example.com."},
	{"space inside", "ada lovelace@example.com"},
	{"space in domain", "ada@exa mple.com"},
	{"ideographic space", "ada\u3000@example.com"},
	{"tab inside", "ada\t@example.com"},
	{"newline inside", "ada\n@example.com"},
	{"NUL", "ada\x00@example.com"},
	{"escape", "ada\x1b@example.com"},
	{"DEL", "ada\x7f@example.com"},
	{"zero-width space", "ada\u200b@example.com"},
	{"soft hyphen in the domain", "ada@exam\u00adple.com"},
	{"no-break space", "ada\u00a0@example.com"},
	{"invalid UTF-8", "ada\xff@example.com"},
	{"long s: a compatibility character PRECIS refuses", "\u017Fam@corp.com"},
	{"ligature", "\ufb01nance@corp.com"},
	{"symbol outside ASCII", "\u2603@corp.com"},
	{"non-ASCII local part starting with a digit", "1jos\u00e9@corp.com"}, // x/text's Bidi Rule check
	{"non-ASCII local part starting with a symbol", "+jos\u00e9@corp.com"},
	{"consecutive dots: net/mail refuses", "a..b@example.com"},
	{"leading dot", ".ab@example.com"},
	{"trailing dot", "ab.@example.com"},
	{"quoted local part", `"ab"@example.com`},
	{"comment", "a(b)@example.com"},
	{"angle brackets", "<ab@example.com>"},
	{"fullwidth quote becomes a quote", "a\uff02b@example.com"},
	{"domain label starting with a hyphen", "ada@-example.com"},
	{"underscore in the domain", "ada@my_host.com"},
	{"bad A-label", "ada@xn--zz.com"},
	{"domain literal", "ada@[192.0.2.1]"},
	{"too long", strings.Repeat("a", 249) + "@x.com"}, // 255 bytes
	{"far too long", strings.Repeat("a", 1000) + "@x.com"},
	{"too long once normalized", strings.Repeat("\uff41", 249) + "@x.com"},
}

func TestNormalizeEmail(t *testing.T) {
	for _, c := range validEmails {
		got, err := users.NormalizeEmail(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, c := range invalidEmails {
		got, err := users.NormalizeEmail(c.in)
		if !errors.Is(err, users.ErrInvalidEmail) || !errors.Is(err, roster.ErrInvalid) || got != "" {
			t.Errorf("%s: NormalizeEmail(%q) = %q, %v; want ErrInvalidEmail (matching ErrInvalid)", c.name, c.in, got, err)
		}
	}
}

func TestNormalizeEmailSameIdentity(t *testing.T) {
	for _, group := range sameIdentity {
		want, err := users.NormalizeEmail(group[0])
		if err != nil {
			t.Fatalf("NormalizeEmail(%q): %v", group[0], err)
		}
		for _, in := range group[1:] {
			if got, err := users.NormalizeEmail(in); err != nil || got != want {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want %q as for %q", in, got, err, want, group[0])
			}
		}
	}
}

func TestNormalizeDomain(t *testing.T) {
	for in, want := range map[string]string{
		"Bücher.DE":        "bücher.de",
		"xn--bcher-kva.de": "bücher.de",
		"Example.COM":      "example.com",
	} {
		if got, err := users.NormalizeDomain(in); err != nil || got != want {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "localhost", "a..b", "a@b.com", "exa mple.com", "-x.com", "xn--zz.com", "b.com.", " b.com"} {
		if got, err := users.NormalizeDomain(in); !errors.Is(err, users.ErrInvalidEmail) || got != "" {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want ErrInvalidEmail", in, got, err)
		}
	}
}

// TestSpellingsAreOneUser registers the first spelling of each identity and
// then every other: each other spelling is the same user (a duplicate, and
// ByEmail finds the first), nothing is written for it, and an address mail
// cannot be sent to is refused before anything is written.
func TestSpellingsAreOneUser(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		for _, group := range sameIdentity {
			first := e.registerIn(e.us, users.Registration{Email: group[0], Source: users.SourceSCIM})
			want, _ := users.NormalizeEmail(group[0])
			if first.Email != want {
				t.Errorf("Register(%q).Email = %q, want %q", group[0], first.Email, want)
			}
			for _, other := range group[1:] {
				before := e.snapshot()
				_, err := e.us.Register(e.ctx, users.Registration{Email: other, Source: users.SourceSCIM})
				if !errors.Is(err, users.ErrDuplicate) {
					t.Errorf("Register(%q) after %q = %v, want ErrDuplicate", other, group[0], err)
				}
				e.unchanged(before, "Register("+other+")")
				if u, err := e.us.ByEmail(e.ctx, other); err != nil || u.ID != first.ID {
					t.Errorf("ByEmail(%q) = %+v, %v; want user %s", other, u, err, first.ID)
				}
			}
		}
		for _, bad := range []string{"a..b@example.com", `"ab"@example.com`, "ab@-example.com", "\u017Fam@corp.com"} {
			before := e.snapshot()
			if _, err := e.us.Register(e.ctx, users.Registration{Email: bad, Source: users.SourceSCIM}); !errors.Is(err, users.ErrInvalidEmail) {
				t.Errorf("Register(%q) = %v, want ErrInvalidEmail", bad, err)
			}
			e.unchanged(before, "Register("+bad+")")
		}
	})
}

// FuzzNormalizeEmail checks NormalizeEmail against the rules it states: a
// refusal is ErrInvalidEmail; an accepted address normalizes to itself, is
// short enough, lower-cased, NFC, has one @ and a dotted domain, and parses
// with net/mail as exactly itself; and the spellings of it that the rules
// make one identity (ASCII case, fullwidth ASCII, NFD, the domain's A-label)
// normalize to it too.
func FuzzNormalizeEmail(f *testing.F) {
	for _, c := range validEmails {
		f.Add(c.in)
	}
	for _, c := range invalidEmails {
		f.Add(c.in)
	}
	for _, g := range sameIdentity {
		for _, in := range g {
			f.Add(in)
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := users.NormalizeEmail(in)
		if err != nil {
			if !errors.Is(err, users.ErrInvalidEmail) || out != "" {
				t.Fatalf("NormalizeEmail(%q) = %q, %v; a refusal must be ErrInvalidEmail and empty", in, out, err)
			}
			return
		}
		checkIdentityForm(t, in, out)
		sameAs := func(variant, how string) {
			if len(variant) > 4*users.MaxEmailLen {
				return // beyond the input bound; refused for its length
			}
			if got, err := users.NormalizeEmail(variant); err != nil || got != out {
				t.Fatalf("NormalizeEmail(%q) (%s of %q) = %q, %v; want %q", variant, how, in, got, err, out)
			}
		}
		sameAs(out, "normalized")
		sameAs(norm.NFD.String(out), "NFD")
		local, domain, _ := strings.Cut(out, "@")
		if ascii, err := idna.Lookup.ToASCII(domain); err == nil {
			sameAs(local+"@"+ascii, "A-label domain")
		} else {
			t.Fatalf("NormalizeEmail(%q) = %q, whose domain has no ASCII form: %v", in, out, err)
		}
		if isASCII(in) {
			sameAs(strings.ToUpper(in), "upper case")
			sameAs(fullwidth(in), "fullwidth")
		}
	})
}

// checkIdentityForm fails t unless out has the shape every identity form has.
func checkIdentityForm(t *testing.T, in, out string) {
	t.Helper()
	if strings.Count(out, "@") != 1 || len(out) > users.MaxEmailLen || !utf8.ValidString(out) {
		t.Fatalf("NormalizeEmail(%q) = %q: want one @, at most %d bytes, valid UTF-8", in, out, users.MaxEmailLen)
	}
	if !norm.NFC.IsNormalString(out) {
		t.Fatalf("NormalizeEmail(%q) = %q: not NFC", in, out)
	}
	local, domain, _ := strings.Cut(out, "@")
	if local == "" || !strings.Contains(domain, ".") || strings.Contains(domain, "..") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		t.Fatalf("NormalizeEmail(%q) = %q: empty local part or a domain without a dot or with an empty label", in, out)
	}
	if strings.IndexFunc(out, func(r rune) bool { return r <= ' ' || r == 0x7f || (r >= 'A' && r <= 'Z') }) >= 0 {
		t.Fatalf("NormalizeEmail(%q) = %q: holds white space, a control character or an ASCII capital", in, out)
	}
	a, err := mail.ParseAddress(out)
	if err != nil || a.Name != "" || a.Address != out {
		t.Fatalf("NormalizeEmail(%q) = %q, which net/mail reads as %v, %v", in, out, a, err)
	}
}

// fullwidth spells the printable ASCII of s, except @, in fullwidth forms.
func fullwidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f && r != '@' {
			return r - '!' + '\uff01'
		}
		return r
	}, s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
