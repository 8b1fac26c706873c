package roster

import "github.com/rosterhq/roster/internal/errs"

// newError is errs.New under this package's own name: go doc prints the
// sentinels' declarations, and an application reading them should see
// nothing it cannot import.
func newError(text, sentence string, wraps ...error) error {
	return errs.New(text, sentence, wraps...)
}
