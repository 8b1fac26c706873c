// Command quickstart shows roster end to end on a SQLite file: it signs up a
// few users, changes roles, deactivates one, shows what roster refuses, asks
// an access question, and prints the users and the audit trail.
//
//	go run ./examples/quickstart               # in a temporary directory, removed at exit
//	go run ./examples/quickstart -data ./demo  # keeps ./demo/roster.db; safe to run again
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

func main() {
	data := flag.String("data", "", "directory for roster.db (default: a temporary directory, removed at exit)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *data); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, data string) error {
	if data == "" {
		tmp, err := os.MkdirTemp("", "roster-quickstart")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		data = tmp
	} else if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	path := filepath.Join(data, "roster.db")
	d, err := roster.Open(ctx, roster.Config{DSN: "sqlite:" + path})
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(out, "roster directory: %s (workspace %q)\n\n", path, d.Default().ID())
	return demo(ctx, out, d.Default())
}

func demo(ctx context.Context, out io.Writer, ws *roster.Workspace) error {
	us := ws.Users()
	fmt.Fprintln(out, "Sign-ups (the first person becomes admin, everyone else starts basic):")
	people := map[string]users.User{}
	for _, email := range []string{"Ada@Example.com", "bob@example.com", "carol@example.com", "dave@example.com"} {
		u, err := signUp(ctx, us, email)
		if err != nil {
			return err
		}
		people[u.Email] = u
		fmt.Fprintf(out, "  %-20s %s\n", u.Email, u.Role)
	}
	ada, bob, carol, dave := people["ada@example.com"], people["bob@example.com"], people["carol@example.com"], people["dave@example.com"]
	asAda := access.UserActor(ada.ID)

	fmt.Fprintln(out, "\nAda (admin) changes roles and deactivates Dave:")
	if _, err := us.SetRole(ctx, asAda, bob.ID, users.RoleGlobalCurator); err != nil {
		return err
	}
	fmt.Fprintln(out, "  bob   -> global_curator")
	if _, err := us.SetRole(ctx, asAda, carol.ID, users.RoleLimited); err != nil {
		return err
	}
	fmt.Fprintln(out, "  carol -> limited")
	if _, err := us.Deactivate(ctx, asAda, dave.ID); err != nil {
		return err
	}
	fmt.Fprintln(out, "  dave  deactivated (keeps his role; every access check denies him)")

	fmt.Fprintln(out, "\nWhat roster refuses:")
	refusals := []struct {
		what string
		err  error
	}{
		{"bob makes dave admin", second(us.SetRole(ctx, access.UserActor(bob.ID), dave.ID, users.RoleAdmin))},
		{"ada demotes herself", second(us.SetRole(ctx, asAda, ada.ID, users.RoleBasic))},
		{"System demotes ada, the last admin", second(us.SetRole(ctx, roster.System, ada.ID, users.RoleBasic))},
		{"ada sets bob to curator", second(us.SetRole(ctx, asAda, bob.ID, users.RoleCurator))},
		{"ada deletes carol, still active", us.Delete(ctx, asAda, carol.ID)},
		{"someone signs up as ADA@example.com", second(us.Register(ctx, users.Registration{Email: "ADA@example.com"}))},
	}
	for _, r := range refusals {
		if r.err == nil {
			return fmt.Errorf("%s was allowed", r.what)
		}
		fmt.Fprintf(out, "  %-38s %v\n", r.what+":", r.err)
	}

	if err := accessDemo(ctx, out, ws, bob, []users.User{ada, bob, carol, dave}); err != nil {
		return err
	}
	names, err := listUsers(ctx, out, us)
	if err != nil {
		return err
	}
	return auditTrail(ctx, out, ws, asAda, names)
}

// signUp registers email, or finds it when an earlier run with -data did.
func signUp(ctx context.Context, us *users.Service, email string) (users.User, error) {
	u, err := us.Register(ctx, users.Registration{Email: email})
	if errors.Is(err, users.ErrDuplicate) {
		return us.ByEmail(ctx, email)
	}
	return u, err
}

func second[T any](_ T, err error) error { return err }

// accessDemo registers a private agent owned by bob and asks who may view it.
func accessDemo(ctx context.Context, out io.Writer, ws *roster.Workspace, owner users.User, who []users.User) error {
	agent := access.Resource{Kind: access.Agent, ID: "research-helper"}
	_, err := ws.Resources().Register(ctx, access.UserActor(owner.ID), agent, resources.Facts{Owner: owner.ID})
	if err != nil && !errors.Is(err, resources.ErrExists) {
		return err
	}
	fmt.Fprintf(out, "\nWho may view %s (private, owned by %s)?\n", agent, owner.Email)
	for _, u := range who {
		ok, err := ws.Access().Can(ctx, u.ID, access.View, agent)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %-20s %v\n", u.Email, ok)
	}
	return nil
}

// listUsers prints the users and returns their emails by id.
func listUsers(ctx context.Context, out io.Writer, us *users.Service) (map[string]string, error) {
	page, err := us.List(ctx, users.Filter{})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	fmt.Fprintf(out, "\nUsers (%d):\n", page.Total)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  EMAIL\tROLE\tSTATUS")
	for _, u := range page.Users {
		status := "active"
		if !u.Active {
			status = "deactivated"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", u.Email, u.Role, status)
		names[u.ID] = u.Email
	}
	return names, tw.Flush()
}

// auditTrail prints the newest audit events, with users shown by email.
func auditTrail(ctx context.Context, out io.Writer, ws *roster.Workspace, admin roster.Actor, names map[string]string) error {
	page, err := ws.Audit(ctx, admin, roster.AuditFilter{Limit: 8})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nAudit trail (newest %d of %d):\n", len(page.Events), page.Total)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  VERSION\tACTION\tACTOR\tTARGET")
	for _, e := range page.Events {
		actor := string(e.Actor)
		if id, ok := e.Actor.UserID(); ok {
			actor = names[id]
		}
		target := e.Target
		if email, ok := names[target]; ok {
			target = email
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", e.Version, e.Action, actor, target)
	}
	return tw.Flush()
}
