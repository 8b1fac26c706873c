package roster_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// broad are the six sentinels every error is classified by.
func broad() []struct {
	name string
	err  error
} {
	return []struct {
		name string
		err  error
	}{
		{"ErrInvalid", roster.ErrInvalid},
		{"ErrNotFound", roster.ErrNotFound},
		{"ErrForbidden", roster.ErrForbidden},
		{"ErrConflict", roster.ErrConflict},
		{"ErrClosed", roster.ErrClosed},
		{"ErrLimited", roster.ErrLimited},
	}
}

// schemeCase is one exported error (or typed error value) of a package: the
// prefix its Error text starts with and the errors it must match. It must
// match none of the broad sentinels it does not list.
type schemeCase struct {
	name   string
	err    error
	prefix string
	is     []error
}

func schemeCases() []schemeCase {
	res := access.Resource{Kind: access.Agent, ID: "a1"}
	return []schemeCase{
		{"users.ErrUserNotFound", users.ErrUserNotFound, "users: ", []error{roster.ErrNotFound}},
		{"users.ErrDuplicate", users.ErrDuplicate, "users: ", []error{roster.ErrConflict}},
		{"users.ErrCuratorViaGroups", users.ErrCuratorViaGroups, "users: ", []error{roster.ErrInvalid}},
		{"users.ErrInvalidRole", users.ErrInvalidRole, "users: ", []error{roster.ErrInvalid}},
		{"users.ErrSelfChange", users.ErrSelfChange, "users: ", []error{roster.ErrConflict}},
		{"users.ErrLastAdmin", users.ErrLastAdmin, "users: ", []error{roster.ErrConflict}},
		{"users.ErrUserActive", users.ErrUserActive, "users: ", []error{roster.ErrConflict}},
		{"users.ErrOwnsResources", users.ErrOwnsResources, "users: ", []error{roster.ErrConflict}},
		{"users.ErrNotAdmin", users.ErrNotAdmin, "users: ", []error{roster.ErrForbidden}},
		{"users.ErrInvalidEmail", users.ErrInvalidEmail, "users: ", []error{roster.ErrInvalid}},
		{"users.OwnsResourcesError", &users.OwnsResourcesError{UserID: "u1", Email: "ada@example.com", Resources: []access.Resource{res}},
			"users: ", []error{users.ErrOwnsResources, roster.ErrConflict}},

		{"groups.ErrGroupNotFound", groups.ErrGroupNotFound, "groups: ", []error{roster.ErrNotFound}},
		{"groups.ErrDuplicateName", groups.ErrDuplicateName, "groups: ", []error{roster.ErrConflict}},
		{"groups.ErrInvalidName", groups.ErrInvalidName, "groups: ", []error{roster.ErrInvalid}},
		{"groups.ErrOutOfScope", groups.ErrOutOfScope, "groups: ", []error{roster.ErrForbidden}},
		{"groups.ErrNotAMember", groups.ErrNotAMember, "groups: ", []error{roster.ErrInvalid}},
		{"groups.ErrAlreadyPrivileged", groups.ErrAlreadyPrivileged, "groups: ", []error{roster.ErrInvalid}},
		{"groups.ErrNotEligible", groups.ErrNotEligible, "groups: ", []error{roster.ErrInvalid}},

		{"resources.ErrResourceNotFound", resources.ErrResourceNotFound, "resources: ", []error{roster.ErrNotFound}},
		{"resources.ErrExists", resources.ErrExists, "resources: ", []error{roster.ErrConflict}},
		{"resources.ErrNoGroups", resources.ErrNoGroups, "resources: ", []error{roster.ErrInvalid}},
		{"resources.ErrDocumentSetRule", resources.ErrDocumentSetRule, "resources: ", []error{roster.ErrInvalid}},

		{"invites.ErrInvalidToken", invites.ErrInvalidToken, "invites: ", []error{roster.ErrInvalid}},
		{"invites.ErrInviteRequired", invites.ErrInviteRequired, "invites: ", []error{roster.ErrForbidden}},
		{"invites.ErrDomainNotAllowed", invites.ErrDomainNotAllowed, "invites: ", []error{roster.ErrForbidden}},
		{"invites.ErrInvalidSettings", invites.ErrInvalidSettings, "invites: ", []error{roster.ErrInvalid}},
		{"invites.ErrInvalidSource", invites.ErrInvalidSource, "invites: ", []error{roster.ErrInvalid}},
		{"invites.ErrInvalidConfig", invites.ErrInvalidConfig, "invites: ", []error{roster.ErrInvalid}},
		{"invites.ErrInvalidMessage", invites.ErrInvalidMessage, "invites: ", []error{roster.ErrInvalid}},
		// Delivery statuses, not refusals: they match no sentinel.
		{"invites.ErrMailNotConfigured", invites.ErrMailNotConfigured, "invites: ", nil},
		{"invites.ErrMailDisabled", invites.ErrMailDisabled, "invites: ", nil},
		{"invites.ErrThrottled", invites.ErrThrottled, "invites: ", []error{roster.ErrLimited}},
		{"invites.ErrInviteInvalid", invites.ErrInviteInvalid, "invites: ", []error{roster.ErrForbidden}},
		{"invites.ErrInviteNotFound", invites.ErrInviteNotFound, "invites: ", []error{roster.ErrNotFound}},
		{"invites.ErrInvalidRequest", invites.ErrInvalidRequest, "invites: ", []error{roster.ErrInvalid}},
		{"invites.TokenError", &invites.TokenError{Reason: "wrong length"}, "invites: ", []error{invites.ErrInvalidToken, roster.ErrInvalid}},
		{"invites.SignupError", &invites.SignupError{Err: invites.ErrDomainNotAllowed, Domain: "x.example"}, "invites: ",
			[]error{invites.ErrDomainNotAllowed, roster.ErrForbidden}},
		{"invites.ThrottledError", &invites.ThrottledError{Op: invites.ThrottleSend, Workspace: "default", RetryAfter: time.Minute}, "invites: ",
			[]error{invites.ErrThrottled, roster.ErrLimited}},

		{"ratelimit.ErrInvalid", ratelimit.ErrInvalid, "ratelimit: ", []error{roster.ErrInvalid}},
		{"ratelimit.ErrRateLimited", ratelimit.ErrRateLimited, "ratelimit: ", []error{roster.ErrLimited}},
		{"ratelimit.ErrNotFound", ratelimit.ErrNotFound, "ratelimit: ", []error{roster.ErrNotFound}},
		{"ratelimit.InvalidError", &ratelimit.InvalidError{LimitID: "l1", Field: "Budget", Reason: "0 is not positive"}, "ratelimit: ",
			[]error{ratelimit.ErrInvalid, roster.ErrInvalid}},
		{"ratelimit.LimitError", &ratelimit.LimitError{Scope: ratelimit.ScopeGroup, LimitID: "l1", RetryAfter: 192*time.Second + time.Millisecond}, "ratelimit: ",
			[]error{ratelimit.ErrRateLimited, roster.ErrLimited}},

		{"roster.ErrWorkspaceNotFound", roster.ErrWorkspaceNotFound, "roster: ", []error{roster.ErrNotFound}},
		// The API's own: no library call returns it, and it matches no sentinel.
		{"httpapi.ErrNotSignedIn", httpapi.ErrNotSignedIn, "httpapi: ", nil},
	}
}

