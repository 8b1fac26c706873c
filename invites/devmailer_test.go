package invites

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestDevMailerLine(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{"invitation", Message{To: "bob@example.com", Subject: "Join", Link: "https://app.example.com/i/rinv_x", Text: "ignored"},
			"roster mail to bob@example.com: https://app.example.com/i/rinv_x\n"},
		{"no link prints the subject", Message{To: "bob@example.com", Subject: `Your "report"`},
			"roster mail to bob@example.com: \"Your \\\"report\\\"\"\n"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		d := NewDevMailer(&buf)
		if got := buf.String(); got != DevMailerBanner {
			t.Fatalf("%s: after NewDevMailer the writer holds %q, want the banner", tt.name, got)
		}
		buf.Reset()
		if err := d.Send(context.Background(), tt.msg); err != nil {
			t.Fatalf("%s: Send: %v", tt.name, err)
		}
		if got := buf.String(); got != tt.want {
			t.Errorf("%s: line = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDevMailerRefusesMultiLineOutput(t *testing.T) {
	var buf bytes.Buffer
	d := NewDevMailer(&buf)
	buf.Reset()
	tests := []struct {
		name string
		msg  Message
	}{
		{"newline in To", Message{To: "bob@example.com\nroster mail to eve@evil.org", Link: "https://x.io/a"}},
		{"newline in Link", Message{To: "bob@example.com", Link: "https://x.io/a\nroster mail to eve@evil.org: x"}},
		{"space in Link", Message{To: "bob@example.com", Link: "https://x.io/a b"}},
		{"newline in Subject", Message{To: "bob@example.com", Subject: "a\nb"}},
	}
	for _, tt := range tests {
		if err := d.Send(context.Background(), tt.msg); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%s: Send = %v, want ErrInvalidMessage", tt.name, err)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("refused messages wrote %q", buf.String())
	}
}

func TestDevMailerContext(t *testing.T) {
	var buf bytes.Buffer
	d := NewDevMailer(&buf)
	buf.Reset()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Send(ctx, Message{To: "bob@example.com", Link: "https://x.io/a"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send = %v, want context.Canceled", err)
	}
	if buf.Len() != 0 {
		t.Errorf("cancelled Send wrote %q", buf.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestDevMailerWriteError(t *testing.T) {
	d := NewDevMailer(failingWriter{})
	err := d.Send(context.Background(), Message{To: "bob@example.com", Link: "https://x.io/a"})
	if err == nil || StatusOf(err) != StatusSendFailed {
		t.Fatalf("Send = %v, want a send_failed error", err)
	}
}

// TestDevMailerConcurrent sends from many goroutines into a bytes.Buffer,
// which is not safe for concurrent use: -race and the line check catch any
// unserialized write.
func TestDevMailerConcurrent(t *testing.T) {
	var buf bytes.Buffer
	d := NewDevMailer(&buf)
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				m := Message{To: fmt.Sprintf("u%d-%d@example.com", w, i), Link: fmt.Sprintf("https://x.io/%d/%d", w, i)}
				if err := d.Send(context.Background(), m); err != nil {
					t.Errorf("Send: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if got, want := len(lines), 1+workers*each; got != want {
		t.Fatalf("%d lines, want %d", got, want)
	}
	seen := make(map[string]bool)
	for _, l := range lines[1:] {
		var w, i, w2, i2 int
		if _, err := fmt.Sscanf(l, "roster mail to u%d-%d@example.com: https://x.io/%d/%d", &w, &i, &w2, &i2); err != nil || w != w2 || i != i2 {
			t.Fatalf("malformed line %q (%v)", l, err)
		}
		seen[l] = true
	}
	if len(seen) != workers*each {
		t.Errorf("%d distinct lines, want %d", len(seen), workers*each)
	}
}
