package access_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/rosterhq/roster/access"
)

// owns is a Sentencer naming resources, as users.OwnsResourcesError does.
type owns struct{ res []access.Resource }

func (e owns) Error() string { return "test: owns resources" }
func (e owns) Unwrap() error { return access.ErrConflict }
func (e owns) Sentence(name func(access.Resource) string) string {
	s := "the user owns"
	for _, r := range e.res {
		s += " " + name(r)
	}
	return s + "."
}

func TestSentence(t *testing.T) {
	agent := access.Resource{Kind: access.Agent, ID: "a1"}
	set := access.Resource{Kind: access.DocumentSet, ID: "d1"}
	conn := access.Resource{Kind: access.Connector, ID: "c1"}
	var asked []access.Resource
	names := func(r access.Resource) string {
		asked = append(asked, r)
		if r == agent {
			return "Support bot"
		}
		return ""
	}
	cases := []struct {
		name string
		err  error
		fn   func(access.Resource) string
		want string
	}{
		{"nil", nil, names, ""},
		// The Sentencer's sentence, capitalized, resources named through
		// the function or by kind when it returns "" or is nil.
		{"named", owns{[]access.Resource{agent, set, conn}}, names,
			`The user owns the agent "Support bot" the document set the connector.`},
		{"nil namer", owns{[]access.Resource{agent}}, nil, "The user owns the agent."},
		// A Sentencer deep in a chain is found (errors.As).
		{"wrapped", fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", owns{[]access.Resource{agent}})), names,
			`The user owns the agent "Support bot".`},
		// Errors without a sentence get their sentinel's; the narrower
		// sentinel wins.
		{"invalid", fmt.Errorf("%w: x", access.ErrInvalid), names, "The request is not valid."},
		{"not found", access.ErrNotFound, names, "It does not exist, or you may not see it."},
		{"forbidden", access.ErrForbidden, names, "You are not allowed to do this."},
		{"conflict", access.ErrConflict, names, "This conflicts with the current state."},
		{"closed", access.ErrClosed, names, "The service is not available right now."},
		{"limited", access.ErrLimited, names, "Too many requests; try again later."},
		{"limited and forbidden", errors.Join(access.ErrForbidden, access.ErrLimited), names, "Too many requests; try again later."},
		{"canceled", fmt.Errorf("query: %w", context.Canceled), names, "The request was canceled or timed out."},
		// Anything else, whatever its text, is generic: it may hold internals.
		{"unknown", errors.New("pq: password authentication failed for user roster"), names, "Something went wrong."},
	}
	for _, c := range cases {
		if got := access.Sentence(c.err, c.fn); got != c.want {
			t.Errorf("%s: Sentence = %q, want %q", c.name, got, c.want)
		}
	}
	// The naming function is asked only about the resources errors name.
	for _, r := range asked {
		if r != agent && r != set && r != conn {
			t.Errorf("the naming function was asked about %v", r)
		}
	}
}

func TestKindNoun(t *testing.T) {
	for k, want := range map[access.Kind]string{access.Connector: "connector", access.DocumentSet: "document set",
		access.Agent: "agent", "wiki": "resource"} {
		if got := k.Noun(); got != want {
			t.Errorf("%q.Noun() = %q, want %q", k, got, want)
		}
	}
}

// The errors of Resource.Validate carry sentences and match ErrInvalid.
func TestValidateSentences(t *testing.T) {
	cases := []struct {
		r    access.Resource
		want string
	}{
		{access.Resource{Kind: "wiki", ID: "x"}, "That is not a kind of resource."},
		{access.Resource{Kind: access.Agent}, "A resource id is 1 to 64 bytes long."},
		{access.Resource{Kind: access.Agent, ID: "a,b"}, "A resource id cannot hold a space, comma or control character."},
	}
	for _, c := range cases {
		err := c.r.Validate()
		if !errors.Is(err, access.ErrInvalid) || access.Sentence(err, nil) != c.want {
			t.Errorf("%v: %v, sentence %q, want ErrInvalid and %q", c.r, err, access.Sentence(err, nil), c.want)
		}
	}
}
