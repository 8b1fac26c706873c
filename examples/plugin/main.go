// Command plugin shows how a plugin of an AI knowledge product filters its
// own search results through roster. The plugin owns its documents; roster
// owns who may see which connector. At indexing time the plugin stores the
// connector's ACL tokens (Access.ACLOf) beside each document; at query time
// it keeps the documents whose tokens intersect the user's (Access.ACLFor).
// The intersection answers exactly as Access.Can(view) would, without a
// call per document.
//
// A plugin whose authors already speak casbin can ask the same questions of
// the workspace's read-only casbin view (Workspace.Casbin) in roster's
// model: Enforce("u:<id>", "<kind>:<id>", "view"), and the members of a
// group as the implicit users of the role "g:<id>". The last section does.
//
//	go run ./examples/plugin
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/users"
)

// document is one entry of the plugin's own search index.
type document struct {
	Title     string
	Connector string
	ACL       []string // roster's ACL tokens of the connector, stored at indexing time
}

func main() {
	dir, err := os.MkdirTemp("", "roster-plugin-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := run(context.Background(), filepath.Join(dir, "roster.db"), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, path string, out io.Writer) error {
	d, err := roster.Open(ctx, roster.Config{DSN: "sqlite:" + path})
	if err != nil {
		return err
	}
	defer d.Close()
	ws := d.Default()
	people, err := setUp(ctx, ws)
	if err != nil {
		return err
	}
	index, err := indexDocuments(ctx, ws)
	if err != nil {
		return err
	}
	for _, name := range []string{"ada", "bob", "cy"} {
		if err := search(ctx, ws, index, name, people[name], out); err != nil {
			return err
		}
	}
	return askCasbin(ctx, ws, people, out)
}

// setUp registers three people (ada, the first, is admin), a group with bob
// in it, and three connectors: a public one, one private to the group, one
// private to nobody.
func setUp(ctx context.Context, ws *roster.Workspace) (map[string]string, error) {
	people := map[string]string{}
	for _, name := range []string{"ada", "bob", "cy"} {
		u, err := ws.Users().Register(ctx, users.Registration{Email: name + "@example.com"})
		if err != nil {
			return nil, err
		}
		people[name] = u.ID
	}
	eng, err := ws.CreateGroup(ctx, roster.System, "Engineering", roster.GroupContents{})
	if err != nil {
		return nil, err
	}
	if _, err := ws.Groups().AddMembers(ctx, roster.System, eng.ID, []string{people["bob"]}); err != nil {
		return nil, err
	}
	facts := map[string]resources.Facts{
		"handbook": {Public: true},
		"eng-wiki": {Groups: []string{eng.ID}},
		"payroll":  {},
	}
	for id, f := range facts {
		if _, err := ws.Resources().Register(ctx, roster.System, connector(id), f); err != nil {
			return nil, err
		}
	}
	return people, nil
}

func connector(id string) access.Resource { return access.Resource{Kind: access.Connector, ID: id} }

// indexDocuments builds the plugin's index, with each document's ACL tokens.
func indexDocuments(ctx context.Context, ws *roster.Workspace) ([]document, error) {
	docs := []document{
		{Title: "Vacation policy", Connector: "handbook"},
		{Title: "Deploy runbook", Connector: "eng-wiki"},
		{Title: "Salaries 2026", Connector: "payroll"},
	}
	for i := range docs {
		acl, err := ws.Access().ACLOf(ctx, connector(docs[i].Connector))
		if err != nil {
			return nil, err
		}
		docs[i].ACL = acl
	}
	return docs, nil
}

// search prints the documents a user may see, and checks that the ACL
// intersection agrees with Can for every document.
func search(ctx context.Context, ws *roster.Workspace, index []document, name, userID string, out io.Writer) error {
	mine, err := ws.Access().ACLFor(ctx, userID)
	if err != nil {
		return err
	}
	var hits []string
	for _, doc := range index {
		visible := slices.ContainsFunc(doc.ACL, func(t string) bool { return slices.Contains(mine, t) })
		can, err := ws.Access().Can(ctx, userID, access.View, connector(doc.Connector))
		if err != nil {
			return err
		}
		if visible != can {
			return fmt.Errorf("ACL intersection says %v, Can says %v for %s on %q", visible, can, name, doc.Title)
		}
		if visible {
			hits = append(hits, doc.Title)
		}
	}
	fmt.Fprintf(out, "%s sees: %s\n", name, strings.Join(hits, ", "))
	return nil
}

// askCasbin asks roster's read-only casbin view which connectors each person
// may view, checking each answer against Access.Can, and who is in each
// group.
func askCasbin(ctx context.Context, ws *roster.Workspace, people map[string]string, out io.Writer) error {
	view := ws.Casbin()
	names := map[string]string{} // casbin subject → name
	for _, name := range []string{"ada", "bob", "cy"} {
		sub := access.UserSubject(people[name])
		names[sub] = name
		var allowed []string
		for _, id := range []string{"handbook", "eng-wiki", "payroll"} {
			ok, err := view.Enforce(ctx, sub, connector(id).String(), string(access.View))
			if err != nil {
				return err
			}
			can, err := ws.Access().Can(ctx, people[name], access.View, connector(id))
			if err != nil {
				return err
			}
			if ok != can {
				return fmt.Errorf("casbin's Enforce says %v, Can says %v for %s on %s", ok, can, name, id)
			}
			if ok {
				allowed = append(allowed, id)
			}
		}
		fmt.Fprintf(out, "casbin: %s may view %s\n", name, strings.Join(allowed, ", "))
	}
	groups, err := ws.Groups().Minimal(ctx, roster.System)
	if err != nil {
		return err
	}
	for _, g := range groups {
		subs, err := view.GetImplicitUsersForRole(ctx, access.GroupSubject(g.ID))
		if err != nil {
			return err
		}
		members := make([]string, len(subs))
		for i, sub := range subs {
			members[i] = names[sub]
		}
		fmt.Fprintf(out, "casbin: %s has %s\n", g.Name, strings.Join(members, ", "))
	}
	return nil
}