// Every package error matches the sentinels it must (errors.Is relations
// callers branch on) and no other broad one; its text carries its package's
// prefix once; and it carries a sentence for people.
func TestErrorScheme(t *testing.T) {
	for _, c := range schemeCases() {
		for _, want := range c.is {
			if !errors.Is(c.err, want) {
				t.Errorf("%s does not match %v", c.name, want)
			}
		}
		for _, b := range broad() {
			if !errors.Is(c.err, b.err) {
				continue
			}
			listed := false
			for _, want := range c.is {
				listed = listed || want == b.err
			}
			if !listed {
				t.Errorf("%s matches %s, which it must not", c.name, b.name)
			}
		}
		text := c.err.Error()
		if !strings.HasPrefix(text, c.prefix) {
			t.Errorf("%s: Error() = %q, want the prefix %q", c.name, text, c.prefix)
		}
		for _, p := range []string{"roster: ", "users: ", "groups: ", "resources: ", "invites: ", "ratelimit: ", "httpapi: "} {
			if n := strings.Count(text, p); n > 1 || (n == 1 && p != c.prefix) {
				t.Errorf("%s: Error() = %q repeats or mixes prefixes", c.name, text)
			}
		}
		var s access.Sentencer
		if !errors.As(c.err, &s) {
			t.Errorf("%s carries no sentence", c.name)
		}
		checkSentence(t, c.name, access.Sentence(c.err, nil))
		// Wrapped with context, as callers do, the sentence stays the same.
		if got, want := access.Sentence(fmt.Errorf("handler: %w", c.err), nil), access.Sentence(c.err, nil); got != want {
			t.Errorf("%s: wrapped sentence %q, want %q", c.name, got, want)
		}
	}
}

