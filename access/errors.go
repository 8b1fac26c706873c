package access

import (
	"context"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors of package access. The root package re-exports them; every
// refusal roster returns wraps one of them, so callers branch on the broad
// kind with [errors.Is] and on the exact rule with the finer error of the
// package that returned it. (The root package's documentation lists the
// errors that are not refusals and wrap none.)
var (
	// ErrInvalid is returned for input that can never succeed: an unknown
	// kind, action or role, an empty or over-long id.
	ErrInvalid = errors.New("roster: invalid input")
	// ErrNotFound is returned for an unknown workspace, user, group or
	// resource, and for one the caller may not see.
	ErrNotFound = errors.New("roster: not found")
	// ErrForbidden is returned when the actor's role does not allow the call.
	ErrForbidden = errors.New("roster: forbidden")
	// ErrConflict is returned when the call contradicts the current state: a
	// duplicate, the last admin, an active user, owned resources.
	ErrConflict = errors.New("roster: conflict")
	// ErrClosed is returned by every call on a closed Directory.
	ErrClosed = errors.New("roster: directory closed")
	// ErrLimited is matched by every refusal that waiting may lift: a token
	// budget that is spent (ratelimit.ErrRateLimited) and a throttle
	// (invites.ErrThrottled). The typed errors that wrap it say how long to
	// wait.
	ErrLimited = errors.New("roster: limited")
	// ErrNotApplied is matched by the error of a mutating call whose change
	// is committed to the database but that this instance's index could not
	// apply before the call returned (it could not read the changelog); see
	// NotAppliedError. It is no refusal: the change is saved, and retrying
	// the call would repeat it.
	ErrNotApplied = errors.New("roster: committed but not yet applied here")
)

// NotAppliedError is returned by a mutating call whose change committed at
// Version but that this instance's index does not hold yet, because reading
// the changelog failed (Err) even after a few short retries. The change is
// saved: every instance, this one included, applies it once the database
// answers again (the Directory's follower has been woken to), and
// AwaitVersion of Version, or a request carrying Roster-Min-Version:
// Version, waits for that. It matches ErrNotApplied and Err.
type NotAppliedError struct {
	Version int64 // the committed change's version
	Err     error // why the index could not apply it
}

// Error names the version and the cause.
func (e *NotAppliedError) Error() string {
	return fmt.Sprintf("roster: change %d is committed but not yet applied here: %v", e.Version, e.Err)
}

// Unwrap returns ErrNotApplied and the cause.
func (e *NotAppliedError) Unwrap() []error { return []error{ErrNotApplied, e.Err} }

// Sentence says the change is saved and to look again shortly.
func (e *NotAppliedError) Sentence(func(Resource) string) string {
	return "The change was saved, but this server cannot show it yet; try reading it again in a second."
}

// A Sentencer is an error that carries the sentence a person reads about it,
// apart from its Error text, which is Go's package-prefixed text for logs.
// Most callers want [Sentence], which finds the Sentencer in an error's chain.
type Sentencer interface {
	// Sentence returns one plain sentence for a person: capitalized, ending
	// with a period, naming users by email and groups by name where the error
	// knows them, durations in whole seconds, and no error chain. name returns
	// how to refer to a resource inside the sentence, such as
	// `the agent "Support bot"`, or "the agent" when it has no name; it is
	// never nil and does no more than the function given to [Sentence]. A
	// sentence may start with such a phrase; [Sentence] capitalizes it.
	Sentence(name func(Resource) string) string
}

// Sentence returns the sentence a person reads about err: that of the first
// [Sentencer] in err's chain (errors.As), else a generic sentence for the
// sentinel err matches, else "Something went wrong.". It returns "" for a
// nil err.
//
// name gives a resource's name, or "" when it has none; nil names resources
// by kind only ("the agent"). It is called only for resources the error
// names, never for those the caller may not see, and may do I/O (roster
// stores no resource names, so the application supplies them); Sentence
// itself does none.
func Sentence(err error, name func(Resource) string) string {
	if err == nil {
		return ""
	}
	var s Sentencer
	if errors.As(err, &s) {
		return capitalize(s.Sentence(func(r Resource) string { return phrase(r, name) }))
	}
	return genericSentence(err)
}

// genericSentence is the sentence of the sentinel err matches, for errors
// that carry none; the narrower kinds come first.
func genericSentence(err error) string {
	switch {
	case errors.Is(err, ErrLimited):
		return "Too many requests; try again later."
	case errors.Is(err, ErrClosed):
		return "The service is not available right now."
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "The request was canceled or timed out."
	case errors.Is(err, ErrForbidden):
		return "You are not allowed to do this."
	case errors.Is(err, ErrNotFound):
		return "It does not exist, or you may not see it."
	case errors.Is(err, ErrConflict):
		return "This conflicts with the current state."
	case errors.Is(err, ErrInvalid):
		return "The request is not valid."
	}
	return "Something went wrong."
}

// Noun returns the word for a kind in a sentence: "connector", "document
// set", "agent", or "resource" for an unknown kind.
func (k Kind) Noun() string {
	switch k {
	case Connector:
		return "connector"
	case DocumentSet:
		return "document set"
	case Agent:
		return "agent"
	}
	return "resource"
}

// phrase refers to r in a sentence: `the agent "Support bot"`, or "the
// agent" when name is nil or returns "".
func phrase(r Resource, name func(Resource) string) string {
	p := "the " + r.Kind.Noun()
	if name == nil {
		return p
	}
	if n := name(r); n != "" {
		p += ` "` + n + `"`
	}
	return p
}

// capitalize upper-cases the first letter, so a sentence may start with a
// resource phrase ("The agent ... ").
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// sentenceError is an error of this package with a sentence of its own.
type sentenceError struct {
	text, sentence string
	wraps          error
}

func (e *sentenceError) Error() string                         { return e.text }
func (e *sentenceError) Unwrap() error                         { return e.wraps }
func (e *sentenceError) Sentence(func(Resource) string) string { return e.sentence }

// invalidf returns an "access: "-prefixed error matching ErrInvalid with the
// given sentence.
func invalidf(sentence, format string, args ...any) error {
	return &sentenceError{text: "access: " + fmt.Sprintf(format, args...), sentence: sentence, wraps: ErrInvalid}
}
