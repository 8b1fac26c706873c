package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// DatabaseDown reports whether err is a failure to reach the database, as
// opposed to a refusal or a bug. Drivers report this in several shapes and
// no library gathers them, hence the list: database/sql's bad and closed
// connections, a connection refused or reset, pgx's connect errors and
// PostgreSQL's connection-exception and shutdown codes (SQLSTATE class 08,
// 57P01-57P03), and database/sql's "database is closed", whose error value
// is unexported and can only be matched by its text.
func DatabaseDown(err error) bool {
	if err == nil {
		return false
	}
	var ce *pgconn.ConnectError
	var pe *pgconn.PgError
	var ne *net.OpError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case errors.As(err, &ce), errors.As(err, &ne):
		return true
	case errors.As(err, &pe):
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	return strings.Contains(err.Error(), "sql: database is closed")
}