// The broad refusal sentinel: a token budget and a throttle both match it,
// and neither matches the other's finer error.
func TestErrLimited(t *testing.T) {
	budget := &ratelimit.LimitError{Scope: ratelimit.ScopeUser, RetryAfter: time.Second}
	throttle := &invites.ThrottledError{Op: invites.ThrottleRedeem, RetryAfter: time.Second}
	for _, err := range []error{budget, throttle, ratelimit.ErrRateLimited, invites.ErrThrottled} {
		if !errors.Is(err, roster.ErrLimited) || roster.ErrLimited != access.ErrLimited {
			t.Errorf("%v does not match roster.ErrLimited", err)
		}
	}
	if errors.Is(budget, invites.ErrThrottled) || errors.Is(throttle, ratelimit.ErrRateLimited) {
		t.Error("a budget refusal matches ErrThrottled, or a throttle ErrRateLimited")
	}
}

// Sentences of the typed errors: whole seconds rounded up, names where the
// error knows them, and the request-too-large case.
func TestTypedErrorSentences(t *testing.T) {
	agent := access.Resource{Kind: access.Agent, ID: "a1"}
	set := access.Resource{Kind: access.DocumentSet, ID: "d1"}
	names := func(r access.Resource) string {
		if r == agent {
			return "Helper"
		}
		return ""
	}
	cases := []struct {
		err  error
		name func(access.Resource) string
		want string
	}{
		{&ratelimit.LimitError{Scope: ratelimit.ScopeGroup, RetryAfter: 192*time.Second + time.Nanosecond}, nil,
			"Your group's token budget is spent; try again in 193 seconds."},
		{&ratelimit.LimitError{Scope: ratelimit.ScopeUser, RetryAfter: time.Millisecond}, nil,
			"Your token budget is spent; try again in 1 second."},
		{&ratelimit.LimitError{Scope: ratelimit.ScopeGlobal, RetryAfter: time.Minute}, nil,
			"The workspace's token budget is spent; try again in 60 seconds."},
		{&ratelimit.LimitError{Scope: ratelimit.ScopeUser, RetryAfter: rate.InfDuration}, nil,
			"Your token budget is too small for this request; make it smaller."},
		{&invites.ThrottledError{Op: invites.ThrottleSend, RetryAfter: 1500 * time.Millisecond}, nil,
			"Too many invitation emails were sent; try again in 2 seconds."},
		{&invites.ThrottledError{Op: invites.ThrottleRedeem, RetryAfter: 3 * time.Second}, nil,
			"Too many invitation links were tried; try again in 3 seconds."},
		{&invites.SignupError{Err: invites.ErrDomainNotAllowed, Domain: "x.example"}, nil,
			"Sign-ups from x.example are not allowed."},
		{&invites.SignupError{Err: invites.ErrInviteRequired}, nil,
			"An invitation is required to join this workspace."},
		{&users.OwnsResourcesError{UserID: "u1", Email: "ada@example.com", Resources: []access.Resource{agent, set}}, names,
			`The user ada@example.com still owns the agent "Helper" and the document set; transfer them to someone else first.`},
		{&users.OwnsResourcesError{UserID: "u1", Resources: []access.Resource{agent}}, nil,
			"The user still owns the agent; transfer it to someone else first."},
		{&ratelimit.InvalidError{Field: "GroupID", Reason: "a group limit needs a group id"}, nil,
			"The group of the rate limit is not valid."},
	}
	for _, c := range cases {
		got := access.Sentence(c.err, c.name)
		if got != c.want {
			t.Errorf("Sentence(%v) = %q, want %q", c.err, got, c.want)
		}
		checkSentence(t, c.err.Error(), got)
		if strings.Contains(got, "u1") {
			t.Errorf("Sentence(%v) = %q names a user by id", c.err, got)
		}
	}
}

// checkSentence fails unless s is one plain sentence: a capital first
// letter, a final period, no Go chain (no package prefix, no "%!"), no line
// break.
func checkSentence(t *testing.T, what, s string) {
	t.Helper()
	first, _ := utf8.DecodeRuneInString(s)
	switch {
	case !unicode.IsUpper(first):
		t.Errorf("%s: sentence %q does not start with a capital letter", what, s)
	case !strings.HasSuffix(s, ".") || strings.Count(s, ". ") > 0:
		t.Errorf("%s: sentence %q is not one sentence ending with a period", what, s)
	case strings.ContainsAny(s, "\n\t") || strings.Contains(s, "%!"):
		t.Errorf("%s: sentence %q holds a line break or a formatting error", what, s)
	}
	for _, p := range []string{"roster:", "users:", "groups:", "resources:", "invites:", "ratelimit:", "httpapi:", "access:"} {
		if strings.Contains(s, p) {
			t.Errorf("%s: sentence %q holds the Go prefix %q", what, s, p)
		}
	}
}
