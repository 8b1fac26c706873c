package roster

// SetReloadAfter lowers the backlog d's store replays before reloading, so
// tests reach the reload with a few changes.
func SetReloadAfter(d *Directory, n int64) { d.st.SetReloadAfter(n) }
