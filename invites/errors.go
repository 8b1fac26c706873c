package invites

import "errors"

// Sentinel errors. Match them with [errors.Is]; the typed errors of this package
// ([TokenError], [SignupError], [ThrottledError]) wrap them and carry the details.
var (
	// ErrInvalidToken reports an invite link token that is not one this package
	// issued: wrong prefix, length, alphabet or encoding. It is the only thing a
	// caller learns about a forged token.
	ErrInvalidToken = errors.New("invites: invalid invite token")

	// ErrInviteRequired reports a sign-up refused by the invite gate: the workspace
	// requires an invitation and the email holds none.
	ErrInviteRequired = errors.New("invites: an invitation is required to join this workspace")

	// ErrDomainNotAllowed reports a sign-up whose email domain is not in the
	// workspace's allowed domains.
	ErrDomainNotAllowed = errors.New("invites: email domain is not allowed")

	// ErrInvalidSettings reports gate settings that cannot be applied: an unknown
	// mode or a malformed allowed domain. The gate refuses every sign-up while its
	// settings are invalid.
	ErrInvalidSettings = errors.New("invites: invalid gate settings")

	// ErrInvalidSource reports a sign-up source that is not one of the Source
	// constants. The gate refuses it.
	ErrInvalidSource = errors.New("invites: invalid sign-up source")

	// ErrInvalidConfig reports a mailer or throttle configuration that cannot work.
	ErrInvalidConfig = errors.New("invites: invalid configuration")

	// ErrInvalidMessage reports a mail message or invitation that cannot be sent:
	// a malformed recipient, a header with line breaks, a link that is not an
	// absolute http or https URL, or no body.
	ErrInvalidMessage = errors.New("invites: invalid mail message")

	// ErrMailNotConfigured reports that no mailer is configured. [StatusOf] maps it
	// to [StatusNotConfigured].
	ErrMailNotConfigured = errors.New("invites: mail is not configured")

	// ErrMailDisabled reports that invitation mail is switched off. A Mailer may
	// return it on purpose; [StatusOf] maps it to [StatusDisabled].
	ErrMailDisabled = errors.New("invites: invitation mail is disabled")

	// ErrThrottled reports an invite send or link redemption refused by the
	// per-workspace throttle. The [ThrottledError] that wraps it says when to retry.
	ErrThrottled = errors.New("invites: too many requests")
)
