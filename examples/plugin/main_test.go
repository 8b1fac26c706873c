package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// The plugin's search answers each user with what roster lets them see, and
// so does roster's casbin view; run fails if the ACL intersection or casbin's
// Enforce ever disagrees with Access.Can.
func Example_plugin() {
	dir, err := os.MkdirTemp("", "roster-plugin-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	if err := run(context.Background(), filepath.Join(dir, "roster.db"), os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ada sees: Vacation policy, Deploy runbook, Salaries 2026
	// bob sees: Vacation policy, Deploy runbook
	// cy sees: Vacation policy
	// casbin: ada may view handbook, eng-wiki, payroll
	// casbin: bob may view handbook, eng-wiki
	// casbin: cy may view handbook
	// casbin: Engineering has bob
}
