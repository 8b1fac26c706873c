package resources

import (
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/errs"
)

// Errors of package resources; each wraps an access sentinel. Their Error
// text starts "resources: "; access.Sentence gives the sentence a person
// reads, naming resources through the caller's function where the caller may
// see them.
var (
	ErrResourceNotFound = newError("resources: resource not found", "The resource does not exist.", access.ErrNotFound)
	ErrExists           = newError("resources: the resource is registered already", "The resource is registered already.", access.ErrConflict)
	ErrNoGroups         = newError("resources: curators must name at least one group", "Curators must name at least one group.", access.ErrInvalid)
	ErrDocumentSetRule  = newError("resources: document set rule", "Every private connector of a document set must be attached to each of the set's groups.", access.ErrInvalid)
)

// newError is errs.New under this package's own name: go doc prints the
// sentinels' declarations above, and an application reading them should see
// nothing it cannot import.
func newError(text, sentence string, wraps ...error) error {
	return errs.New(text, sentence, wraps...)
}

// notFound is ErrResourceNotFound for r, which it names by kind only: the
// caller may not see it.
func notFound(r access.Resource) error {
	return errs.Errorf(ErrResourceNotFound, "The "+r.Kind.Noun()+" does not exist.", "%v: %s", ErrResourceNotFound, r)
}
