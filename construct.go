package roster

import (
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
)

// init hands package scim a Directory's store, through which it runs its
// SCIM record and the roster change it goes with in one transaction (the
// store is no use to an application, so it is not exported). This is the
// sanctioned init of package construct's registry.
func init() {
	construct.Register[func(*Directory) *store.Store]("roster.Store", func(d *Directory) *store.Store { return d.st })
}
