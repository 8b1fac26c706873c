package access_test

import (
	"fmt"

	"github.com/rosterhq/roster/access"
)

// Example builds a small index from policy lines, as the root package does
// at Open and after every committed write, and asks it the questions of a
// request path and of a search index.
func Example() {
	handbook := access.Resource{Kind: access.DocumentSet, ID: "handbook"}
	ix := access.NewIndex()
	ix.Apply([]access.Line{
		access.RoleLine("acme", "alice", access.Admin),
		access.RoleLine("acme", "bob", access.Basic),
		access.RoleLine("acme", "carol", access.Basic),
		access.RoleLine("acme", "dave", access.Basic),
		access.MemberLine("acme", "bob", "eng"),
		access.MemberLine("acme", "carol", "eng"),
		access.CuratorLine("acme", "carol", "eng"),
		access.ExistsLine("acme", handbook),
		access.AttachLine("acme", "eng", handbook),
	}, nil)

	fmt.Println("bob views:", ix.Can("acme", "bob", access.View, handbook))
	fmt.Println("bob edits:", ix.Can("acme", "bob", access.Edit, handbook))
	fmt.Println("carol edits:", ix.Can("acme", "carol", access.Edit, handbook))
	fmt.Println("dave views:", ix.Can("acme", "dave", access.View, handbook))
	fmt.Println("editors:", ix.WhoCan("acme", handbook, access.Edit))
	fmt.Println("document ACL:", ix.ACLOf("acme", handbook))
	fmt.Println("bob's ACL:", ix.ACLFor("acme", "bob"))
	ids, next := ix.Visible("acme", "bob", access.DocumentSet, "", 10)
	fmt.Printf("bob's document sets: %q, next %q\n", ids, next)

	// Deactivation denies at once, whatever the role.
	ix.Apply([]access.Line{access.DeactivatedLine("acme", "alice")}, nil)
	fmt.Println("alice views:", ix.Can("acme", "alice", access.View, handbook), ix.Explain("acme", "alice", access.View, handbook).Reason)
	// Output:
	// bob views: true
	// bob edits: false
	// carol edits: true
	// dave views: false
	// editors: [alice carol]
	// document ACL: [admin:acme group:eng]
	// bob's ACL: [group:eng public:acme user:bob]
	// bob's document sets: ["handbook"], next ""
	// alice views: false user is deactivated
}
