package ratelimit_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/rosterhq/roster/ratelimit"
)

func TestDrainUsage(t *testing.T) {
	e, c := newEngine(t, userLimit("u", 1000, time.Hour), groupLimit("g", "g1", 1000, time.Hour))
	h12, h13 := epoch, epoch.Add(time.Hour)
	record(t, e, user("a", "g1", "g2", "g1"), 10) // g1 listed twice counts once
	record(t, e, user("b", "g1"), 5)
	record(t, e, ratelimit.Principal{UserID: "key", Groups: []string{"g1"}, Service: true}, 7)
	record(t, e, ratelimit.Principal{Anonymous: true}, 3)
	c.Advance(time.Hour - time.Nanosecond)
	record(t, e, user("a", "g1", "g2"), 1) // still 12:00
	c.Advance(time.Nanosecond)
	record(t, e, user("a"), 2) // 13:00, no groups
	if err := e.Record(user("b", "g1"), 0); err != nil {
		t.Fatal(err)
	}
	want := []ratelimit.UsageRow{
		{Hour: h12, UserID: "", GroupID: "", Tokens: 3},
		{Hour: h12, UserID: "", GroupID: "g1", Tokens: 16},
		{Hour: h12, UserID: "", GroupID: "g2", Tokens: 11},
		{Hour: h12, UserID: "a", GroupID: "", Tokens: 11},
		{Hour: h12, UserID: "b", GroupID: "", Tokens: 5},
		{Hour: h12, UserID: "key", GroupID: "", Tokens: 7},
		{Hour: h13, UserID: "a", GroupID: "", Tokens: 2},
	}
	if got := e.DrainUsage(); !reflect.DeepEqual(got, want) {
		t.Fatalf("DrainUsage() =\n%+v\nwant\n%+v", got, want)
	}
	if got := e.DrainUsage(); len(got) != 0 {
		t.Errorf("second DrainUsage() = %+v, want nothing", got)
	}
	record(t, e, user("a"), 4)
	want = []ratelimit.UsageRow{{Hour: h13, UserID: "a", Tokens: 4}}
	if got := e.DrainUsage(); !reflect.DeepEqual(got, want) {
		t.Errorf("DrainUsage() after more usage = %+v, want %+v", got, want)
	}
}

func TestUsageHourBeforeEpoch(t *testing.T) {
	c := &clock{t: time.Date(1969, 12, 31, 23, 30, 0, 0, time.UTC)}
	e := ratelimit.New(ratelimit.Config{Now: c.Now})
	record(t, e, user("a"), 1)
	rows := e.DrainUsage()
	if want := time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC); len(rows) != 1 || !rows[0].Hour.Equal(want) {
		t.Errorf("rows = %+v, want one at %v", rows, want)
	}
}
