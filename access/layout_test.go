package access

import (
	"testing"
	"unsafe"
)

// TestRecordsAreOneCacheLine keeps the records the locked path of a check
// reads at 64 bytes: a table's chunks are page-aligned, so each record is
// then exactly one cache line, and a check the view tables cannot answer
// reads one line of each record.
func TestRecordsAreOneCacheLine(t *testing.T) {
	if n := unsafe.Sizeof(user{}); n != 64 {
		t.Errorf("user record = %d bytes, want 64", n)
	}
	if n := unsafe.Sizeof(resource{}); n != 64 {
		t.Errorf("resource record = %d bytes, want 64", n)
	}
	if n := unsafe.Sizeof([tableChunk]user{}); n%4096 != 0 {
		t.Errorf("a chunk of users = %d bytes, want whole pages", n)
	}
}
