package roster_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/users"
)

// The stateful random test: random operations of the public API by random
// principals (System, admins, curators, basic, limited and deactivated
// users, deleted ones, service users) on random instances, checking after
// every step that at least one active admin exists, that the index answers
// exactly what the brute-force model of internal/oracle derives from the
// database's policy lines (nobody holds a permission the contract does not
// grant), that every instance's index equals the one rebuilt from
// casbin_rule, that an operation which succeeded was one the contract lets
// its principal do (and one it refused wrote nothing), that every instance
// reports the same rate-limit status, and that invite link tokens are used
// at most once. On PostgreSQL three instances share the database; one of
// them follows nothing, so that steps also run on an index that lags.
//
// ROSTER_SEED replays a seed (the test prints its seed and the command to
// replay it when it fails); ROSTER_STEPS sets the number of steps per store.
// The default, defaultStatefulSteps, keeps each store under about 20 s
// under -race on two busy cores (measured 2026-12-02, each store alone, at
// a load average of 9: SQLite 17 s, PostgreSQL with three instances 18 s);
// raise ROSTER_STEPS to hunt (5 runs of 3,000 steps per store passed).

// defaultStatefulSteps is the default number of steps per store.
const defaultStatefulSteps = 750

// statefulInstances is how many Directories share the PostgreSQL database;
// SQLite runs one.
const statefulInstances = 3

func TestStateful(t *testing.T) {
	steps := defaultStatefulSteps
	if s := os.Getenv("ROSTER_STEPS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("ROSTER_STEPS=%q is not a positive number", s)
		}
		steps = n
	}
	forEachStore(t, func(t *testing.T, dsn string) {
		seed := rand.Uint64()
		if s := os.Getenv("ROSTER_SEED"); s != "" {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				t.Fatalf("ROSTER_SEED=%q is not a number", s)
			}
			seed = n
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("replay: ROSTER_SEED=%d ROSTER_STEPS=%d go test -run 'TestStateful/%s' .", seed, steps, t.Name()[strings.LastIndex(t.Name(), "/")+1:])
			}
		})
		runSim(t, dsn, seed, steps)
	})
}

// TestStatefulRegressions replays the seeds that found bugs, up to the step
// that failed.
func TestStatefulRegressions(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		seed  uint64
		steps int
		bug   string
	}{
		{2481284486562612080, 346, "TransferOwnership told a deleted actor that naming one user twice is invalid, not forbidden"},
	} {
		t.Run(fmt.Sprint(c.seed), func(t *testing.T) {
			t.Parallel()
			t.Log(c.bug)
			runSim(t, rostertest.SQLiteDSN(t), c.seed, c.steps)
		})
	}
}

// runSim runs steps random steps from seed on dsn: one instance on SQLite,
// statefulInstances on PostgreSQL.
func runSim(t *testing.T, dsn string, seed uint64, steps int) {
	n := 1
	if strings.HasPrefix(dsn, "postgres://") {
		n = statefulInstances
	}
	s := newSim(t, dsn, n, seed)
	for i := range steps {
		if !s.step(i) {
			return
		}
	}
	s.finish()
	t.Logf("seed %d: %d steps, %d refused; steps per operation %v, refused %v", seed, steps, s.refused, s.counts, s.refusals)
}

// principal is who acts in a step: System (id "") or a user.
type principal struct {
	actor roster.Actor
	id    string
}

// sim is the state of one run: the instances, and what the test has seen.
type sim struct {
	t       *testing.T
	ctx     context.Context
	rng     *rand.Rand
	db      *gorm.DB // the test's own connection, to read the policy lines
	dirs    []*roster.Directory
	ws      string
	st      dbState           // the database's state after the last step
	facts   dbFacts           // roster's rows after the last step
	rebuilt map[string]string // the answers of the index rebuilt from the database at the last check
	un      universe
	seen    map[string]bool   // every user id seen, deleted ones too
	group   []string          // every group id seen, deleted ones too
	keys    []string          // API key ids seen
	scims   []string          // SCIM token ids seen
	limits  []string          // rate limit ids seen
	mode    invites.Mode      // the invite gate mode set last ("" is auto)
	tok     map[string]string // invite link token → the email it was issued to
	used    map[string]bool   // tokens a registration used, or rotated or revoked
	checked map[string]bool   // dead tokens checked dead
	mail    *mailbox
	lagger  bool // the last instance follows nothing (PostgreSQL runs)
	lagNow  bool // ... and the last check left it behind

	refused  int
	counts   map[string]int // steps per operation
	refusals map[string]int // refused steps per operation
	history  []string       // the last steps, for a failure message
}

// mailbox collects the invitation links the instances send.
type mailbox struct {
	mu    sync.Mutex // guards links
	links []string
}

