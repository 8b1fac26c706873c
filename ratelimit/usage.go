package ratelimit

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// UsageRow is the tokens recorded in one hour, for one user or for one group, from
// [Engine.DrainUsage].
//
// A row with GroupID "" is a user's total (UserID "" for anonymous callers); the sum
// of those rows is the workspace's usage. A row with UserID "" and a GroupID is the
// total of that group's members, counted for every group a member belonged to when
// recording (service and anonymous principals count for no group).
type UsageRow struct {
	// Hour is the start of the hour, in UTC.
	Hour time.Time
	// UserID is the user, or "" on a group's row.
	UserID string
	// GroupID is the group, or "" on a user's row.
	GroupID string
	// Tokens is the sum recorded.
	Tokens int64
}

// usageKey names an aggregate: hour (Unix seconds), and user or group.
type usageKey struct {
	hour        int64
	user, group string
}

// addUsage adds n tokens at t to user's row and each group's row. Rows that exist are
// incremented in place; only a new row allocates, and it copies its strings so that
// the engine never holds on to the caller's memory.
func (sh *shard) addUsage(user string, groups []string, t time.Time, n int64) {
	sec := t.Unix()
	h := sec - ((sec%3600)+3600)%3600
	sh.usageMu.Lock()
	sh.bump(usageKey{h, user, ""}, n)
	for _, g := range groups {
		sh.bump(usageKey{h, "", g}, n)
	}
	sh.usageMu.Unlock()
}

// bump requires sh.usageMu held.
func (sh *shard) bump(k usageKey, n int64) {
	if p := sh.usage[k]; p != nil {
		*p += n
		return
	}
	p := new(int64)
	*p = n
	sh.usage[usageKey{k.hour, strings.Clone(k.user), strings.Clone(k.group)}] = p
}

// DrainUsage returns the usage aggregated since the last drain, sorted by hour, user
// and group, and resets the aggregates. It is meant for a periodic batch write to the
// database; rows of one hour may come in several drains, to be added up. Usage not
// yet drained lives in this process only.
func (e *Engine) DrainUsage() []UsageRow {
	sum := make(map[usageKey]int64)
	for i := range e.shards {
		sh := &e.shards[i]
		sh.usageMu.Lock()
		m := sh.usage
		sh.usage = make(map[usageKey]*int64)
		sh.usageMu.Unlock()
		for k, p := range m {
			sum[k] += *p
		}
	}
	rows := make([]UsageRow, 0, len(sum))
	for k, n := range sum {
		rows = append(rows, UsageRow{Hour: time.Unix(k.hour, 0).UTC(), UserID: k.user, GroupID: k.group, Tokens: n})
	}
	slices.SortFunc(rows, func(a, b UsageRow) int {
		return cmp.Or(a.Hour.Compare(b.Hour), strings.Compare(a.UserID, b.UserID), strings.Compare(a.GroupID, b.GroupID))
	})
	return rows
}
