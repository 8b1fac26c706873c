package httpapi

import "github.com/rosterhq/roster/internal/store"

// ErrDatabaseUnavailable is the error for a request that failed because the
// database does not answer: no connection could be made or kept, the server
// is shutting down, or the application closed its connection pool. It
// answers 503 UNAVAILABLE with Retry-After: 1 and the sentence /readyz
// gives. Classify recognizes such failures of the database itself (they
// wrap no sentinel of roster's), so a caller seldom needs to return it.
var ErrDatabaseUnavailable = newError("httpapi: the database does not answer", "The database does not answer.")

// databaseDown reports whether err is a failure to reach the database, as
// opposed to a refusal or a bug (store.DatabaseDown says which shapes).
func databaseDown(err error) bool { return store.DatabaseDown(err) }
