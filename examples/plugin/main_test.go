package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// The plugin's search answers each user with what roster lets them see; run
// fails if the ACL intersection ever disagrees with Access.Can.
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
}
