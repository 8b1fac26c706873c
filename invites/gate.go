package invites

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/users"
)

// Mode is a workspace's invite gate mode. The zero Mode means [ModeAuto].
type Mode string

// Gate modes, stored as these strings.
const (
	// ModeAuto opens sign-up until the first invite of the workspace is made;
	// from then on only invited emails join ("invite all users or none"), also
	// after every invitee has joined or the last invite was revoked. An admin
	// reopens the workspace by choosing ModeOpen.
	ModeAuto Mode = "auto"
	// ModeInviteOnly lets only invited emails join, even with an empty list.
	ModeInviteOnly Mode = "invite_only"
	// ModeOpen lets anyone join; invites are only emails.
	ModeOpen Mode = "open"
)

// ParseMode returns the Mode named s ("auto", "invite_only" or "open"), or an
// error wrapping [ErrInvalidSettings].
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeAuto, ModeInviteOnly, ModeOpen:
		return m, nil
	}
	return "", errs.Errorf(ErrInvalidSettings, "The invite mode must be auto, invite_only or open.", "%v: unknown mode %q", ErrInvalidSettings, s)
}

// String returns the mode's stored name; the zero Mode is "auto".
func (m Mode) String() string {
	if m == "" {
		return string(ModeAuto)
	}
	return string(m)
}

// Source says how a new user arrives. It decides whether the invite gate
// applies (see [Gate.RequiresInvite]).
type Source string

// Sign-up sources, stored as these strings. There is no default: the zero
// Source is invalid and refused.
const (
	// SourcePassword is sign-up with a password or a magic link. It always goes
	// through the gate.
	SourcePassword Source = "password"
	// SourceSSO is sign-up through SAML or OIDC (just-in-time provisioning).
	SourceSSO Source = "sso"
	// SourceSCIM is provisioning by the identity provider over SCIM.
	SourceSCIM Source = "scim"
	// SourceService is a service principal (API key) created by the
	// application. It is never invited, so the invite gate does not apply;
	// allowed domains do.
	SourceService Source = "service"
)

// ParseSource returns the Source named s, or an error wrapping
// [ErrInvalidSource].
func ParseSource(s string) (Source, error) {
	switch src := Source(s); src {
	case SourcePassword, SourceSSO, SourceSCIM, SourceService:
		return src, nil
	}
	return "", fmt.Errorf("%w: %q", ErrInvalidSource, s)
}

// Settings are a workspace's invite gate settings. The zero Settings are the
// defaults: mode auto, no domain restriction, SSO sign-ups gated, SCIM sign-ups
// not gated. The bypass fields are named so that false is the default.
type Settings struct {
	// Mode is the gate mode. The zero value means ModeAuto.
	Mode Mode

	// AllowedDomains, when not empty, restricts every sign-up to emails whose
	// domain equals one of these, both compared in [NormalizeDomain]'s form
	// (an A-label entry matches its U-label in an email, and the other way).
	// Subdomains do not match: list sub.example.com separately. Store
	// entries normalized with [NormalizeDomain]; a malformed entry never
	// matches. Empty: any domain.
	AllowedDomains []string

	// SSOBypassesInvite lets SSO sign-ups join without an invite. Default
	// false: SSO sign-ups go through the gate.
	SSOBypassesInvite bool

	// SCIMRequiresInvite puts SCIM sign-ups through the gate. Default false:
	// SCIM provisioning bypasses it, since the identity provider decides who
	// is provisioned.
	SCIMRequiresInvite bool
}

// Validate reports settings the gate would refuse to apply: an unknown mode or
// an allowed domain that [NormalizeDomain] would change or reject. The error
// wraps [ErrInvalidSettings].
func (s Settings) Validate() error {
	if s.Mode != "" {
		if _, err := ParseMode(string(s.Mode)); err != nil {
			return err
		}
	}
	for _, d := range s.AllowedDomains {
		n, err := NormalizeDomain(d)
		if err != nil {
			return err
		}
		if n != d {
			return errs.Errorf(ErrInvalidSettings, `Write the allowed domain "`+d+`" as "`+n+`".`, "%v: allowed domain %q is not normalized (want %q)", ErrInvalidSettings, d, n)
		}
	}
	return nil
}

// NormalizeDomain returns an allowed-domain entry in the form sign-ups are
// compared in: trimmed, then mapped as users.NormalizeDomain maps the domain
// of an email (IDNA's lookup profile to the ASCII form and back to Unicode),
// so "XN--BCHER-KVA.de" and "Bücher.DE" are both "bücher.de" and match
// every spelling of that domain in a sign-up. A valid entry has at least two
// non-empty dot-separated labels, at most 253 bytes, and no '@', '*', '/',
// ',', spaces or control characters; wildcards are not supported. The error
// wraps [ErrInvalidSettings].
func NormalizeDomain(s string) (string, error) {
	bad := func(why string) (string, error) {
		return "", errs.Errorf(ErrInvalidSettings, `The allowed domain "`+s+`" is not valid (`+why+`).`, "%v: allowed domain %q: %s", ErrInvalidSettings, s, why)
	}
	d := strings.TrimSpace(s)
	switch {
	case d == "":
		return bad("empty")
	case strings.ContainsAny(d, "@*/,"):
		return bad("contains '@', '*', '/' or ','")
	}
	n, err := users.NormalizeDomain(d)
	switch {
	case err != nil:
		return bad("it needs a dot, no empty labels and only characters a domain name may hold")
	case len(n) > 253:
		return bad("longer than 253 bytes")
	}
	return n, nil
}