func (m *mailbox) Send(_ context.Context, msg invites.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.links = append(m.links, msg.Link)
	return nil
}

// count returns how many links wait to be taken.
func (m *mailbox) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.links)
}

func (m *mailbox) take() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.links
	m.links = nil
	return out
}

const linkPrefix = "https://app.example.com/invite?token="

func newSim(t *testing.T, dsn string, instances int, seed uint64) *sim {
	s := &sim{t: t, ctx: context.Background(), rng: rand.New(rand.NewPCG(seed, 0x5747e)), db: openGorm(t, dsn),
		ws: roster.DefaultWorkspace, seen: map[string]bool{}, tok: map[string]string{}, used: map[string]bool{}, checked: map[string]bool{},
		mail: &mailbox{}, counts: map[string]int{}, refusals: map[string]int{}}
	clock := rostertest.NewClock()
	for i := range instances {
		// A throttle so generous that the checks' lookups of dead links
		// never throttle the sign-ups under test.
		thr, err := invites.NewThrottle(invites.ThrottleConfig{
			Sends:             invites.Budget{Events: 1 << 20, Per: time.Hour},
			Redemptions:       invites.Budget{Events: 1 << 20, Per: time.Hour},
			ClientRedemptions: invites.Budget{Events: 1 << 20, Per: time.Hour},
			Now:               clock.Now,
		})
		if err != nil {
			t.Fatal(err)
		}
		poll := time.Duration(0) // the default: notifications, and the poll as a backstop
		if instances > 1 && i == instances-1 {
			// The last of several instances follows nothing: only its own
			// writes and AwaitVersion move its index, so steps can run on
			// it while it lags (see check).
			poll, s.lagger = -1, true
		}
		d, err := roster.Open(s.ctx, roster.Config{DSN: fastDSN(dsn), Now: clock.Now, PollInterval: poll,
			Invites: roster.InvitesConfig{Mailer: s.mail, Throttle: thr,
				Link: func(_, token string) string { return linkPrefix + token }}})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { d.Close() })
		s.dirs = append(s.dirs, d)
	}
	for i := range 4 {
		s.un.res = append(s.un.res,
			access.Resource{Kind: access.Connector, ID: fmt.Sprintf("c%d", i)},
			access.Resource{Kind: access.Agent, ID: fmt.Sprintf("a%d", i)})
	}
	s.un.res = append(s.un.res, access.Resource{Kind: access.DocumentSet, ID: "d0"}, access.Resource{Kind: access.DocumentSet, ID: "d1"})
	// The first person becomes admin; from then on one active admin exists.
	first, err := s.dirs[0].Default().Users().Register(s.ctx, users.Registration{Email: "p0@example.com", Actor: roster.System})
	if err != nil {
		t.Fatalf("Register the first user: %v", err)
	}
	s.seen[first.ID] = true
	if !s.check("open") {
		t.FailNow()
	}
	return s
}

// fail reports a broken invariant with the steps that led to it.
func (s *sim) fail(format string, args ...any) {
	s.t.Helper()
	s.t.Errorf("%s\nlast steps:\n  %s", fmt.Sprintf(format, args...), strings.Join(s.history, "\n  "))
}

// committed reads the committed version.
func (s *sim) committed() int64 {
	v, err := s.dirs[0].CommittedVersion(s.ctx)
	if err != nil {
		s.t.Fatalf("CommittedVersion: %v", err)
	}
	return v
}

// step runs one random operation and checks every invariant; false stops
// the run.
func (s *sim) step(i int) bool {
	inst := s.rng.IntN(len(s.dirs))
	w := s.dirs[inst].Default()
	p := s.pickPrincipal()
	op := s.ops()[s.rng.IntN(len(s.ops()))]
	before := s.committed()
	res := op.run(s, w, p)
	after := s.committed()
	desc := fmt.Sprintf("%d: instance %d, %s by %s: %s → %v", i, inst, op.name, s.who(p), res.desc, res.err)
	s.history = append(s.history, desc)
	if len(s.history) > 12 {
		s.history = s.history[1:]
	}
	s.counts[op.name]++
	switch {
	case res.err != nil && after != before:
		s.fail("step %s was refused, but committed versions %d..%d", desc, before+1, after)
	case res.err == nil && !res.allowed:
		s.fail("step %s succeeded, but the contract does not let %s do it", desc, s.who(p))
	case res.err != nil && res.allowed && res.mustNotForbid && errors.Is(res.err, roster.ErrForbidden):
		s.fail("step %s was forbidden, but the contract lets %s do it", desc, s.who(p))
	case res.refuseWith != nil && !slices.ContainsFunc(res.refuseWith, func(want error) bool { return errors.Is(res.err, want) }):
		s.fail("step %s: want an error matching one of %v: authorization comes before validation", desc, res.refuseWith)
	}
	if res.err != nil {
		s.refused++
		s.refusals[op.name]++
	}
	if res.post != nil && res.err == nil {
		if msg := res.post(s); msg != "" {
			s.fail("step %s: %s", desc, msg)
		}
	}
	if res.err != nil && after == before {
		// Nothing was committed, so the database is as the last check read
		// it: only the instances' indexes can have gone wrong.
		return s.checkIndexes(desc) && !s.t.Failed()
	}
	return s.check(desc) && !s.t.Failed()
}

