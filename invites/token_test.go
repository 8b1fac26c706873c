package invites

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// validToken is a fixed, well-formed token (32 bytes 0x00..0x1f).
const validToken = "rinv_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"

func TestNewTokenFormat(t *testing.T) {
	tok := NewToken()
	s := tok.Secret()
	if got, want := len(s), TokenLen; got != want {
		t.Fatalf("len(Secret()) = %d, want %d", got, want)
	}
	if !strings.HasPrefix(s, TokenPrefix) {
		t.Fatalf("Secret() = %q, want prefix %q", s, TokenPrefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(s[len(TokenPrefix):])
	if err != nil {
		t.Fatalf("decode body: %v", err)
	}
	if got, want := len(raw), 32; got != want {
		t.Fatalf("decoded %d bytes, want %d", got, want)
	}
	parsed, err := ParseToken(s)
	if err != nil {
		t.Fatalf("ParseToken(NewToken()) = %v", err)
	}
	if parsed.Secret() != s {
		t.Fatalf("ParseToken round trip changed the token")
	}
}

func TestNewTokenUnique(t *testing.T) {
	const n = 10000
	seen := make(map[string]bool, n)
	hashes := make(map[string]bool, n)
	for i := 0; i < n; i++ {
		tok := NewToken()
		if seen[tok.Secret()] {
			t.Fatalf("token %d repeats an earlier one", i)
		}
		seen[tok.Secret()] = true
		hashes[tok.Hash()] = true
	}
	if got := len(hashes); got != n {
		t.Fatalf("%d distinct hashes for %d tokens", got, n)
	}
}

// TestNewTokenEntropy checks that each of the 256 bit positions varies across
// tokens. A stuck bit would fail with certainty; a healthy source fails with
// probability 2*256*2^-1000.
func TestNewTokenEntropy(t *testing.T) {
	var ones, zeros [256]int
	for i := 0; i < 1000; i++ {
		raw, err := base64.RawURLEncoding.DecodeString(NewToken().Secret()[len(TokenPrefix):])
		if err != nil {
			t.Fatal(err)
		}
		for bit := 0; bit < 256; bit++ {
			if raw[bit/8]&(1<<(bit%8)) != 0 {
				ones[bit]++
			} else {
				zeros[bit]++
			}
		}
	}
	for bit := 0; bit < 256; bit++ {
		if ones[bit] == 0 || zeros[bit] == 0 {
			t.Errorf("bit %d never varies: %d ones, %d zeros", bit, ones[bit], zeros[bit])
		}
	}
}

func TestTokenHash(t *testing.T) {
	tok, err := ParseToken(validToken)
	if err != nil {
		t.Fatal(err)
	}
	h := tok.Hash()
	// sha256 of the token string, computed independently with sha256sum.
	const want = "d40f4617430f4a28c9916139a7acb257251ef5cfa31719efa645e3cc1026e3ab"
	if _, err := hex.DecodeString(h); err != nil || len(h) != TokenHashLen || h != strings.ToLower(h) {
		t.Fatalf("Hash() = %q, want %d lowercase hex characters", h, TokenHashLen)
	}
	if h != want {
		t.Fatalf("Hash() = %s, want %s", h, want)
	}
	if h == tok.Secret() || strings.Contains(h, tok.Secret()[len(TokenPrefix):]) {
		t.Fatalf("Hash() contains the secret")
	}
	if got := (Token{}).Hash(); got != "" {
		t.Fatalf("zero Token Hash() = %q, want empty", got)
	}
}

func TestTokenMatches(t *testing.T) {
	tok, err := ParseToken(validToken)
	if err != nil {
		t.Fatal(err)
	}
	other := NewToken()
	tests := []struct {
		name   string
		tok    Token
		stored string
		want   bool
	}{
		{"own hash", tok, tok.Hash(), true},
		{"other token's hash", tok, other.Hash(), false},
		{"empty stored hash", tok, "", false},
		{"raw token stored instead of hash", tok, tok.Secret(), false},
		{"uppercase hex", tok, strings.ToUpper(tok.Hash()), false},
		{"truncated hash", tok, tok.Hash()[:TokenHashLen-1], false},
		{"hash with extra character", tok, tok.Hash() + "0", false},
		{"last hex digit changed", tok, tok.Hash()[:TokenHashLen-1] + flipHex(tok.Hash()[TokenHashLen-1]), false},
		{"zero token, empty hash", Token{}, "", false},
		{"zero token, hash of empty string", Token{}, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", false},
	}
	for _, tt := range tests {
		if got := tt.tok.Matches(tt.stored); got != tt.want {
			t.Errorf("%s: Matches = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func flipHex(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

// parseTokenTests are shared by TestParseToken and FuzzParseToken's seed corpus.
var parseTokenTests = []struct {
	name   string
	in     string
	reason string // "" means accepted
}{
	{"valid", validToken, ""},
	{"valid all dashes and underscores", "rinv_" + strings.Repeat("_", 42) + "w", ""},
	{"empty", "", "wrong length"},
	{"prefix only", "rinv_", "wrong length"},
	{"short by one", validToken[:TokenLen-1], "wrong length"},
	{"long by one", validToken + "A", "wrong length"},
	{"with padding", validToken + "=", "wrong length"},
	{"trailing newline", validToken + "\n", "wrong length"},
	{"leading space", " " + validToken[:TokenLen-1], "missing prefix"},
	{"uppercase prefix", "RINV_" + validToken[5:], "missing prefix"},
	{"dash prefix", "rinv-" + validToken[5:], "missing prefix"},
	{"other prefix", "rscm_" + validToken[5:], "missing prefix"},
	{"no prefix, right length", "AAAAA" + validToken[5:], "missing prefix"},
	{"standard base64 plus", validToken[:20] + "+" + validToken[21:], "invalid character"},
	{"standard base64 slash", validToken[:20] + "/" + validToken[21:], "invalid character"},
	{"padding inside", validToken[:TokenLen-1] + "=", "invalid character"},
	{"space inside", validToken[:20] + " " + validToken[21:], "invalid character"},
	{"percent-encoded", validToken[:20] + "%" + validToken[21:], "invalid character"},
	{"NUL byte", validToken[:20] + "\x00" + validToken[21:], "invalid character"},
	{"non-ASCII byte", validToken[:20] + "\xff" + validToken[21:], "invalid character"},
	// The last character carries 4 data bits and 2 zero bits: 'f' is index 31,
	// whose low bits are not zero, so this spelling is not canonical.
	{"non-canonical last character", validToken[:TokenLen-1] + "f", "non-canonical encoding"},
}

func TestParseToken(t *testing.T) {
	for _, tt := range parseTokenTests {
		tok, err := ParseToken(tt.in)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("%s: ParseToken = %v, want nil", tt.name, err)
			} else if tok.Secret() != tt.in {
				t.Errorf("%s: Secret() differs from input", tt.name)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: ParseToken error = %v, want ErrInvalidToken", tt.name, err)
			continue
		}
		var te *TokenError
		if !errors.As(err, &te) || te.Reason != tt.reason {
			t.Errorf("%s: error = %v, want reason %q", tt.name, err, tt.reason)
		}
		if tok != (Token{}) {
			t.Errorf("%s: rejected input returned a non-zero Token", tt.name)
		}
		if len(tt.in) > 8 && strings.Contains(err.Error(), tt.in[5:]) {
			t.Errorf("%s: error text contains the input", tt.name)
		}
	}
}

func TestTokenNeverPrintsSecret(t *testing.T) {
	tok := NewToken()
	secret := tok.Secret()[len(TokenPrefix):]
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("invite", "token", tok)
	jsonText, err := json.Marshal(struct{ T Token }{tok})
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", tok), "%+v": fmt.Sprintf("%+v", tok), "%#v": fmt.Sprintf("%#v", tok),
		"%s": fmt.Sprintf("%s", tok), "%q": fmt.Sprintf("%q", tok), "%x": fmt.Sprintf("%x", tok),
		"%d": fmt.Sprintf("%d", tok), "in struct": fmt.Sprintf("%+v", struct{ T Token }{tok}),
		"slog": logs.String(), "json": string(jsonText), "String": tok.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, secret) {
			t.Errorf("%s output contains the secret: %s", name, out)
		}
	}
	if got, want := tok.String(), "rinv_[redacted]"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// FuzzParseToken checks that ParseToken never panics and that every accepted
// token round-trips: it parses again to itself and matches its own hash.
func FuzzParseToken(f *testing.F) {
	for _, tt := range parseTokenTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseToken(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("error %v does not wrap ErrInvalidToken", err)
			}
			return
		}
		if tok.Secret() != s {
			t.Fatalf("accepted token changed: %q -> %q", s, tok.Secret())
		}
		again, err := ParseToken(tok.Secret())
		if err != nil || again != tok {
			t.Fatalf("re-parse = %v, %v", again, err)
		}
		raw, err := base64.RawURLEncoding.Strict().DecodeString(s[len(TokenPrefix):])
		if err != nil || len(raw) != 32 || TokenPrefix+base64.RawURLEncoding.EncodeToString(raw) != s {
			t.Fatalf("accepted token does not re-encode to itself")
		}
		if !tok.Matches(tok.Hash()) {
			t.Fatalf("accepted token does not match its own hash")
		}
	})
}
