package ratelimit

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
)

// ErrInvalid is matched (with [errors.Is]) by every error that reports bad input: a
// [Limit] that fails [Limit.Validate], a negative or oversized token count, a
// [Principal] without a user id, a malformed [BucketState]. Nothing is changed when
// it is returned. It matches access.ErrInvalid (roster.ErrInvalid).
var ErrInvalid = newError("ratelimit: invalid input", "The rate limit is not valid.", access.ErrInvalid)

// ErrRateLimited is matched (with [errors.Is]) by the [*LimitError] that
// [Engine.Check] returns when a request is refused. It matches access.ErrLimited
// (roster.ErrLimited), as the invite throttles' refusals do.
var ErrRateLimited = newError("ratelimit: rate limited", "The token budget is spent; try again later.", access.ErrLimited)

// ErrNotFound is returned by [Engine.Remove] for a limit id that is not configured.
// It matches access.ErrNotFound (roster.ErrNotFound).
var ErrNotFound = newError("ratelimit: limit not found", "The rate limit does not exist.", access.ErrNotFound)

// newError is errs.New under this package's own name: go doc prints the
// sentinels' declarations above, and an application reading them should see
// nothing it cannot import.
func newError(text, sentence string, wraps ...error) error {
	return errs.New(text, sentence, wraps...)
}

// MaxPeriod is the longest [Limit.Period] accepted: 365 days.
const MaxPeriod = 365 * 24 * time.Hour

// MaxTokens is the largest budget, estimate or recorded count accepted. Buckets hold
// their level as a float64 (x/time/rate), which counts whole tokens exactly up to 2^53.
const MaxTokens = min(1<<53, math.MaxInt)

// Scope says whom a [Limit] applies to.
type Scope string

const (
	// ScopeGlobal limits the whole workspace: one bucket shared by every principal.
	ScopeGlobal Scope = "global"
	// ScopeUser limits each user separately: one bucket per user.
	ScopeUser Scope = "user"
	// ScopeGroup limits the members of one group together: one bucket per group.
	ScopeGroup Scope = "group"
)

// Valid reports whether s is one of the three scopes.
func (s Scope) Valid() bool {
	return s == ScopeGlobal || s == ScopeUser || s == ScopeGroup
}

// A Limit is a token budget per period for one scope. Its buckets hold at most Budget
// tokens and refill at Budget per Period. The zero value is not valid; see
// [Limit.Validate].
type Limit struct {
	// ID names the limit; it keys the limit's buckets and persisted state.
	ID string
	// Scope is whom the limit applies to.
	Scope Scope
	// GroupID is the group a ScopeGroup limit applies to; empty for other scopes.
	GroupID string
	// Budget is the bucket capacity in tokens, and the refill per Period.
	Budget int64
	// Period is the time a bucket takes to refill from empty to Budget; at most MaxPeriod.
	Period time.Duration
	// Enabled limits refuse and are charged; disabled ones are ignored by Check and
	// Record, but keep the levels of their buckets (which refill) for when they are
	// enabled again.
	Enabled bool
}

