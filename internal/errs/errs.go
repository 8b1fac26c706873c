// Package errs builds the errors of roster's packages in one scheme: a
// package-prefixed Error text for logs, a plain sentence for people (see
// access.Sentencer), and the sentinels the error matches through Unwrap, never
// by pasting their text.
//
// Each public package keeps its own exported sentinels and typed errors; this
// package only spares them writing the same small error type seven times.
package errs

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/rosterhq/roster/access"
)

// Error is an error with a log text, a sentence for people and the errors it
// matches. Its zero value is not used; build it with New, Errorf or Named.
type Error struct {
	text string
	// sentence is the sentence for people. With res it is a format holding
	// one %s per resource, filled with the resources' phrases.
	sentence string
	res      []access.Resource
	wraps    []error
}

var _ access.Sentencer = (*Error)(nil)

// New returns an error whose Error is text and whose sentence is sentence,
// matching every error of wraps.
func New(text, sentence string, wraps ...error) error {
	return &Error{text: text, sentence: sentence, wraps: wraps}
}

// Errorf returns an error matching wrap, with the text fmt.Sprintf(format,
// args...) and the given sentence. The text is the caller's to prefix; it
// need not repeat wrap's.
func Errorf(wrap error, sentence, format string, args ...any) error {
	return &Error{text: fmt.Sprintf(format, args...), sentence: sentence, wraps: []error{wrap}}
}

// Named returns an error matching wrap whose sentence names resources:
// sentence holds one %s per resource of res, filled in with how
// access.Sentence's caller names it (`the agent "Support bot"` or "the
// agent"). Use it only where the caller may see the resources.
func Named(wrap error, text, sentence string, res ...access.Resource) error {
	return &Error{text: text, sentence: sentence, res: res, wraps: []error{wrap}}
}

// Error returns the text for logs.
func (e *Error) Error() string { return e.text }

// Unwrap returns the errors e matches.
func (e *Error) Unwrap() []error { return e.wraps }

// Sentence returns the sentence for people, naming e's resources with name.
func (e *Error) Sentence(name func(access.Resource) string) string {
	if len(e.res) == 0 {
		return e.sentence
	}
	args := make([]any, len(e.res))
	for i, r := range e.res {
		args[i] = name(r)
	}
	return fmt.Sprintf(e.sentence, args...)
}

// Seconds returns d in whole seconds, rounded up and at least 1, for "try
// again in N seconds".
func Seconds(d time.Duration) int64 {
	return max(1, int64(math.Ceil(d.Seconds())))
}

// Wait returns "1 second" or "N seconds" for d in whole seconds, rounded up
// and at least 1.
func Wait(d time.Duration) string {
	if n := Seconds(d); n != 1 {
		return fmt.Sprintf("%d seconds", n)
	}
	return "1 second"
}

// Cause returns err's Error text without the package prefix it starts with,
// for a wrapper whose own text starts with its package's prefix and goes on
// with its cause's: "invites: invalid invitation request: address 2: bad
// email address: empty address", not "...: address 2: users: bad email
// address: ...". Texts of errors roster did not make are returned as they
// are.
func Cause(err error) string {
	s := err.Error()
	for _, p := range [...]string{"roster: ", "access: ", "users: ", "groups: ", "resources: ", "invites: ", "ratelimit: ", "tokens: ", "httpapi: "} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest
		}
	}
	return s
}
