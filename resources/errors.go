package resources

import (
	"fmt"

	"github.com/rosterhq/roster/access"
)

// Errors of package resources; each wraps an access sentinel.
var (
	ErrResourceNotFound = fmt.Errorf("%w: resource", access.ErrNotFound)
	ErrExists           = fmt.Errorf("%w: the resource is registered already", access.ErrConflict)
	ErrNoGroups         = fmt.Errorf("%w: curators must name at least one group", access.ErrInvalid)
	ErrDocumentSetRule  = fmt.Errorf("%w: document set rule", access.ErrInvalid)
)
