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
	ErrResourceNotFound = errs.New("resources: resource not found", "The resource does not exist.", access.ErrNotFound)
	ErrExists           = errs.New("resources: the resource is registered already", "The resource is registered already.", access.ErrConflict)
	ErrNoGroups         = errs.New("resources: curators must name at least one group", "Curators must name at least one group.", access.ErrInvalid)
	ErrDocumentSetRule  = errs.New("resources: document set rule", "Every private connector of a document set must be attached to each of the set's groups.", access.ErrInvalid)
)

// notFound is ErrResourceNotFound for r, which it names by kind only: the
// caller may not see it.
func notFound(r access.Resource) error {
	return errs.Errorf(ErrResourceNotFound, "The "+r.Kind.Noun()+" does not exist.", "%v: %s", ErrResourceNotFound, r)
}
