package invites

import (
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
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
	ErrInvalidToken = newError("invites: invalid invite token", "This invitation link is not valid.", access.ErrInvalid)

	// ErrInviteRequired reports a sign-up refused by the invite gate: the workspace
	// requires an invitation and the email holds none. It matches
	// access.ErrForbidden.
	ErrInviteRequired = newError("invites: an invitation is required to join this workspace", "An invitation is required to join this workspace.", access.ErrForbidden)

	// ErrDomainNotAllowed reports a sign-up whose email domain is not in the
	// workspace's allowed domains. It matches access.ErrForbidden.
	ErrDomainNotAllowed = newError("invites: email domain is not allowed", "Sign-ups from this email domain are not allowed.", access.ErrForbidden)

	// ErrInvalidSettings reports gate settings that cannot be applied: an unknown
	// mode or a malformed allowed domain. The gate refuses every sign-up while its
	// settings are invalid. It matches access.ErrInvalid.
	ErrInvalidSettings = newError("invites: invalid gate settings", "The invitation settings are not valid.", access.ErrInvalid)

	// ErrInvalidSource reports a sign-up source that is not one of the Source
	// constants. The gate refuses it. It matches access.ErrInvalid.
	ErrInvalidSource = newError("invites: invalid sign-up source", "The sign-up source is not known.", access.ErrInvalid)

	// ErrInvalidConfig reports a mailer or throttle configuration that cannot
	// work. It matches access.ErrInvalid.
	ErrInvalidConfig = newError("invites: invalid configuration", "The mail or throttle configuration is not valid.", access.ErrInvalid)

	// ErrInvalidMessage reports a mail message or invitation that cannot be sent:
	// a malformed recipient, a header with line breaks, a link that is not an
	// absolute http or https URL, or no body. It matches access.ErrInvalid.
	ErrInvalidMessage = newError("invites: invalid mail message", "The invitation message cannot be sent as it is.", access.ErrInvalid)

	// ErrMailNotConfigured reports that no mailer is configured. [StatusOf] maps it
	// to [StatusNotConfigured]. It is a delivery status, not a refusal, and
	// matches none of roster's sentinels.
	ErrMailNotConfigured = newError("invites: mail is not configured", "Invitation mail is not configured.")

	// ErrMailDisabled reports that invitation mail is switched off. A Mailer may
	// return it on purpose; [StatusOf] maps it to [StatusDisabled]. It is a
	// delivery status, not a refusal, and matches none of roster's sentinels.
	ErrMailDisabled = newError("invites: invitation mail is disabled", "Invitation mail is switched off.")

	// ErrThrottled reports an invite send or link redemption refused by the
	// per-workspace throttle. The [ThrottledError] that wraps it says when to retry.
	// It matches access.ErrLimited, as token-budget refusals do.
	ErrThrottled = newError("invites: too many requests", "Too many requests; try again later.", access.ErrLimited)
)

// newError is errs.New under this package's own name: go doc prints the
// sentinels' declarations above, and an application reading them should see
// nothing it cannot import.
func newError(text, sentence string, wraps ...error) error {
	return errs.New(text, sentence, wraps...)
}
