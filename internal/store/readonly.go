package store

import "database/sql"

// readOnlyTx returns the options of a consistent read transaction. On
// PostgreSQL that is REPEATABLE READ (one snapshot for every statement); on
// SQLite a read transaction is a snapshot already, and the immediate
// _txlock would make it a writer, so it runs deferred via read-only.
func readOnlyTx(d Dialect) *sql.TxOptions {
	if d == Postgres {
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return &sql.TxOptions{ReadOnly: true}
}