// InvalidError describes why a [Limit] or another input was refused. It matches
// [ErrInvalid] with [errors.Is].
type InvalidError struct {
	// LimitID is the id of the limit at fault, if any.
	LimitID string
	// Field names the offending field or argument, such as "Budget" or "tokens".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns "ratelimit: invalid <field> [of limit "<id>"]: <reason>".
func (e *InvalidError) Error() string {
	s := "ratelimit: invalid " + e.Field
	if e.LimitID != "" {
		s += " of limit " + strconv.Quote(e.LimitID)
	}
	return s + ": " + e.Reason
}

// Sentence names the field at fault for a person, in the words of
// fieldPhrase: "The token budget of the rate limit is not valid."
func (e *InvalidError) Sentence(func(access.Resource) string) string {
	phrase, ok := fieldPhrase(e.Field)
	if !ok {
		return "The rate limit is not valid."
	}
	return phrase + " is not valid."
}

// fieldPhrase returns how a person reads the field or argument named by an
// InvalidError's Field, as the subject of a sentence; false for a name it
// does not know, never a Go name.
func fieldPhrase(field string) (string, bool) {
	switch field {
	case "ID":
		return "The id of the rate limit", true
	case "Scope":
		return "The scope of the rate limit", true
	case "Budget":
		return "The token budget of the rate limit", true
	case "Period":
		return "The period of the rate limit", true
	case "GroupID":
		return "The group of the rate limit", true
	case "estimate":
		return "The estimated token count", true
	case "tokens":
		return "The token count", true
	case "Principal":
		return "The user to charge", true
	case "Principal.Groups":
		return "A group of the user to charge", true
	case "BucketState.LimitID", "BucketState.At", "BucketState.Tokens":
		return "The saved state of a rate limit", true
	case "until":
		return "The end of the usage report's time range", true
	}
	return "", false
}

// Unwrap returns [ErrInvalid].
func (e *InvalidError) Unwrap() error { return ErrInvalid }

func invalid(id, field, format string, args ...any) error {
	return &InvalidError{LimitID: id, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Validate returns an [*InvalidError] (matching [ErrInvalid]) when l has no ID, an
// unknown scope, a budget outside 1..MaxTokens, a period outside (0, MaxPeriod], a
// group scope without group id, or a group id on another scope. It returns nil
// otherwise.
func (l Limit) Validate() error {
	switch {
	case l.ID == "":
		return invalid("", "ID", "must not be empty")
	case !l.Scope.Valid():
		return invalid(l.ID, "Scope", "unknown scope %q", string(l.Scope))
	case l.Budget <= 0:
		return invalid(l.ID, "Budget", "%d is not positive", l.Budget)
	case l.Budget > MaxTokens:
		return invalid(l.ID, "Budget", "%d exceeds %d", l.Budget, int64(MaxTokens))
	case l.Period <= 0:
		return invalid(l.ID, "Period", "%v is not positive", l.Period)
	case l.Period > MaxPeriod:
		return invalid(l.ID, "Period", "%v is longer than a year (365 days)", l.Period)
	case l.Scope == ScopeGroup && l.GroupID == "":
		return invalid(l.ID, "GroupID", "a group limit needs a group id")
	case l.Scope != ScopeGroup && l.GroupID != "":
		return invalid(l.ID, "GroupID", "only a group limit has a group id")
	}
	return nil
}

// checkTokens validates a token count passed to Check or Record.
func checkTokens(field string, n int64) error {
	if n < 0 {
		return invalid("", field, "%d is negative", n)
	}
	if n > MaxTokens {
		return invalid("", field, "%d exceeds %d", n, int64(MaxTokens))
	}
	return nil
}

// A Principal is the caller a request is checked and charged for. The engine does not
// know memberships: the caller passes the user's current groups on every call, and a
// change of Groups applies from the next call.
type Principal struct {
	// UserID identifies the user; required unless Service or Anonymous is set. For a
	// service principal it is the key's id and is used for usage rows only.
	UserID string
	// Groups are the ids of the groups the user belongs to now.
	Groups []string
	// Service marks an API key principal: it meets global limits only.
	Service bool
	// Anonymous marks an unauthenticated caller: it meets global limits only.
	Anonymous bool
}

func (p Principal) globalOnly() bool { return p.Service || p.Anonymous }

func (p Principal) validate() error {
	if !p.globalOnly() && p.UserID == "" {
		return invalid("", "Principal", "a user principal needs a user id")
	}
	return nil
}

// LimitError is the refusal returned by [Engine.Check]. It matches [ErrRateLimited]
// with [errors.Is]. Of all refusing scopes it names the one with the longest wait.
type LimitError struct {
	// Scope is the refusing scope whose wait is the longest.
	Scope Scope
	// LimitID is the limit that sets that wait.
	LimitID string
	// RetryAfter is how long until every refusing scope admits the same request, if
	// nothing else is recorded meanwhile: the longest wait among the refusing scopes,
	// where the group scope waits for the first of the user's groups to recover. It is
	// rate.InfDuration when the estimate exceeds the budget of a refusing limit: no
	// wait helps, the request must be made smaller.
	RetryAfter time.Duration
}

// Error returns a message naming the scope, the limit and the wait.
func (e *LimitError) Error() string {
	return fmt.Sprintf("ratelimit: %s limit %q exhausted, retry after %v", e.Scope, e.LimitID, e.RetryAfter)
}

// Sentence says whose budget is spent and how many whole seconds (rounded
// up) to wait, or that the request must be made smaller when no wait helps.
func (e *LimitError) Sentence(func(access.Resource) string) string {
	whose := "The"
	switch e.Scope {
	case ScopeGlobal:
		whose = "The workspace's"
	case ScopeUser:
		whose = "Your"
	case ScopeGroup:
		whose = "Your group's"
	}
	if e.RetryAfter == rate.InfDuration || e.RetryAfter < 0 {
		return whose + " token budget is too small for this request; make it smaller."
	}
	return whose + " token budget is spent; try again in " + errs.Wait(e.RetryAfter) + "."
}

// Unwrap returns [ErrRateLimited].
func (e *LimitError) Unwrap() error { return ErrRateLimited }