// Gate decides sign-ups for one workspace. Build it inside the registration
// transaction from the stored settings and flag, so that the decision and the
// insert see the same state.
type Gate struct {
	// Settings are the workspace's gate settings.
	Settings Settings

	// FirstInviteMade is the workspace's stored flag, set when its first invite
	// row was actually inserted and never cleared. Only ModeAuto reads it.
	FirstInviteMade bool
}

// Signup describes one registration attempt as the caller knows it.
type Signup struct {
	// Email is the normalized email (users.NormalizeEmail). The gate only
	// reads its domain.
	Email string

	// Source is how the user arrives.
	Source Source

	// ExistingUser is true when a user with this email already exists in the
	// workspace. The invite gate never blocks existing users; allowed domains
	// still apply.
	ExistingUser bool

	// Invited is true when the workspace holds a valid (unexpired) invite for
	// Email. For SourcePassword the caller sets it only when the sign-up also
	// presents that invite's link token, which proves the mailbox.
	Invited bool
}

// RequiresInvite reports whether a new user arriving from src needs an
// invite right now. Password sign-ups need one exactly when the gate is
// closed; SSO and SCIM follow the bypass settings; service principals never
// need one. An unknown mode or source answers true: the gate fails closed.
func (g Gate) RequiresInvite(src Source) bool {
	var closed bool
	switch g.Settings.Mode {
	case "", ModeAuto:
		closed = g.FirstInviteMade
	case ModeOpen:
		closed = false
	default: // ModeInviteOnly and anything unknown
		closed = true
	}
	switch src {
	case SourcePassword:
		return closed
	case SourceSSO:
		return closed && !g.Settings.SSOBypassesInvite
	case SourceSCIM:
		return closed && g.Settings.SCIMRequiresInvite
	case SourceService:
		return false
	}
	return true
}

// Check decides a sign-up. It checks, in order: the settings and source are
// known, the email's domain is allowed (not for SourceService), then the
// invite gate (skipped for existing users). It returns nil to admit the sign-up, or a *[SignupError]
// wrapping [ErrInvalidSettings], [ErrInvalidSource], [ErrDomainNotAllowed] or
// [ErrInviteRequired].
func (g Gate) Check(su Signup) error {
	refuse := func(err error, domain string) error {
		return &SignupError{Err: err, Mode: g.Settings.Mode, Source: su.Source, Domain: domain}
	}
	if g.Settings.Mode != "" {
		if _, err := ParseMode(string(g.Settings.Mode)); err != nil {
			return refuse(ErrInvalidSettings, "")
		}
	}
	if _, err := ParseSource(string(su.Source)); err != nil {
		return refuse(ErrInvalidSource, "")
	}
	// A service principal's email is made up by roster for its API key:
	// the domain check is for people (SEMANTICS, Actors).
	if domain, ok := g.Settings.domainAllowed(su.Email); !ok && su.Source != SourceService {
		return refuse(ErrDomainNotAllowed, domain)
	}
	if su.ExistingUser || su.Invited || !g.RequiresInvite(su.Source) {
		return nil
	}
	return refuse(ErrInviteRequired, "")
}

// domainAllowed returns the email's domain and whether it passes
// AllowedDomains. With no allowed domains everything passes. The domain is
// what follows the last '@', and it and every allowed entry are compared in
// [NormalizeDomain]'s form, so an entry stored before that form (an A-label,
// say) still matches; an email or entry that form refuses never matches.
func (s Settings) domainAllowed(email string) (string, bool) {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return "", len(s.AllowedDomains) == 0
	}
	domain, err := users.NormalizeDomain(email[at+1:])
	if err != nil {
		domain = email[at+1:]
	}
	if len(s.AllowedDomains) == 0 {
		return domain, true
	}
	if err != nil {
		return domain, false
	}
	for _, allowed := range s.AllowedDomains {
		if n, err := NormalizeDomain(allowed); err == nil && n == domain {
			return domain, true
		}
	}
	return domain, false
}

// SignupError is a sign-up refused by [Gate.Check]. It never contains the
// email, only its domain when the domain was the reason.
type SignupError struct {
	// Err is the reason: ErrInviteRequired, ErrDomainNotAllowed,
	// ErrInvalidSettings or ErrInvalidSource.
	Err error
	// Mode is the gate mode that was in force (as stored; "" means auto).
	Mode Mode
	// Source is the sign-up's source.
	Source Source
	// Domain is the refused email domain, set with ErrDomainNotAllowed.
	Domain string
}

// Error implements error.
func (e *SignupError) Error() string {
	if e.Domain != "" {
		return fmt.Sprintf("%v: %q (source %q)", e.Err, e.Domain, e.Source)
	}
	return fmt.Sprintf("%v (source %q, mode %q)", e.Err, e.Source, e.Mode.String())
}

// Sentence names the refused domain, or gives Err's sentence.
func (e *SignupError) Sentence(func(access.Resource) string) string {
	if e.Domain != "" && errors.Is(e.Err, ErrDomainNotAllowed) {
		return "Sign-ups from " + e.Domain + " are not allowed."
	}
	return access.Sentence(e.Err, nil)
}

// Unwrap returns Err.
func (e *SignupError) Unwrap() error { return e.Err }
