package invites

import (
	"github.com/rosterhq/roster/access"
)

// Sentinel errors. Match them with [errors.Is]; the typed errors of this package
// ([TokenError], [SignupError], [ThrottledError]) wrap them and carry the details.
//
// Where a broad roster error applies, the sentinel matches it too, so callers may
// branch on the kind (errors.Is(err, roster.ErrForbidden)) or on the exact rule
// (errors.Is(err, invites.ErrInviteRequired)).
var (
	// ErrInvalidToken reports an invite link token that is not one this package
	// issued: wrong prefix, length, alphabet or encoding. It is the only thing a
	// caller learns about a forged token. It matches access.ErrInvalid.
	ErrInvalidToken error = &kindError{"invites: invalid invite token", access.ErrInvalid, "This invitation link is not valid."}

	// ErrInviteRequired reports a sign-up refused by the invite gate: the workspace
	// requires an invitation and the email holds none. It matches
	// access.ErrForbidden.
	ErrInviteRequired error = &kindError{"invites: an invitation is required to join this workspace", access.ErrForbidden, "An invitation is required to join this workspace."}

	// ErrDomainNotAllowed reports a sign-up whose email domain is not in the
	// workspace's allowed domains. It matches access.ErrForbidden.
	ErrDomainNotAllowed error = &kindError{"invites: email domain is not allowed", access.ErrForbidden, "Sign-ups from this email domain are not allowed."}

	// ErrInvalidSettings reports gate settings that cannot be applied: an unknown
	// mode or a malformed allowed domain. The gate refuses every sign-up while its
	// settings are invalid. It matches access.ErrInvalid.
	ErrInvalidSettings error = &kindError{"invites: invalid gate settings", access.ErrInvalid, "The invitation settings are not valid."}

	// ErrInvalidSource reports a sign-up source that is not one of the Source
	// constants. The gate refuses it. It matches access.ErrInvalid.
	ErrInvalidSource error = &kindError{"invites: invalid sign-up source", access.ErrInvalid, "The sign-up source is not known."}

	// ErrInvalidConfig reports a mailer or throttle configuration that cannot
	// work. It matches access.ErrInvalid.
	ErrInvalidConfig error = &kindError{"invites: invalid configuration", access.ErrInvalid, "The mail or throttle configuration is not valid."}

	// ErrInvalidMessage reports a mail message or invitation that cannot be sent:
	// a malformed recipient, a header with line breaks, a link that is not an
	// absolute http or https URL, or no body. It matches access.ErrInvalid.
	ErrInvalidMessage error = &kindError{"invites: invalid mail message", access.ErrInvalid, "The invitation message cannot be sent as it is."}

	// ErrMailNotConfigured reports that no mailer is configured. [StatusOf] maps it
	// to [StatusNotConfigured]. It is a delivery status, not a refusal, and
	// matches none of roster's sentinels.
	ErrMailNotConfigured error = &kindError{"invites: mail is not configured", nil, "Invitation mail is not configured."}

	// ErrMailDisabled reports that invitation mail is switched off. A Mailer may
	// return it on purpose; [StatusOf] maps it to [StatusDisabled]. It is a
	// delivery status, not a refusal, and matches none of roster's sentinels.
	ErrMailDisabled error = &kindError{"invites: invitation mail is disabled", nil, "Invitation mail is switched off."}

	// ErrThrottled reports an invite send or link redemption refused by the
	// per-workspace throttle. The [ThrottledError] that wraps it says when to retry.
	// It matches access.ErrLimited, as token-budget refusals do.
	ErrThrottled error = &kindError{"invites: too many requests", access.ErrLimited, "Too many requests; try again later."}
)

// kindError is a sentinel with its own text that also matches a broad roster
// error (none when kind is nil), and the sentence a person reads.
type kindError struct {
	msg      string
	kind     error
	sentence string
}

// Error returns the sentinel's own text.
func (e *kindError) Error() string { return e.msg }

// Unwrap returns the broad roster error the sentinel also matches.
func (e *kindError) Unwrap() error { return e.kind }

// Sentence returns the sentence a person reads.
func (e *kindError) Sentence(func(access.Resource) string) string { return e.sentence }
