package invites

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// DevMailerBanner is the line [NewDevMailer] writes first, warning that the
// output holds secrets.
const DevMailerBanner = "roster dev mailer: invitation links below are secrets; for development only, never in production\n"

// DevMailer is a development [Mailer] that sends nothing: it writes one line
// per message to an io.Writer,
//
//	roster mail to <email>: <link>
//
// so a developer can follow invitation links without a mail server.
//
// It prints secrets by design. The link carries a one-time invite token, which
// roster otherwise never logs (docs/contract.md, Security defaults); the dev mailer
// is the one exception, and it says so when it starts. Do not use it where the
// writer's output is collected by others.
//
// A message without a link prints its quoted subject instead. DevMailer is
// safe for concurrent use: lines never interleave, even on a writer that is
// not itself safe for concurrent use.
type DevMailer struct {
	mu sync.Mutex // serializes writes to w
	w  io.Writer
}

// NewDevMailer returns a DevMailer writing to w and writes [DevMailerBanner]
// to w at once (an error writing the banner is ignored).
func NewDevMailer(w io.Writer) *DevMailer {
	_, _ = io.WriteString(w, DevMailerBanner)
	return &DevMailer{w: w}
}

// Send writes the message's line. It refuses a message whose recipient is not
// one bare address or whose link contains spaces or control characters, so
// that every message is exactly one line.
func (d *DevMailer) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.validate(); err != nil {
		return err
	}
	what := m.Link
	if what == "" {
		what = fmt.Sprintf("%q", m.Subject)
	}
	line := "roster mail to " + m.To + ": " + what + "\n"
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := io.WriteString(d.w, line); err != nil {
		return fmt.Errorf("invites: dev mailer: %w", err)
	}
	return nil
}
