// Package construct hands package roster, and the public packages one
// another, what those packages must not export: their constructors over the
// store, and the transaction-level operations another noun composes into its
// own transactions (package authz gives those typed names).
//
// Go has no friend packages: an exported function is callable, and shown in
// godoc, for every importer, and one that takes *store.Tx is useless to an
// application, which cannot import internal/store. So each public package
// registers those functions here, in its init function, under its own name,
// and the module's other packages look them up. This registry is the one
// deliberate exception to roster's rule of no init() and no package-level
// mutable state (the pattern grpc's and golang.org/x/tools' internal
// packages use for the same problem): it is written only while the program
// initializes, is read-only from the first lookup on (a later Register
// panics), and holds nothing that depends on a Directory.
//
// A lookup of a name nobody registered, or registered with another type, is a
// programmer error visible in code: it panics at the first use, naming the
// package that should have registered it.
package construct

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/rosterhq/roster/internal/store"
)

// registry maps "package.Name" to the value that package registered. Written
// only by Register during package initialization, which runs on one
// goroutine; read-only once sealed is set.
var registry = map[string]any{}

// sealed is set by the first Get: from then on the registry is read-only.
var sealed atomic.Bool

// Register records v under name, "package.Name" (for example "users.New").
// Call it only from an init function. It panics on a name registered twice
// and once any Get has run.
func Register[T any](name string, v T) {
	if sealed.Load() {
		panic("roster: construct.Register(" + name + ") after initialization")
	}
	if _, dup := registry[name]; dup {
		panic("roster: construct.Register(" + name + ") called twice")
	}
	registry[name] = v
}

// Get returns the value registered under name. It panics, naming the package
// that should have registered it, when nothing of type T was.
func Get[T any](name string) T {
	if !sealed.Load() {
		sealed.Store(true)
	}
	v, ok := registry[name].(T)
	if !ok {
		pkg, _, _ := strings.Cut(name, ".")
		var zero T
		panic(fmt.Sprintf("roster: package %s registered no %s of type %T (found %T); its init function must call construct.Register",
			pkg, name, zero, registry[name]))
	}
	return v
}

// UserHooks let package roster compose operations that span packages inside
// the transactions of package users, without users importing them. U is
// users.User and R users.Registration (generic so that this package need not
// import users, which imports it). Every field may be nil.
type UserHooks[U, R any] struct {
	// BeforeRegister runs after the email is validated and before the
	// duplicate check and the creation: the allowed-domain check and the
	// invite gate. It sees every email as a newcomer's.
	BeforeRegister func(tx *store.Tx, email string, reg R) error
	// AfterRegister runs after the user is created: consuming the invite.
	AfterRegister func(tx *store.Tx, u U, reg R) error
	// BeforeDelete runs after the delete is allowed and before the user's
	// lines and row go: removing invites, limits' state and the like.
	BeforeDelete []func(tx *store.Tx, userID string) error
}

// GroupHooks let package roster add clean-up that spans packages to a
// group's deletion (its token rate limits). Every field may be nil.
type GroupHooks struct {
	// BeforeDelete runs after the delete is allowed and before the group's
	// lines and row go: deleting its rate limits.
	BeforeDelete []func(tx *store.Tx, groupID string) error
}
