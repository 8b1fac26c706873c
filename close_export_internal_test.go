package roster

import "time"

// SetCloseFlushTimeout shortens the bound of d's last flush at Close, so a
// test of it need not wait CloseFlushTimeout.
func SetCloseFlushTimeout(d *Directory, t time.Duration) { d.limits.closeFor = t }
