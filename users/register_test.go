package users_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/users"
)

func TestRegisterFirstPersonIsAdmin(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		steps := []struct {
			email  string
			source users.Source
			want   users.Role
			kind   users.Kind
		}{
			{"robot@example.com", users.SourceService, users.RoleBasic, users.KindService}, // a service principal is never the first admin
			{"Ada@Example.com", users.SourcePassword, users.RoleAdmin, users.KindPerson},   // the first person is
			{"bob@example.com", users.SourceSSO, users.RoleBasic, users.KindPerson},
			{"carol@example.com", users.SourceSCIM, users.RoleBasic, users.KindPerson},
			{"robot2@example.com", users.SourceService, users.RoleBasic, users.KindService},
		}
		for _, s := range steps {
			u := e.registerIn(e.us, users.Registration{Email: s.email, Source: s.source})
			if u.Role != s.want || u.Kind != s.kind || u.Source != s.source || !u.Active || u.Workspace != roster.DefaultWorkspace {
				t.Errorf("Register(%q, %s) = %+v, want role %s, kind %s, active, in %q", s.email, s.source, u, s.want, s.kind, roster.DefaultWorkspace)
			}
			if got := e.get(u.ID); !sameUser(got, u) {
				t.Errorf("Get(%s) = %+v, want what Register returned, %+v", u.ID, got, u)
			}
		}
		// The role is a policy line, exactly one per user.
		ada, err := e.us.ByEmail(e.ctx, "ada@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := e.linesOf(ada.ID), []string{"g, u:" + ada.ID + ", role:admin, default, "}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("policy lines of the first admin = %q, want %q", got, want)
		}
	})
}

func TestRegisterDefaultSourceIsPassword(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		if u := e.register("ada@example.com"); u.Source != users.SourcePassword || u.Kind != users.KindPerson {
			t.Errorf("Register without a source = %+v, want source password, kind person", u)
		}
	})
}

func TestRegisterConfiguredAdminEmails(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{AdminEmails: []string{"  Boss@Example.COM ", "OPS@example.com", "not an email"}})
		cases := []struct {
			email  string
			source users.Source
			want   users.Role
		}{
			{"first@example.com", users.SourcePassword, users.RoleAdmin},
			{"second@example.com", users.SourcePassword, users.RoleBasic},
			{" bOSS@example.com\t", users.SourceSSO, users.RoleAdmin}, // any case, any surrounding space
			{"ops@EXAMPLE.com", users.SourceSCIM, users.RoleAdmin},
			{"bossy@example.com", users.SourcePassword, users.RoleBasic}, // exact addresses, not prefixes
		}
		for _, c := range cases {
			if u := e.registerIn(e.us, users.Registration{Email: c.email, Source: c.source}); u.Role != c.want {
				t.Errorf("Register(%q) role = %s, want %s", c.email, u.Role, c.want)
			}
		}
		// Admin emails apply in every workspace.
		acme := e.workspace("acme").Users()
		e.registerIn(acme, users.Registration{Email: "someone@acme.com"})
		if u := e.registerIn(acme, users.Registration{Email: "boss@example.com"}); u.Role != users.RoleAdmin {
			t.Errorf("configured admin in a second workspace: role %s, want admin", u.Role)
		}
	})
}

func TestRegisterRefusals(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		e.register("ada@example.com")
		e.register("bob@example.com")
		type refusal struct {
			name string
			reg  users.Registration
			want []error
		}
		cases := []refusal{
			{"duplicate, other case", users.Registration{Email: "ADA@example.com"}, []error{users.ErrDuplicate, roster.ErrConflict}},
			{"duplicate, white space", users.Registration{Email: " bob@example.com "}, []error{users.ErrDuplicate, roster.ErrConflict}},
			{"duplicate as a service", users.Registration{Email: "Bob@Example.com", Source: users.SourceService}, []error{users.ErrDuplicate}},
			{"unknown source", users.Registration{Email: "carol@example.com", Source: "ldap"}, []error{roster.ErrInvalid}},
			{"source in capitals", users.Registration{Email: "carol@example.com", Source: "SSO"}, []error{roster.ErrInvalid}},
		}
		for _, c := range invalidEmails {
			cases = append(cases, refusal{"email: " + c.name, users.Registration{Email: c.in}, []error{users.ErrInvalidEmail, roster.ErrInvalid}})
		}
		for _, c := range cases {
			before := e.snapshot()
			u, err := e.us.Register(e.ctx, c.reg)
			wantErr(t, c.name, err, c.want...)
			if u != (users.User{}) {
				t.Errorf("%s: Register returned %+v with its error, want the zero User", c.name, u)
			}
			e.unchanged(before, c.name)
		}
		if page, err := e.us.List(e.ctx, users.Filter{}); err != nil || page.Total != 2 {
			t.Errorf("List after refusals = %d users, %v; want 2", page.Total, err)
		}
	})
}

func TestRegisterFindsByEmailInAnyCase(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		ada := e.register("Ada.Lovelace@Example.com")
		if ada.Email != "ada.lovelace@example.com" {
			t.Errorf("stored email %q, want the normalized form", ada.Email)
		}
		for _, q := range []string{"ada.lovelace@example.com", "ADA.LOVELACE@EXAMPLE.COM", "  Ada.Lovelace@example.com\n"} {
			u, err := e.us.ByEmail(e.ctx, q)
			if err != nil || u.ID != ada.ID {
				t.Errorf("ByEmail(%q) = %+v, %v; want %s", q, u, err, ada.ID)
			}
		}
		if _, err := e.us.ByEmail(e.ctx, "nobody@example.com"); !errors.Is(err, users.ErrUserNotFound) || !errors.Is(err, roster.ErrNotFound) {
			t.Errorf("ByEmail(unknown) = %v, want ErrUserNotFound", err)
		}
		if _, err := e.us.ByEmail(e.ctx, "not an email"); !errors.Is(err, users.ErrInvalidEmail) {
			t.Errorf("ByEmail(invalid) = %v, want ErrInvalidEmail", err)
		}
		if _, err := e.us.Get(e.ctx, "no-such-id"); !errors.Is(err, users.ErrUserNotFound) {
			t.Errorf("Get(unknown) = %v, want ErrUserNotFound", err)
		}
	})
}

// Several people signing up at once on an empty workspace: exactly one of
// them becomes the first admin.
func TestRegisterConcurrentFirstPeople(t *testing.T) {
	t.Parallel()
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn, roster.Config{})
		const n = 8
		start := make(chan struct{})
		var wg sync.WaitGroup
		got := make([]users.User, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				<-start
				got[i], errs[i] = e.us.Register(e.ctx, users.Registration{Email: fmt.Sprintf("p%d@example.com", i)})
			})
		}
		close(start)
		wg.Wait()
		admins := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("Register p%d: %v", i, errs[i])
			}
			if got[i].Role == access.Admin {
				admins++
			}
		}
		if admins != 1 {
			t.Errorf("%d concurrent first sign-ups made %d admins, want 1", n, admins)
		}
	})
}
