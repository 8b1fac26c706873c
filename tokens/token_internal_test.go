package tokens

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestNewRawParsesBackToItsKind(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range []Kind{KindSCIM, KindAPIKey} {
		for range 100 {
			raw, prefix, hash, err := newRaw(k)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := parseRaw(raw); !ok || got != k {
				t.Fatalf("parseRaw(%q) = %q, %v; want %q", raw, got, ok, k)
			}
			if !strings.HasPrefix(raw, prefix) || len(prefix) != len(k.prefix())+displayChars || hash != hashOf(raw) || len(hash) != 64 {
				t.Fatalf("newRaw(%s) = %q, %q, %q", k, raw, prefix, hash)
			}
			if seen[raw] {
				t.Fatalf("newRaw repeated %q", raw)
			}
			seen[raw] = true
		}
	}
}

// FuzzParseRaw: parseRaw never panics, and accepts only a known prefix
// followed by the canonical base64url form of exactly 32 bytes.
func FuzzParseRaw(f *testing.F) {
	for _, k := range []Kind{KindSCIM, KindAPIKey} {
		raw, _, _, err := newRaw(k)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
		f.Add(raw[:len(raw)-1])
		f.Add(raw + "=")
		f.Add(k.prefix())
	}
	f.Add("")
	f.Add("roster_scim_" + strings.Repeat("_", 43))
	f.Fuzz(func(t *testing.T, raw string) {
		k, ok := parseRaw(raw)
		if !ok {
			return
		}
		rest, cut := strings.CutPrefix(raw, k.prefix())
		if !cut {
			t.Fatalf("parseRaw(%q) accepted kind %q without its prefix", raw, k)
		}
		b, err := base64.RawURLEncoding.Strict().DecodeString(rest)
		if err != nil || len(b) != randomBytes || base64.RawURLEncoding.EncodeToString(b) != rest {
			t.Fatalf("parseRaw(%q) accepted a non-canonical or short secret", raw)
		}
	})
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{"  Okta ": "Okta", "Entra ID": "Entra ID", strings.Repeat("ß", 100): strings.Repeat("ß", 100)} {
		if got, err := normalizeName(in); err != nil || got != want {
			t.Errorf("normalizeName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", " \t ", strings.Repeat("ß", 101), "a\x7fb", "\xff"} {
		if _, err := normalizeName(in); err != ErrInvalidName {
			t.Errorf("normalizeName(%q) = %v, want ErrInvalidName", in, err)
		}
	}
}
