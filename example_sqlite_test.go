package roster_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/rosterhq/roster"
)

// An application that keeps its own tables in the same SQLite file opens the
// connection itself, with the parameters SQLiteDSN adds, and hands it to
// roster as Config.DB. Roster migrates its own tables and never closes the
// connection.
func ExampleSQLiteDSN() {
	fmt.Println(roster.SQLiteDSN("app.db"))

	dir, err := os.MkdirTemp("", "roster-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	db, err := gorm.Open(sqlite.Open(roster.SQLiteDSN(filepath.Join(dir, "app.db"))), &gorm.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	sqlDB, err := db.DB()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sqlDB.Close() // roster never closes a connection it was given
	d, err := roster.Open(context.Background(), roster.Config{DB: db})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	var mode string
	db.Raw("PRAGMA journal_mode").Scan(&mode)
	fmt.Println("journal mode:", mode)
	// Output:
	// app.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate
	// journal mode: wal
}
