package invites_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
)

// redactTokens writes to w with every invite link token replaced, so that the
// example's output is the same on every run.
type redactTokens struct{ w io.Writer }

var tokenRE = regexp.MustCompile(`rinv_[A-Za-z0-9_-]{43}`)

func (r redactTokens) Write(p []byte) (int, error) {
	_, err := r.w.Write(tokenRE.ReplaceAll(p, []byte("rinv_<token>")))
	return len(p), err
}

// Invite, mail, redeem: an admin invites an address, the development mailer
// prints the link, the link is checked when opened and redeemed at sign-up.
// Once the first invite is made (mode auto) only invited emails join.
func Example_invite() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "roster-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	dev := invites.NewDevMailer(redactTokens{os.Stdout})
	var link string // what the invitee clicks
	mailer := invites.MailerFunc(func(ctx context.Context, m invites.Message) error {
		link = m.Link
		return dev.Send(ctx, m)
	})
	d, err := roster.Open(ctx, roster.Config{
		DSN: "sqlite:" + filepath.Join(dir, "roster.db"),
		Invites: roster.InvitesConfig{
			Mailer: mailer,
			Link: func(workspace, token string) string {
				return "https://app.example.com/invite/accept?token=" + token
			},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	ws := d.Default()

	admin, err := ws.Users().Register(ctx, users.Registration{Email: "admin@example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := ws.Invites().Invite(ctx, access.UserActor(admin.ID), []string{"Ann@Example.com", "admin@example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range res.Addresses {
		fmt.Printf("%s: %s, mail %q\n", a.Email, a.Outcome, a.Delivery)
	}

	u, _ := url.Parse(link)
	token := u.Query().Get("token")
	email, err := ws.Invites().CheckToken(ctx, token) // GET /invite/accept
	fmt.Println("link is for", email, err)

	_, err = ws.Users().Register(ctx, users.Registration{Email: "bob@example.com"})
	fmt.Println("bob:", err)
	ann, err := ws.Users().Register(ctx, users.Registration{Email: email, InviteToken: token})
	fmt.Println("ann:", ann.Email, ann.Role, err)
	_, err = ws.Invites().CheckToken(ctx, token)
	fmt.Println("link again:", err)

	// Output:
	// roster dev mailer: invitation links below are secrets; for development only, never in production
	// roster mail to ann@example.com: https://app.example.com/invite/accept?token=rinv_<token>
	// ann@example.com: invited, mail "sent"
	// admin@example.com: already_user, mail ""
	// link is for ann@example.com <nil>
	// bob: invites: an invitation is required to join this workspace (source "password", mode "auto")
	// ann: ann@example.com basic <nil>
	// link again: invites: invite link is invalid or expired
}
