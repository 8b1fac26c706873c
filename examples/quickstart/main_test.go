package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The quickstart runs to the end, twice on the same data directory, and
// reports the users as it set them up.
func TestQuickstart(t *testing.T) {
	data := t.TempDir()
	for round := 1; round <= 2; round++ {
		var out bytes.Buffer
		if err := run(context.Background(), &out, data); err != nil {
			t.Fatalf("run %d: %v\n%s", round, err, out.String())
		}
		got := usersTable(out.String())
		want := map[string]string{
			"ada@example.com":   "admin active",
			"bob@example.com":   "global_curator active",
			"carol@example.com": "limited active",
			"dave@example.com":  "basic deactivated",
		}
		for email, w := range want {
			if got[email] != w {
				t.Errorf("run %d: %s is %q, want %q\n%s", round, email, got[email], w, out.String())
			}
		}
		if len(got) != len(want) {
			t.Errorf("run %d: users table %v, want %v", round, got, want)
		}
	}
}

// usersTable reads the rows of the "Users" table: email → "role status".
func usersTable(out string) map[string]string {
	rows := map[string]string{}
	_, table, _ := strings.Cut(out, "\nUsers (")
	table, _, _ = strings.Cut(table, "\n\n")
	for _, line := range strings.Split(table, "\n")[2:] {
		if f := strings.Fields(line); len(f) == 3 {
			rows[f[0]] = f[1] + " " + f[2]
		}
	}
	return rows
}
