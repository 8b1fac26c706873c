package access

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// readerSlots is how many reader counters a readLock spreads readers over.
const readerSlots = 64

// readLock is a reader-biased readers-writer lock (BRAVO: Dice and Kogan,
// "BRAVO - Biased Locking for Reader-Writer Locks", USENIX ATC 2019). A
// reader counts itself in one of readerSlots counters, each on its own
// cache line, instead of in sync.RWMutex's single reader count, so checks
// on different cores write different cache lines. A writer turns the bias
// off, waits for every counter to drain and then holds a sync.RWMutex, so
// its cost depends on readerSlots, never on the size of what it guards;
// while the bias is off, readers take the RWMutex's read side.
//
// It is written here because the maintained implementation
// (github.com/puzpuzpuz/xsync's RBMutex) picks a reader's counter at random
// among only GOMAXPROCS counters, so two cores' readers share one counter
// half the time on a two-core machine, and measured no faster on two CPUs
// than on one. Here each reader token takes the next counter in turn, and
// tokens live in a sync.Pool, which keeps one per processor.
type readLock struct {
	bias  atomic.Bool
	rw    sync.RWMutex
	next  atomic.Uint32 // counter of the next token made
	slots [readerSlots]paddedCount
	pool  sync.Pool // *readToken
}

// paddedCount is a reader counter alone on its cache line (128 bytes: the
// adjacent-line prefetcher pairs lines).
type paddedCount struct {
	n atomic.Int32
	_ [124]byte
}

// readToken is what RLock returns and RUnlock takes: the counter the reader
// counted itself in, or nil when it took the RWMutex's read side.
type readToken struct{ slot *paddedCount }

func newReadLock() *readLock {
	l := &readLock{}
	l.bias.Store(true)
	return l
}

// RLock locks for reading.
func (l *readLock) RLock() *readToken {
	if l.bias.Load() {
		t, _ := l.pool.Get().(*readToken)
		if t == nil {
			t = &readToken{slot: &l.slots[l.next.Add(1)%readerSlots]}
		}
		t.slot.n.Add(1)
		if l.bias.Load() {
			return t
		}
		// A writer turned the bias off meanwhile: it may not have seen this
		// reader's count, so step back and wait for it on the RWMutex.
		t.slot.n.Add(-1)
		l.pool.Put(t)
	}
	l.rw.RLock()
	return nil
}

// RUnlock undoes the RLock that returned t.
func (l *readLock) RUnlock(t *readToken) {
	if t == nil {
		l.rw.RUnlock()
		return
	}
	t.slot.n.Add(-1)
	l.pool.Put(t)
}

// Lock locks for writing: it waits for readers of both kinds to leave.
func (l *readLock) Lock() {
	l.rw.Lock()
	l.bias.Store(false)
	for i := range l.slots {
		for l.slots[i].n.Load() != 0 {
			runtime.Gosched()
		}
	}
}

// Unlock unlocks for writing and turns the bias back on: what the writer
// wrote happens before any reader's RLock that sees the bias.
func (l *readLock) Unlock() {
	l.bias.Store(true)
	l.rw.Unlock()
}
