package ratelimit

import (
	"context"
	"strings"

	"github.com/rosterhq/roster/internal/store"
)

// known is what [Service.principal] learned about a user of the workspace: a
// member (a user with a role in the access index), whether a service
// principal, and their groups, as of the workspace's change count gen.
type known struct {
	gen     uint64   // s.want when the index was read
	service bool     // a service principal; a user's kind never changes
	groups  []string // from the index, sorted; never modified, Principals share it
}

// principal resolves userID into the engine's Principal, after making sure the
// limits are loaded: "" and an id that is not a user of the workspace are
// anonymous, a service principal meets global limits only, any other user
// brings their groups from the access index.
//
// The index answers once per user and change: the answer is kept with the
// workspace's change count (s.want) and used while the count stays. Every
// change that reaches the index (the Directory's apply, a reload) counts
// before the call that made it returns, and after the index has taken it, so
// a Check never uses groups older than the last write that returned: this is
// how Check and Record resolve a principal with one map lookup and no
// allocation instead of an index query that copies the groups.
func (s *Service) principal(ctx context.Context, userID string) (Principal, error) {
	if s.st.Closed() {
		return Principal{}, store.ErrClosed
	}
	if err := s.ready(ctx); err != nil {
		return Principal{}, err
	}
	if userID == "" {
		return Principal{Anonymous: true}, nil
	}
	g := s.want.Load()
	s.knownMu.RLock()
	k, ok := s.known[userID]
	s.knownMu.RUnlock()
	if !ok || k.gen != g {
		var member bool
		var err error
		if k, member, err = s.learn(ctx, userID, g, k, ok); err != nil || !member {
			return Principal{Anonymous: !member}, err
		}
	}
	if k.service {
		return Principal{UserID: userID, Service: true}, nil
	}
	return Principal{UserID: userID, Groups: k.groups}, nil
}

// learn reads userID from the index as of change count g (read before the
// index is): it reports false for an id that is not a user of the workspace,
// which is not kept (anyone may send ids), and forgets what was kept of a user
// who no longer is one. The kind comes from old when had,
// else from roster's IsService function (construct.LimitsConfig).
func (s *Service) learn(ctx context.Context, userID string, g uint64, old known, had bool) (known, bool, error) {
	if _, member := s.ix.Role(s.ws, userID); !member {
		if had { // no longer a user (deleted): forget what was kept
			s.knownMu.Lock()
			if cur, ok := s.known[userID]; ok && cur.gen <= g {
				delete(s.known, userID)
			}
			s.knownMu.Unlock()
		}
		return known{}, false, nil
	}
	k := known{gen: g, service: old.service, groups: s.ix.Groups(s.ws, userID)}
	if !had {
		svc, err := s.svc(ctx, userID)
		if err != nil {
			return known{}, true, err
		}
		k.service = svc
	}
	s.knownMu.Lock()
	if cur, ok := s.known[userID]; !ok || cur.gen <= g {
		s.known[strings.Clone(userID)] = k // not the caller's memory
	}
	s.knownMu.Unlock()
	return k, true, nil
}
