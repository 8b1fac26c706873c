package ratelimit

// Forget drops every bucket of user id, as when the user is deleted, and returns how
// many it dropped. The user's usage not yet drained stays for [Engine.DrainUsage]:
// usage history outlives the user. A later Check or Record for the same id starts
// with full buckets.
func (e *Engine) Forget(userID string) int {
	sh := e.shard(userID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	ent := sh.users[userID]
	if ent == nil {
		return 0
	}
	n := ent.count()
	sh.forget(ent)
	delete(sh.users, userID)
	return n
}
