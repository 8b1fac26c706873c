package ratelimit_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/ratelimit"
)

// Every field an InvalidError can name reads as a plain phrase, never as
// its Go name: one row per field, each refused by a real call.
func TestInvalidSentences(t *testing.T) {
	e, _ := newEngine(t, groupLimit("g", "team", 10, time.Hour))
	ok := userLimit("u", 10, time.Hour)
	with := func(edit func(*ratelimit.Limit)) error {
		l := ok
		edit(&l)
		return l.Validate()
	}
	user := ratelimit.Principal{UserID: "u1"}
	rows := []struct {
		name string
		err  error
		want string
	}{
		{"ID", with(func(l *ratelimit.Limit) { l.ID = "" }), "The id of the rate limit is not valid."},
		{"duplicate ID", e.SetLimits([]ratelimit.Limit{ok, ok}), "The id of the rate limit is not valid."},
		{"Scope", with(func(l *ratelimit.Limit) { l.Scope = "team" }), "The scope of the rate limit is not valid."},
		{"Budget", with(func(l *ratelimit.Limit) { l.Budget = 0 }), "The token budget of the rate limit is not valid."},
		{"Period", with(func(l *ratelimit.Limit) { l.Period = 0 }), "The period of the rate limit is not valid."},
		{"GroupID", with(func(l *ratelimit.Limit) { l.GroupID = "team" }), "The group of the rate limit is not valid."},
		{"estimate", e.Check(user, -1), "The estimated token count is not valid."},
		{"tokens", e.Record(user, -1), "The token count is not valid."},
		{"Principal", e.Check(ratelimit.Principal{}, 1), "The user to charge is not valid."},
		{"Principal.Groups", e.Check(ratelimit.Principal{UserID: "u1", Groups: []string{""}}, 1), "A group of the user to charge is not valid."},
		{"BucketState.LimitID", e.Restore([]ratelimit.BucketState{{At: time.Unix(1, 0)}}), "The saved state of a rate limit is not valid."},
		{"BucketState.At", e.Restore([]ratelimit.BucketState{{LimitID: "g"}}), "The saved state of a rate limit is not valid."},
		{"BucketState.Tokens", e.Restore([]ratelimit.BucketState{{LimitID: "g", At: time.Unix(1, 0), Tokens: math.NaN()}}),
			"The saved state of a rate limit is not valid."},
		// A field this package does not name reads as the sentinel's sentence.
		{"unknown", &ratelimit.InvalidError{Field: "Bogus"}, "The rate limit is not valid."},
	}
	for _, r := range rows {
		var ie *ratelimit.InvalidError
		if !errors.As(r.err, &ie) || !errors.Is(r.err, ratelimit.ErrInvalid) {
			t.Errorf("%s: %v, want an *InvalidError matching ErrInvalid", r.name, r.err)
			continue
		}
		if got := access.Sentence(r.err, nil); got != r.want {
			t.Errorf("%s: sentence %q, want %q", r.name, got, r.want)
		}
	}
}