func (s *sim) who(p principal) string {
	if p.id == "" {
		return "System"
	}
	role, _ := s.st.model.Role(s.ws, p.id)
	if !s.st.model.Active(s.ws, p.id) {
		role += " (inactive or deleted)"
	}
	return fmt.Sprintf("user %s (%s)", p.id[:8], role)
}

// check waits until every instance holds the committed version and checks
// every invariant on each; false if one broke.
func (s *sim) check(step string) bool {
	v := s.committed()
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	// Half the time the lagging instance is left behind until a later
	// check: the steps in between run on an index that lags the database,
	// which a write must not trust.
	s.lagNow = s.lagger && s.rng.IntN(2) == 0
	for i, d := range s.current() {
		if err := d.AwaitVersion(ctx, v); err != nil {
			s.fail("after %s: instance %d: AwaitVersion(%d): %v", step, i, v, err)
			return false
		}
	}
	st, err := readDBState(s.ctx, s.db)
	if err != nil {
		s.t.Fatal(err)
	}
	s.st = st
	facts, err := readFacts(s.ctx, s.dirs[0].Default())
	if err != nil {
		s.t.Fatal(err)
	}
	s.facts = facts
	s.refreshUniverse()
	s.rebuilt = indexAnswers(st.index, s.ws, s.un)
	ok := true
	if probs := oracleProblems(s.ws, st, facts, s.un, s.rebuilt); len(probs) > 0 {
		s.fail("after %s: the database breaks the contract:\n  %s", step, strings.Join(probs, "\n  "))
		ok = false
	}
	return s.checkIndexes(step) && s.checkLimits(step) && s.checkTokens(step) && ok
}

// checkLimits: every instance reports the same rate-limit status for every
// user (nothing is spent in this test, so the status shows which limits
// bind whom, and a limit change must reach every instance).
func (s *sim) checkLimits(step string) bool {
	if len(s.current()) < 2 {
		return true
	}
	ok := true
	for _, u := range s.un.users {
		want, werr := s.dirs[0].Default().Limits().Status(s.ctx, u)
		for i, d := range s.current()[1:] {
			got, err := d.Default().Limits().Status(s.ctx, u)
			if fmt.Sprint(got, err) != fmt.Sprint(want, werr) {
				s.fail("after %s: instance %d says user %s's limits are %+v (%v), instance 0 %+v (%v)", step, i+1, u, got, err, want, werr)
				ok = false
			}
		}
	}
	return ok
}

// current returns the instances the last check brought up to date: all
// but the lagging one while it lags.
func (s *sim) current() []*roster.Directory {
	if s.lagNow {
		return s.dirs[:len(s.dirs)-1]
	}
	return s.dirs
}

// checkIndexes compares every instance's answers with those of the index
// rebuilt from casbin_rule at the last check.
func (s *sim) checkIndexes(step string) bool {
	ok := true
	for i, d := range s.current() {
		got := dirAnswers(s.ctx, d.Default(), s.un)
		if diff := diffAnswers(s.rebuilt, got, 10); len(diff) > 0 {
			s.fail("after %s: instance %d's index differs from the one rebuilt from casbin_rule:\n  %s", step, i, strings.Join(diff, "\n  "))
			ok = false
		}
	}
	return ok
}

// refreshUniverse adds every user the database knows to the universe.
func (s *sim) refreshUniverse() {
	for _, l := range s.st.lines {
		if id, ok := strings.CutPrefix(l.V0, "u:"); ok {
			s.seen[id] = true
		}
	}
	s.un.users = s.un.users[:0]
	for id := range s.seen {
		s.un.users = append(s.un.users, id)
	}
	slices.Sort(s.un.users)
}

