package access

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Index is the compiled form of every workspace's policy lines: it answers
// Can, Visible, WhoCan, Explain and the ACL tokens in memory, exactly as the
// casbin model in model.conf would (the tests check it), but in constant
// time per check instead of casbin's scan of every line.
//
// The index holds, per workspace, users (stored roles, deactivation,
// memberships, curator flags), groups (members, curators, attached resources)
// and resources (registration, public flag, owners, attached groups, direct
// shares), each fact once per side of the relation. It holds nothing else:
// emails, names and whether a group exists without any line are the
// caller's.
//
// Deny by default: an unknown workspace, user, resource, kind or action
// answers false and empty lists; so does a user without a valid stored role,
// and a deactivated user, whatever their role. Lines that do not follow the
// encoding of policy.go are ignored and counted; they can never grant.
//
// The zero value is not usable; call NewIndex. An Index is safe for use by
// multiple goroutines: reads take the read lock of their workspace (most
// View checks instead validate lock-free reads with the workspace's
// sequence counter; see [Index.Can]), Apply takes the write lock of each
// workspace it touches, so a reader sees each workspace's part of one Apply
// call entirely or not at all. The index is
// updated only by Apply, which the caller makes after the database commit,
// one call per transaction, in commit order. Most callers want Can.
type Index struct {
	mu      sync.Mutex                        // serializes adding workspaces
	spaces  atomic.Pointer[map[string]*space] // copied on write; workspaces are few
	only    atomic.Pointer[space]             // the one workspace, when spaces holds one
	ignored atomic.Int64                      // lines Apply did not understand
	scratch sync.Pool                         // *[]appliedFact, reused by Apply
}

// NewIndex returns an empty index, which denies everything.
func NewIndex() *Index {
	ix := &Index{}
	m := map[string]*space{}
	ix.spaces.Store(&m)
	return ix
}

// space returns the workspace's space, or nil. Most indexes hold one
// workspace; its space is found without a map lookup.
func (ix *Index) space(ws string) *space {
	if s := ix.only.Load(); s != nil && s.id == ws {
		return s
	}
	return (*ix.spaces.Load())[ws]
}

// publish makes m the index's workspaces. ix.mu must be held.
func (ix *Index) publish(m map[string]*space) {
	ix.spaces.Store(&m)
	var only *space
	if len(m) == 1 {
		for _, s := range m {
			only = s
		}
	}
	ix.only.Store(only)
}

// spaceFor returns the workspace's space, creating it.
func (ix *Index) spaceFor(ws string) *space {
	if s := ix.space(ws); s != nil {
		return s
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := *ix.spaces.Load()
	if s := old[ws]; s != nil {
		return s
	}
	m := make(map[string]*space, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	s := newSpace(strings.Clone(ws))
	m[s.id] = s
	ix.publish(m)
	return s
}

// Apply updates the index with the lines one committed transaction inserted
// (added) and deleted (removed). Removals are applied before additions.
// Adding a line the index holds, or removing one it does not, changes
// nothing, so replaying a transaction is harmless. Lines that do not follow
// the encoding of policy.go are skipped and counted (see [Index.Ignored]).
//
// Apply costs O(log n) per line touched (plus an amortized constant to
// keep the view tables; see viewTable) and never copies the index. To load
// the index at start-up, call Apply(batch, nil) with batches of rows as they
// stream from the database.
func (ix *Index) Apply(added, removed []Line) {
	// Loading calls Apply thousands of times with batches of a thousand
	// lines; reusing the facts buffer spares the heap as much garbage.
	buf, _ := ix.scratch.Get().(*[]appliedFact)
	if buf == nil {
		buf = new([]appliedFact)
	}
	all := ix.parseAll((*buf)[:0], removed, false)
	all = ix.parseAll(all, added, true)
	facts := all
	// Stable: within a workspace, removals stay before additions. A
	// transaction touches one workspace, so the sort is normally skipped.
	if slices.ContainsFunc(facts, func(f appliedFact) bool { return f.ws != facts[0].ws }) {
		slices.SortStableFunc(facts, func(a, b appliedFact) int { return strings.Compare(a.ws, b.ws) })
	}
	for len(facts) > 0 {
		n := 1
		for n < len(facts) && facts[n].ws == facts[0].ws {
			n++
		}
		ix.applySpace(facts[:n])
		facts = facts[n:]
	}
	clear(all) // drop the lines' strings before the buffer waits in the pool
	*buf = all[:0]
	ix.scratch.Put(buf)
}

// Ignored returns how many lines, added or removed, Apply has skipped since
// the index was created because they do not follow the encoding of
// policy.go (an unknown policy type, role, kind or action, an empty id, a
// stored curator role, a direct share of anything but an agent). Such lines
// never grant anything; a non-zero count after loading means casbin_rule
// holds rows roster did not write.
func (ix *Index) Ignored() int64 { return ix.ignored.Load() }

// parseAll appends the facts of lines to facts, counting the lines it
// cannot parse.
func (ix *Index) parseAll(facts []appliedFact, lines []Line, add bool) []appliedFact {
	for _, l := range lines {
		if f, ok := parseLine(l); ok {
			facts = append(facts, appliedFact{fact: f, add: add})
		} else {
			ix.ignored.Add(1)
		}
	}
	return facts
}

// appliedFact is a fact of an Apply call and whether it is added or removed.
type appliedFact struct {
	fact
	add bool
}

// applySpace applies the facts of one workspace under its write lock.
func (ix *Index) applySpace(facts []appliedFact) {
	var s *space
	if slices.ContainsFunc(facts, func(f appliedFact) bool { return f.add }) {
		s = ix.spaceFor(facts[0].ws)
	} else if s = ix.space(facts[0].ws); s == nil {
		return
	}
	s.mu.Lock()
	s.seq.Add(1) // odd: readers of the view tables ask the locked index
	defer func() {
		s.seq.Add(1)
		s.mu.Unlock()
	}()
	for _, f := range facts {
		var changed bool
		if f.add {
			changed = s.add(f.fact)
		} else {
			changed = s.remove(f.fact)
		}
		if changed {
			s.syncView(f.fact)
		}
	}
}

// Len returns the number of policy lines the index holds for a workspace
// (lines it ignored are not counted). After loading, it equals the number of
// the workspace's rows in casbin_rule that follow the encoding.
func (ix *Index) Len(ws string) int {
	s := ix.space(ws)
	if s == nil {
		return 0
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	return s.lines
}

// Replace makes the index hold what from holds: for each workspace of
// workspaces, from's state of it (none if from has none), or, when
// workspaces is nil, from's state of every workspace. Each workspace is
// swapped whole, so a reader sees the old state or the new one, never a mix;
// from must not be used afterwards. The caller serializes Replace with Apply
// (the store's apply lock does), as it does Apply calls with each other.
// This is how a reload builds an index aside and swaps it in.
func (ix *Index) Replace(from *Index, workspaces []string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	src := *from.spaces.Load()
	if workspaces == nil {
		m := make(map[string]*space, len(src))
		for k, v := range src {
			m[k] = v
		}
		ix.publish(m)
		return
	}
	old := *ix.spaces.Load()
	m := make(map[string]*space, len(old)+len(workspaces))
	for k, v := range old {
		m[k] = v
	}
	for _, ws := range workspaces {
		if s := src[ws]; s != nil {
			m[ws] = s
		} else {
			delete(m, ws)
		}
	}
	ix.publish(m)
}
