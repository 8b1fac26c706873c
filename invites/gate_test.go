package invites

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// gateModes lists each mode with the auto flag, and whether the gate is closed
// (new users need an invite, subject to the source's bypass).
var gateModes = []struct {
	name   string
	mode   Mode
	made   bool // FirstInviteMade
	closed bool
}{
	{"zero mode, no invite made yet", "", false, false},
	{"zero mode, first invite made", "", true, true}, // zero Mode is auto
	{"auto, empty list, no invite ever", ModeAuto, false, false},
	// The flag stays set after the list empties (all joined or revoked): closed.
	{"auto, first invite made", ModeAuto, true, true},
	{"invite_only, no invite ever", ModeInviteOnly, false, true}, // empty list still closed
	{"invite_only, first invite made", ModeInviteOnly, true, true},
	{"open, no invite ever", ModeOpen, false, false},
	{"open, first invite made", ModeOpen, true, false},
}

// gateSources lists each source with each bypass setting, and whether the
// source goes through a closed gate.
var gateSources = []struct {
	src          Source
	ssoBypass    bool
	scimRequires bool
	gated        bool
}{
	{SourcePassword, false, false, true},
	{SourcePassword, true, false, true}, // bypass settings never apply to passwords
	{SourcePassword, false, true, true},
	{SourcePassword, true, true, true},
	{SourceSSO, false, false, true}, // default: SSO is gated
	{SourceSSO, false, true, true},
	{SourceSSO, true, false, false},
	{SourceSSO, true, true, false},
	{SourceSCIM, false, false, false}, // default: SCIM bypasses
	{SourceSCIM, true, false, false},
	{SourceSCIM, false, true, true},
	{SourceSCIM, true, true, true},
	{SourceService, false, false, false}, // service principals are never invited
	{SourceService, true, false, false},
	{SourceService, false, true, false},
	{SourceService, true, true, false},
}

// gateCases are the sign-ups tried against every mode and source.
var gateCases = []struct {
	name     string
	email    string
	existing bool
	invited  bool
}{
	{"uninvited new email", "bob@example.com", false, false},
	{"invited new email", "bob@example.com", false, true},
	{"existing user, not invited", "bob@example.com", true, false},
	{"existing user, invited", "bob@example.com", true, true},
	{"uninvited email in another case", "Bob@EXAMPLE.com", false, false},
	{"invited email in another case", "Bob@EXAMPLE.com", false, true},
	{"uninvited, other domain", "eve@other.org", false, false},
	{"invited, other domain", "eve@other.org", false, true},
	{"existing user, other domain", "eve@other.org", true, false},
}

var gateDomainLists = []struct {
	name    string
	allowed []string
}{
	{"no allowed domains", nil},
	{"empty allowed domains", []string{}},
	{"allowed example.com", []string{"example.com"}},
	{"allowed example.com and example.net", []string{"example.net", "example.com"}},
}

func TestGateMatrix(t *testing.T) {
	for _, m := range gateModes {
		for _, s := range gateSources {
			for _, dl := range gateDomainLists {
				g := Gate{
					Settings: Settings{Mode: m.mode, AllowedDomains: dl.allowed,
						SSOBypassesInvite: s.ssoBypass, SCIMRequiresInvite: s.scimRequires},
					FirstInviteMade: m.made,
				}
				name := fmt.Sprintf("%s/%s sso-bypass=%v scim-requires=%v/%s",
					m.name, s.src, s.ssoBypass, s.scimRequires, dl.name)
				if got, want := g.RequiresInvite(s.src), m.closed && s.gated; got != want {
					t.Errorf("%s: RequiresInvite = %v, want %v", name, got, want)
				}
				for _, c := range gateCases {
					err := g.Check(Signup{Email: c.email, Source: s.src, ExistingUser: c.existing, Invited: c.invited})
					// Service principals' emails are roster's own: no domain check.
					restricted := len(dl.allowed) > 0 && s.src != SourceService
					want := wantGate(m.closed && s.gated, restricted, c.email, c.existing, c.invited)
					if !errors.Is(err, want) || (want == nil) != (err == nil) {
						t.Errorf("%s/%s: Check = %v, want %v", name, c.name, err, want)
					}
				}
			}
		}
	}
}

// wantGate states the rule the matrix checks: domains first (for everyone
// but service principals), then the invite gate (not for existing or invited emails).
func wantGate(needsInvite, restricted bool, email string, existing, invited bool) error {
	if restricted && !strings.HasSuffix(strings.ToLower(email), "@example.com") {
		return ErrDomainNotAllowed
	}
	if needsInvite && !existing && !invited {
		return ErrInviteRequired
	}
	return nil
}

