// Package invites holds roster's invitation model: the invite gate, one-time
// invite link tokens, invitation mail and per-workspace throttles.
//
// The gate decision, link tokens, mail and throttles are storage-free and
// usable on their own. The invite list lives in the database; its service is
// wired by package roster (a workspace handle's Invites), which stores invites,
// runs the gate inside the registration transaction, redeems link tokens there
// and sends mail after the commit, calling the pure pieces below.
//
// # The invite list
//
// A workspace's invite list holds normalized emails, each with who invited,
// when, an optional expiry and the delivery [Status] of the invitation email.
// Registration of an invited email consumes its invite; revoking removes it.
//
// # The gate
//
// [Gate.Check] decides a sign-up from the workspace [Settings], the workspace's
// "first invite made" flag and what the caller knows about the email (an
// existing user? invited?). Modes:
//
//   - [ModeAuto] (the zero Mode): sign-up is open until the first invite is
//     made; from then on only invited emails join, even after the list empties.
//   - [ModeInviteOnly]: only invited emails join, even with an empty list.
//   - [ModeOpen]: anyone joins; invites are only emails.
//
// Existing users are never blocked by the invite gate. SCIM sign-ups bypass it
// unless [Settings.SCIMRequiresInvite]; SSO sign-ups go through it unless
// [Settings.SSOBypassesInvite]; password sign-ups always go through it; service
// principals (API keys) never do. The allowed-domain list applies to every
// sign-up, existing users included, and both checks must pass. Domains match
// exactly after lowercasing: sub.example.com does not match example.com.
//
// The gate trusts the email it is given. For password sign-ups the caller
// treats an email as invited only when the sign-up presents that email's
// invite link token: redeeming the link proves the mailbox.
//
// # Links
//
// [NewToken] makes a 256-bit link token ("rinv_" and 43 URL-safe base64
// characters). Only [Token.Hash] is stored; [ParseToken] rejects anything that
// is not well formed with [ErrInvalidToken]; [Token.Matches] compares in
// constant time. Tokens redact themselves when printed or logged.
//
// # Mail
//
// Mail goes through the one-method [Mailer] interface. [SMTPMailer] sends
// through an SMTP server with mandatory STARTTLS by default; [DevMailer] writes
// one line per message, "roster mail to <email>: <link>", and so prints secrets
// by design, for development only. [Templates] renders the invitation from
// replaceable text and HTML templates. Mail is sent after the transaction that
// created the invite commits: a failed send never loses the invite, and its
// [Status] (see [StatusOf]) records what happened so a retry can follow.
//
// # Throttles
//
// [Throttle] limits invitation sends and link redemptions per workspace with
// token buckets (golang.org/x/time/rate). Its state is per process: with
// several instances each one throttles on its own, so the effective limit is
// the configured one times the number of instances.
//
// Errors start "invites: " and wrap roster's sentinels (ErrThrottled matches
// access.ErrLimited, as token-budget refusals do); each carries the sentence
// a person reads, which access.Sentence returns ("Too many invitation emails
// were sent; try again in 3 seconds.").
package invites
