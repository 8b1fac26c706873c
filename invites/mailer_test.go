package invites

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestStatusOf(t *testing.T) {
	tests := []struct {
		err  error
		want Status
	}{
		{nil, StatusSent},
		{ErrMailNotConfigured, StatusNotConfigured},
		{fmt.Errorf("wrapped: %w", ErrMailDisabled), StatusDisabled},
		{errors.New("550 no such user"), StatusSendFailed},
		{context.DeadlineExceeded, StatusSendFailed},
		{ErrInvalidMessage, StatusSendFailed},
	}
	for _, tt := range tests {
		if got := StatusOf(tt.err); got != tt.want {
			t.Errorf("StatusOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestDeliver(t *testing.T) {
	msg := Message{To: "bob@example.com", Subject: "Hi", Text: "hello"}
	var got Message
	tests := []struct {
		name   string
		mailer Mailer
		want   Status
	}{
		{"nil mailer", nil, StatusNotConfigured},
		{"ok", MailerFunc(func(_ context.Context, m Message) error { got = m; return nil }), StatusSent},
		{"disabled", MailerFunc(func(context.Context, Message) error { return ErrMailDisabled }), StatusDisabled},
		{"failing", MailerFunc(func(context.Context, Message) error { return errors.New("boom") }), StatusSendFailed},
	}
	for _, tt := range tests {
		status, err := Deliver(context.Background(), tt.mailer, msg)
		if status != tt.want || (err == nil) != (tt.want == StatusSent) {
			t.Errorf("%s: Deliver = %q, %v; want %q", tt.name, status, err, tt.want)
		}
	}
	if got != msg {
		t.Errorf("MailerFunc got %+v, want %+v", got, msg)
	}
}

func TestParseStatus(t *testing.T) {
	for _, st := range []Status{StatusSent, StatusNotConfigured, StatusSendFailed, StatusDisabled} {
		if got, err := ParseStatus(string(st)); err != nil || got != st {
			t.Errorf("ParseStatus(%q) = %q, %v", st, got, err)
		}
	}
	for _, s := range []string{"", "SENT", "failed", "pending"} {
		if _, err := ParseStatus(s); err == nil {
			t.Errorf("ParseStatus(%q) = nil error", s)
		}
	}
}
