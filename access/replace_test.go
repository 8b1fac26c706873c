package access_test

import (
	"testing"

	"github.com/rosterhq/roster/access"
)

// Replace swaps in a freshly built index's state of the named workspaces
// only, keeping the others; with no names it swaps in everything, dropping
// workspaces the fresh index lacks.
func TestReplace(t *testing.T) {
	agent := func(id string) access.Resource { return access.Resource{Kind: access.Agent, ID: id} }
	ix := access.NewIndex()
	ix.Apply([]access.Line{access.ExistsLine("a", agent("1")), access.ExistsLine("b", agent("1")), access.ExistsLine("c", agent("1"))}, nil)
	fresh := access.NewIndex()
	fresh.Apply([]access.Line{access.ExistsLine("a", agent("1")), access.ExistsLine("a", agent("2")), access.ExistsLine("b", agent("9"))}, nil)
	ix.Replace(fresh, []string{"a", "c"})
	for ws, want := range map[string]int{"a": 2, "b": 1, "c": 0} {
		if got := ix.Len(ws); got != want {
			t.Errorf("after a scoped Replace, Len(%q) = %d, want %d", ws, got, want)
		}
	}
	all := access.NewIndex()
	all.Apply([]access.Line{access.ExistsLine("b", agent("1")), access.ExistsLine("b", agent("2")), access.ExistsLine("b", agent("3"))}, nil)
	ix.Replace(all, nil)
	for ws, want := range map[string]int{"a": 0, "b": 3, "c": 0} {
		if got := ix.Len(ws); got != want {
			t.Errorf("after a whole Replace, Len(%q) = %d, want %d", ws, got, want)
		}
	}
	// The index still takes changes after a swap.
	ix.Apply([]access.Line{access.ExistsLine("a", agent("7"))}, []access.Line{access.ExistsLine("b", agent("1"))})
	if ix.Len("a") != 1 || ix.Len("b") != 2 {
		t.Errorf("after Apply on the swapped index: Len(a) = %d, Len(b) = %d; want 1 and 2", ix.Len("a"), ix.Len("b"))
	}
}