// checkTokens: a link a registration used, or one issued to an email that
// is a user now, is dead on every instance. Each such link is checked on
// every instance when it dies, and one random dead link again at each step
// (finish checks them all).
func (s *sim) checkTokens(step string) bool {
	for _, l := range s.mail.take() {
		tok, ok := strings.CutPrefix(l, linkPrefix)
		if !ok {
			s.fail("after %s: an invitation link %q lacks the prefix", step, l)
			return false
		}
		email, err := s.dirs[0].Default().Invites().CheckToken(s.ctx, tok)
		if err != nil {
			s.fail("after %s: a link just sent is not valid: %v", step, err)
			return false
		}
		s.tok[tok] = email
	}
	var dead, again []string
	for _, tok := range slices.Sorted(maps.Keys(s.tok)) {
		switch {
		case s.checked[tok]:
			again = append(again, tok)
		case s.used[tok] || s.isUser(s.tok[tok]):
			dead = append(dead, tok)
		}
	}
	if len(again) > 0 {
		dead = append(dead, again[s.rng.IntN(len(again))])
	}
	return s.wantDead(step, dead)
}

// wantDead checks that each link is dead on every instance.
func (s *sim) wantDead(step string, toks []string) bool {
	ok := true
	for _, tok := range toks {
		s.checked[tok] = true
		for i, d := range s.dirs {
			if _, err := d.Default().Invites().CheckToken(s.ctx, tok); !errors.Is(err, invites.ErrInviteInvalid) {
				s.fail("after %s: instance %d: the link of %s (used %v) still answers %v, want ErrInviteInvalid", step, i, s.tok[tok], s.used[tok], err)
				ok = false
			}
		}
	}
	return ok
}

// finish checks every dead link once more.
func (s *sim) finish() {
	var dead []string
	for tok := range s.checked {
		dead = append(dead, tok)
	}
	slices.Sort(dead)
	s.wantDead("the last step", dead)
}

func (s *sim) isUser(email string) bool {
	return slices.ContainsFunc(s.facts.users, func(u users.User) bool { return u.Email == email })
}

// pickPrincipal draws who acts: System sometimes, an active admin often
// (so that operations get past the role check and reach the other rules),
// else any user seen (active or not, deleted or not) or an id nobody has.
func (s *sim) pickPrincipal() principal {
	switch n := s.rng.IntN(20); {
	case n == 0:
		return principal{actor: roster.System}
	case n == 1:
		return principal{actor: access.UserActor(unknownID), id: unknownID}
	case n < 9:
		var admins []string
		for _, id := range s.un.users {
			if role, _ := s.st.model.StoredRole(s.ws, id); role == "admin" && s.st.model.Active(s.ws, id) {
				admins = append(admins, id)
			}
		}
		if len(admins) > 0 {
			id := admins[s.rng.IntN(len(admins))]
			return principal{actor: access.UserActor(id), id: id}
		}
	}
	id := s.un.users[s.rng.IntN(len(s.un.users))]
	return principal{actor: access.UserActor(id), id: id}
}

// pickUser draws a target user id: existing users mostly, sometimes a
// deleted one or an id nobody has.
func (s *sim) pickUser() string {
	switch n := s.rng.IntN(20); {
	case n == 0:
		return unknownID
	case n < 17 && len(s.facts.users) > 0:
		return s.facts.users[s.rng.IntN(len(s.facts.users))].ID
	}
	return s.un.users[s.rng.IntN(len(s.un.users))]
}

// pickGroup draws a group id: existing groups mostly, sometimes a deleted
// one or an id nobody has.
func (s *sim) pickGroup() string {
	switch n := s.rng.IntN(20); {
	case n == 0 || len(s.group) == 0:
		return unknownID
	case n < 17 && len(s.facts.groups) > 0:
		return s.facts.groups[s.rng.IntN(len(s.facts.groups))]
	}
	return s.group[s.rng.IntN(len(s.group))]
}

func (s *sim) pickRes() access.Resource { return s.un.res[s.rng.IntN(len(s.un.res))] }

func (s *sim) pickEmail() string { return fmt.Sprintf("p%d@example.com", s.rng.IntN(16)) }

func pickOf[T any](s *sim, xs ...T) T { return xs[s.rng.IntN(len(xs))] }

// isAdmin: System, or an active user whose stored role is admin, by the
// database's lines before the step.
func (s *sim) isAdmin(p principal) bool {
	if p.id == "" {
		return true
	}
	role, _ := s.st.model.StoredRole(s.ws, p.id)
	return role == "admin" && s.st.model.Active(s.ws, p.id)
}

// mayCurate: an admin, or a user who may curate the group.
func (s *sim) mayCurate(p principal, g string) bool {
	return s.isAdmin(p) || p.id != "" && s.st.model.Active(s.ws, p.id) && s.st.model.MayCurate(s.ws, p.id, g)
}

func (s *sim) can(u string, act access.Action, r access.Resource) bool {
	return s.st.model.Can(s.ws, u, string(act), string(r.Kind), r.ID)
}