func TestGateDefaults(t *testing.T) {
	// The zero Settings are docs/contract.md's defaults.
	tests := []struct {
		name string
		gate Gate
		su   Signup
		want error
	}{
		{"fresh workspace admits a password sign-up", Gate{}, Signup{Email: "a@x.io", Source: SourcePassword}, nil},
		{"after the first invite, password needs an invite", Gate{FirstInviteMade: true}, Signup{Email: "a@x.io", Source: SourcePassword}, ErrInviteRequired},
		{"after the first invite, SSO needs an invite", Gate{FirstInviteMade: true}, Signup{Email: "a@x.io", Source: SourceSSO}, ErrInviteRequired},
		{"after the first invite, SCIM bypasses", Gate{FirstInviteMade: true}, Signup{Email: "a@x.io", Source: SourceSCIM}, nil},
		{"after the first invite, an existing user passes", Gate{FirstInviteMade: true}, Signup{Email: "a@x.io", Source: SourcePassword, ExistingUser: true}, nil},
	}
	for _, tt := range tests {
		err := tt.gate.Check(tt.su)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: Check = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestGateAllowedDomainLookalikes(t *testing.T) {
	g := Gate{Settings: Settings{Mode: ModeOpen, AllowedDomains: []string{"example.com"}}}
	tests := []struct {
		email string
		want  bool
	}{
		{"bob@example.com", true},
		{"BOB@EXAMPLE.COM", true},
		{"evil.org@example.com", true}, // the local part is not the domain
		{"bob@sub.example.com", false}, // subdomains are not included
		{"bob@evil-example.com", false},
		{"bob@evilexample.com", false},
		{"bob@example.com.evil.org", false},
		{"bob@example.co", false},
		{"bob@xample.com", false},
		{"bob@example.com.", false},
		{"bob@example.com ", false},
		{"bob@exаmple.com", false}, // Cyrillic a
		{"bob@example.com@evil.org", false},
		{"bob@", false},
		{"example.com", false}, // no '@': no domain
		{"", false},
	}
	for _, tt := range tests {
		err := g.Check(Signup{Email: tt.email, Source: SourcePassword})
		if got := err == nil; got != tt.want {
			t.Errorf("Check(%q) = %v, want allowed=%v", tt.email, err, tt.want)
		}
		if !tt.want && !errors.Is(err, ErrDomainNotAllowed) {
			t.Errorf("Check(%q) = %v, want ErrDomainNotAllowed", tt.email, err)
		}
	}
}

func TestGateUppercaseAllowedDomain(t *testing.T) {
	// Entries should be normalized, but matching lowercases both sides anyway.
	g := Gate{Settings: Settings{AllowedDomains: []string{"Example.COM"}}}
	if err := g.Check(Signup{Email: "bob@example.com", Source: SourceSCIM}); err != nil {
		t.Fatalf("Check = %v, want nil", err)
	}
}

func TestGateIDNAllowedDomain(t *testing.T) {
	// An entry stored as an A-label (before entries were normalized to
	// U-labels) and one stored as the U-label both admit the normalized
	// email, whose domain is the U-label; another domain is still refused.
	for _, entry := range []string{"xn--bcher-kva.de", "bücher.de"} {
		g := Gate{Settings: Settings{Mode: ModeOpen, AllowedDomains: []string{entry}}}
		if err := g.Check(Signup{Email: "jürgen@bücher.de", Source: SourcePassword}); err != nil {
			t.Errorf("allowed %q: Check(jürgen@bücher.de) = %v, want nil", entry, err)
		}
		if err := g.Check(Signup{Email: "jürgen@buecher.de", Source: SourcePassword}); !errors.Is(err, ErrDomainNotAllowed) {
			t.Errorf("allowed %q: Check(jürgen@buecher.de) = %v, want ErrDomainNotAllowed", entry, err)
		}
	}
}

func TestGateFailsClosed(t *testing.T) {
	tests := []struct {
		name string
		gate Gate
		su   Signup
		want error
	}{
		{"unknown mode", Gate{Settings: Settings{Mode: "bogus"}}, Signup{Email: "a@x.io", Source: SourcePassword, ExistingUser: true}, ErrInvalidSettings},
		{"mode in wrong case", Gate{Settings: Settings{Mode: "OPEN"}}, Signup{Email: "a@x.io", Source: SourceSCIM}, ErrInvalidSettings},
		{"zero source", Gate{Settings: Settings{Mode: ModeOpen}}, Signup{Email: "a@x.io"}, ErrInvalidSource},
		{"unknown source", Gate{Settings: Settings{Mode: ModeOpen}}, Signup{Email: "a@x.io", Source: "ldap", Invited: true}, ErrInvalidSource},
		{"malformed allowed domain never matches", Gate{Settings: Settings{AllowedDomains: []string{"@x.io"}}}, Signup{Email: "a@x.io", Source: SourcePassword}, ErrDomainNotAllowed},
	}
	for _, tt := range tests {
		err := tt.gate.Check(tt.su)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Check = %v, want %v", tt.name, err, tt.want)
		}
	}
	for _, src := range []Source{SourcePassword, SourceSSO, "", "ldap"} {
		if !(Gate{Settings: Settings{Mode: "bogus"}}).RequiresInvite(src) {
			t.Errorf("RequiresInvite(%q) with an unknown mode = false, want true", src)
		}
		if src != SourcePassword && src != SourceSSO && !(Gate{}).RequiresInvite(src) {
			t.Errorf("RequiresInvite(%q) = false, want true", src)
		}
	}
}

func TestSignupError(t *testing.T) {
	g := Gate{Settings: Settings{AllowedDomains: []string{"example.com"}}, FirstInviteMade: true}
	tests := []struct {
		su   Signup
		want SignupError
		text string
	}{
		{Signup{Email: "secret.person@other.org", Source: SourceSSO},
			SignupError{Err: ErrDomainNotAllowed, Source: SourceSSO, Domain: "other.org"},
			`invites: email domain is not allowed: "other.org" (source "sso")`},
		{Signup{Email: "secret.person@example.com", Source: SourcePassword},
			SignupError{Err: ErrInviteRequired, Source: SourcePassword},
			`invites: an invitation is required to join this workspace (source "password", mode "auto")`},
	}
	for _, tt := range tests {
		err := g.Check(tt.su)
		var se *SignupError
		if !errors.As(err, &se) {
			t.Fatalf("Check = %v, want *SignupError", err)
		}
		if *se != tt.want {
			t.Errorf("error = %+v, want %+v", *se, tt.want)
		}
		if got := err.Error(); got != tt.text {
			t.Errorf("Error() = %q, want %q", got, tt.text)
		}
		if strings.Contains(err.Error(), "secret.person") {
			t.Errorf("Error() reveals the email: %q", err.Error())
		}
	}
}

func TestNormalizeDomain(t *testing.T) {
	tests := []struct {
		in, want string // want "" means rejected
	}{
		{"example.com", "example.com"},
		{"  Example.COM\t", "example.com"},
		{"sub.example.co.uk", "sub.example.co.uk"},
		{"xn--bcher-kva.de", "bücher.de"}, // an A-label is stored as its U-label, as in emails
		{"XN--BCHER-KVA.DE", "bücher.de"},
		{"Bücher.DE", "bücher.de"},
		{"bu\u0308cher.de", "bücher.de"},    // decomposed ü
		{"\uff45xample.com", "example.com"}, // fullwidth e
		{"-example.com", ""},                // IDNA refuses a label starting with a hyphen
		{"my_host.com", ""},
		{"xn--zz.com", ""}, // not a valid A-label
		{"", ""},
		{"   ", ""},
		{"localhost", ""},
		{"@example.com", ""},
		{"bob@example.com", ""},
		{"*.example.com", ""},
		{".example.com", ""},
		{"example.com.", ""},
		{"example..com", ""},
		{"exa mple.com", ""},
		{"example.com,example.org", ""},
		{"example.com\x00", ""},
		{"example.com/path", ""},
		{"\xffexample.com", ""},
		{strings.Repeat("a", 250) + ".com", ""},
	}
	for _, tt := range tests {
		got, err := NormalizeDomain(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrInvalidSettings) {
				t.Errorf("NormalizeDomain(%q) = %q, %v; want ErrInvalidSettings", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name string
		s    Settings
		ok   bool
	}{
		{"zero", Settings{}, true},
		{"every field", Settings{Mode: ModeInviteOnly, AllowedDomains: []string{"example.com"}, SSOBypassesInvite: true, SCIMRequiresInvite: true}, true},
		{"unknown mode", Settings{Mode: "closed"}, false},
		{"uppercase domain", Settings{AllowedDomains: []string{"Example.com"}}, false},
		{"padded domain", Settings{AllowedDomains: []string{" example.com"}}, false},
		{"wildcard domain", Settings{AllowedDomains: []string{"*.example.com"}}, false},
	}
	for _, tt := range tests {
		err := tt.s.Validate()
		if tt.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidSettings)) {
			t.Errorf("%s: Validate = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestParseModeAndSource(t *testing.T) {
	for _, m := range []Mode{ModeAuto, ModeInviteOnly, ModeOpen} {
		if got, err := ParseMode(string(m)); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %q, %v", m, got, err)
		}
	}
	for _, s := range []string{"", "Auto", "invite-only", "closed"} {
		if _, err := ParseMode(s); !errors.Is(err, ErrInvalidSettings) {
			t.Errorf("ParseMode(%q) = %v, want ErrInvalidSettings", s, err)
		}
	}
	for _, src := range []Source{SourcePassword, SourceSSO, SourceSCIM, SourceService} {
		if got, err := ParseSource(string(src)); err != nil || got != src {
			t.Errorf("ParseSource(%q) = %q, %v", src, got, err)
		}
	}
	for _, s := range []string{"", "SSO", "saml", "api_key"} {
		if _, err := ParseSource(s); !errors.Is(err, ErrInvalidSource) {
			t.Errorf("ParseSource(%q) = %v, want ErrInvalidSource", s, err)
		}
	}
	if got, want := Mode("").String(), "auto"; got != want {
		t.Errorf("Mode(\"\").String() = %q, want %q", got, want)
	}
}
