package access

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Probe: many Apply rounds of random adds/removes (gc, slot reuse, >5 groups,
// owners/shares coming and going); after each, viewFast must agree with the
// locked index whenever it decides. Also counts user summaries left for ids
// the index no longer holds.
func TestZZReviewChurn(t *testing.T) {
	decided, leaked := 0, 0
	for seed := range uint64(60) {
		rng := rand.New(rand.NewPCG(seed, 77))
		users := []string{"u1", "user-0002", "a-user-with-16b", "0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7", "a-user-id-that-is-long-enough"}
		groups := []string{"g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7"}
		var res []Resource
		for i := range 6 {
			res = append(res, Resource{Kinds()[i%3], fmt.Sprintf("r%d", i)})
		}
		randLine := func() Line {
			u, g, r := users[rng.IntN(len(users))], groups[rng.IntN(len(groups))], res[rng.IntN(len(res))]
			switch rng.IntN(9) {
			case 0:
				return RoleLine("w", u, []Role{Admin, GlobalCurator, Basic, Limited}[rng.IntN(4)])
			case 1:
				return DeactivatedLine("w", u)
			case 2, 3:
				return MemberLine("w", u, g)
			case 4:
				return CuratorLine("w", u, g)
			case 5, 6:
				return AttachLine("w", g, r)
			case 7:
				if rng.IntN(2) == 0 {
					return PublicLine("w", r)
				}
				return ExistsLine("w", r)
			default:
				if rng.IntN(2) == 0 {
					return OwnerLine("w", u, r)
				}
				return ShareLine("w", u, Resource{Agent, r.ID})
			}
		}
		ix := NewIndex()
		for round := range 300 {
			var add, rem []Line
			for range 1 + rng.IntN(4) {
				add = append(add, randLine())
			}
			for range rng.IntN(6) {
				rem = append(rem, randLine())
			}
			ix.Apply(add, rem)
			s := ix.space("w")
			if s == nil {
				continue
			}
			for _, u := range users {
				for _, r := range res {
					for _, rr := range []Resource{r, {Agent, r.ID}} {
						k, _ := kindIndex(rr.Kind)
						got, ok := s.viewFast(u, k, rr.ID)
						want := s.canEntry(u, View, k, rr.ID)
						if ok {
							decided++
							if got != want {
								t.Fatalf("seed %d round %d: viewFast(%s,%s)=%v, locked %v", seed, round, u, rr, got, want)
							}
						}
					}
				}
			}
		}
		s := ix.space("w")
		for _, u := range users {
			if k, ok := s.view.encodeKey(u); ok {
				if _, held := s.userIDs[u]; !held {
					if _, found := s.view.find(&k); found {
						leaked++
					}
				}
			}
		}
	}
	t.Logf("decided %d; user summaries left for ids the index does not hold: %d", decided, leaked)
	if decided < 1000 {
		t.Fatalf("decided only %d", decided)
	}
}

// Probe: a user whose last line is an owner (or curator) line leaves its
// summary in the users' table after it is freed.
func TestZZReviewUserSummaryLeak(t *testing.T) {
	ix := NewIndex()
	r := Resource{Agent, "a1"}
	ix.Apply([]Line{RoleLine("w", "bob", Basic), OwnerLine("w", "bob", r), ExistsLine("w", r)}, nil)
	ix.Apply(nil, []Line{RoleLine("w", "bob", Basic)})
	ix.Apply(nil, []Line{OwnerLine("w", "bob", r)})
	s := ix.space("w")
	if _, held := s.userIDs["bob"]; held {
		t.Fatal("bob still held")
	}
	k, _ := s.view.encodeKey("bob")
	if _, found := s.view.find(&k); found {
		t.Errorf("bob was freed but his summary stays in the users' table (len %d)", s.view.len())
	}
	// Churn: 10k users each created with a role and an owner line, then deleted
	// role first: the table keeps them all.
	for i := range 10000 {
		u := fmt.Sprintf("c%d", i)
		ix.Apply([]Line{RoleLine("w", u, Basic), OwnerLine("w", u, r)}, nil)
		ix.Apply(nil, []Line{RoleLine("w", u, Basic), OwnerLine("w", u, r)})
	}
	t.Logf("users held %d, user summaries %d", len(s.userIDs), s.view.len())
}
