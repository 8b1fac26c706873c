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

// usageKey names an aggregate: the hour (Unix seconds), the user, and the plan whose
// groups the tokens also count for (nil for none). Keying on the plan pointer costs
// one string hash per Record however many groups the user has; DrainUsage expands it
// into the groups' rows.
type usageKey struct {
	hour int64
	user string
	pl   *plan
}

// addUsage adds n tokens at t to user's aggregate (and pl's groups'). An aggregate
// that exists is incremented in place; only a new one allocates, and it copies the
// user id so that the engine never holds on to the caller's memory.
func (sh *shard) addUsage(user string, pl *plan, t time.Time, n int64) {
	sec := t.Unix()
	k := usageKey{sec - ((sec%3600)+3600)%3600, user, pl}
	sh.usageMu.Lock()
	if p := sh.usage[k]; p != nil {
		*p += n
	} else {
		p = new(int64)
		*p = n
		k.user = strings.Clone(user)
		sh.usage[k] = p
	}
	sh.usageMu.Unlock()
}

// DrainUsage returns the usage aggregated since the last drain, sorted by hour, user
// and group, and resets the aggregates. It is meant for a periodic batch write to the
// database; rows of one hour may come in several drains, to be added up. Usage not
// yet drained lives in this process only.
func (e *Engine) DrainUsage() []UsageRow {
	type rowKey struct {
		hour        int64
		user, group string
	}
	sum := make(map[rowKey]int64)
	for i := range e.shards {
		sh := &e.shards[i]
		sh.usageMu.Lock()
		m := sh.usage
		sh.usage = make(map[usageKey]*int64)
		sh.usageMu.Unlock()
		for k, p := range m {
			sum[rowKey{k.hour, k.user, ""}] += *p
			if k.pl != nil {
				for _, g := range k.pl.members {
					sum[rowKey{k.hour, "", g}] += *p
				}
			}
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
