package users_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rosterhq/roster"
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
	{"-a@x.com", "-a@x.com"},
	{"a%b_c@x.com", "a%b_c@x.com"},
	{"Jürgen@Bücher.DE", "jürgen@bücher.de"},
	{strings.Repeat("a", 248) + "@x.com", strings.Repeat("a", 248) + "@x.com"}, // exactly 254 bytes
}

// invalidEmails are inputs NormalizeEmail refuses, each for the reason named.
var invalidEmails = []struct{ name, in string }{
	{"empty", ""},
	{"only white space", " \t "},
	{"no @", "ada.example.com"},
	{"two @", "ada@home@example.com"},
	{"adjacent @@", "ada@@example.com"},
	{"empty local part", "@example.com"},
	{"no dot in domain", "ada@localhost"},
	{"empty domain", "ada@"},
	{"empty first label", "ada@.example.com"},
	{"empty middle label", "ada@example..com"},
	{"empty last label", "ada@example.com."},
	{"space inside", "ada lovelace@example.com"},
	{"space in domain", "ada@exa mple.com"},
	{"tab inside", "ada\t@example.com"},
	{"newline inside", "ada\n@example.com"},
	{"NUL", "ada\x00@example.com"},
	{"escape", "ada\x1b@example.com"},
	{"DEL", "ada\x7f@example.com"},
	{"zero-width space", "ada\u200b@example.com"},
	{"no-break space", "ada\u00a0@example.com"},
	{"invalid UTF-8", "ada\xff@example.com"},
	{"Kelvin sign folds into k", "\u212Aevin@corp.com"},
	{"long s folds into s", "\u017Fam@corp.com"},
	{"dotted capital I lowercases to i", "\u0130lker@corp.com"},
	{"look-alike in the domain", "kevin@\u212Aorp.com"},
	{"too long", strings.Repeat("a", 249) + "@x.com"}, // 255 bytes
	{"far too long", strings.Repeat("a", 1000) + "@x.com"},
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

func FuzzNormalizeEmail(f *testing.F) {
	for _, c := range validEmails {
		f.Add(c.in)
	}
	for _, c := range invalidEmails {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := users.NormalizeEmail(in)
		if err != nil {
			if !errors.Is(err, users.ErrInvalidEmail) || out != "" {
				t.Fatalf("NormalizeEmail(%q) = %q, %v; a refusal must be ErrInvalidEmail and empty", in, out, err)
			}
			return
		}
		again, err := users.NormalizeEmail(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: NormalizeEmail(%q) = %q, then %q, %v", in, out, again, err)
		}
		if out != strings.ToLower(strings.TrimSpace(in)) {
			t.Fatalf("NormalizeEmail(%q) = %q, want the input trimmed and lowercased", in, out)
		}
		if strings.TrimSpace(out) != out || strings.ToLower(out) != out {
			t.Fatalf("NormalizeEmail(%q) = %q: not trimmed or not lowercase", in, out)
		}
		if strings.Count(out, "@") != 1 || len(out) > users.MaxEmailLen || !utf8.ValidString(out) {
			t.Fatalf("NormalizeEmail(%q) = %q: want one @, at most %d bytes, valid UTF-8", in, out, users.MaxEmailLen)
		}
		local, domain, _ := strings.Cut(out, "@")
		if local == "" || !strings.Contains(domain, ".") || strings.ContainsAny(out, " \t\r\n\x00") {
			t.Fatalf("NormalizeEmail(%q) = %q: empty local part, dotless domain or white space", in, out)
		}
		for _, r := range out {
			if r >= utf8.RuneSelf && strings.ToLower(string(r)) != string(r) && isASCII(strings.ToLower(string(r))) {
				t.Fatalf("NormalizeEmail(%q) = %q keeps %q, which folds into ASCII", in, out, r)
			}
		}
		if isASCII(in) {
			// For ASCII, case never matters: the upper-case spelling is the
			// same identity.
			upper, err := users.NormalizeEmail(strings.ToUpper(in))
			if err != nil || upper != out {
				t.Fatalf("NormalizeEmail(%q) = %q, %v; want %q as for %q", strings.ToUpper(in), upper, err, out, in)
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
