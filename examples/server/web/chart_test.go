package web

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// A limit is marked hit in the hour its period's usage reaches the budget,
// in the day that holds that hour, and not before; a limit shorter than a
// day adds the hourly view of the last 24 hours.
func TestChartHits(t *testing.T) {
	first := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	now := first.Add(6*24*time.Hour + 15*time.Hour + 20*time.Minute) // day 6, 15:20
	h := func(day, hour int) time.Time { return first.Add(time.Duration(day*24+hour) * time.Hour) }
	usage := []usageJSON{
		{Hour: h(2, 10), Tokens: 600},  // 1k / 6 h: not yet
		{Hour: h(2, 12), Tokens: 500},  // 1,100 in 6 h: hit
		{Hour: h(6, 2), Tokens: 900},   // alone in its 6 h: not hit
		{Hour: h(6, 9), Tokens: 400},   // 7 h after the 900: not hit
		{Hour: h(6, 14), Tokens: 1000}, // hit by itself
	}
	limit := limitJSON{TokenID: "a", Enabled: true, TokenBudget: 1, PeriodHours: 6}
	ch := newChart("c", "Workspace", first, now, usage, []limitJSON{limit})
	var hitDays []int
	for i, b := range ch.Bars {
		if len(b.Hit) > 0 {
			hitDays = append(hitDays, i)
			if b.Hit[0] != "1k / 6 h" {
				t.Errorf("day %d hit by %v", i, b.Hit)
			}
		}
	}
	if !slices.Equal(hitDays, []int{2, 6}) || ch.Hits != 2 {
		t.Errorf("days hit %v (count %d), want [2 6]", hitDays, ch.Hits)
	}
	hr := ch.Hourly
	if hr == nil || len(hr.Bars) != chartHours || hr.Span != "hour" {
		t.Fatalf("hourly view %+v, want %d hours", hr, chartHours)
	}
	// The last bar is 15h of day 6; the first 16h of day 5.
	if hr.Bars[0].Day != "16h" || hr.Bars[chartHours-1].Day != "15h" || !hr.Bars[chartHours-1].Today {
		t.Errorf("hours from %s to %s", hr.Bars[0].Day, hr.Bars[chartHours-1].Day)
	}
	var hitHours []string
	for _, b := range hr.Bars {
		if len(b.Hit) > 0 {
			hitHours = append(hitHours, b.Day)
		}
	}
	if !slices.Equal(hitHours, []string{"14h"}) || hr.Hits != 1 || hr.Total != 2300 {
		t.Errorf("hours hit %v (count %d), total %d; want [14h], 2,300 tokens", hitHours, hr.Hits, hr.Total)
	}
	// The line is the limit's hourly pace: 1,000 / 6 h.
	if len(hr.Lines) != 1 {
		t.Fatalf("hourly lines %+v", hr.Lines)
	}
	pace := hr.Base - (hr.Base-hr.Top)*(1000.0/6)/scaleOf(hr)
	if d := hr.Lines[0].Y - pace; d > 0.1 || d < -0.1 {
		t.Errorf("hourly line at %v, want %v", hr.Lines[0].Y, pace)
	}
	if len(ch.Lines) != 0 {
		t.Errorf("the daily view draws the 6-hour limit: %+v", ch.Lines)
	}
	// Labels are drawn above their lines, inside the plot: never clipped.
	for _, c := range []chart{ch, *hr} {
		for _, l := range c.Lines {
			if l.Y-5-12 < 0 || c.Right > float64(c.Width) {
				t.Errorf("%s: label of %q at y %v, plot right %v of %d", c.ID, l.Label, l.Y, c.Right, c.Width)
			}
		}
	}
}

// scaleOf reads the chart's scale back from its top tick.
func scaleOf(c *chart) float64 {
	return map[string]float64{"250": 250, "500": 500, "1k": 1000, "2k": 2000, "2.5k": 2500}[c.Ticks[2].Label]
}

// Without an enabled limit shorter than a day there is no hourly view.
func TestChartNoHourly(t *testing.T) {
	first := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	for _, limits := range [][]limitJSON{
		nil,
		{{TokenID: "a", Enabled: true, TokenBudget: 1, PeriodHours: 24}},
		{{TokenID: "b", Enabled: false, TokenBudget: 1, PeriodHours: 1}},
	} {
		if ch := newChart("c", "W", first, first.Add(150*time.Hour), nil, limits); ch.Hourly != nil || ch.Hits != 0 {
			t.Errorf("limits %+v: hourly view %v, hits %d", limits, ch.Hourly != nil, ch.Hits)
		}
	}
}

// An overdrawn budget shows as used up, never as a negative amount.
func TestNoNegativeRemaining(t *testing.T) {
	f := newFake(t, "basic")
	f.answers["/me/token-budget"] = map[string]any{
		"user":   map[string]any{"limited": true, "remaining": -519.4},
		"group":  map[string]any{"limited": true, "remaining": 2.5},
		"global": map[string]any{"limited": false},
	}
	rec := get(t, f, "/ui/", "s")
	body := rec.Body.String()
	if rec.Code != 200 || strings.Contains(body, "-519") || !strings.Contains(body, "used up: refused until it refills") ||
		!strings.Contains(body, "2.5") || !strings.Contains(body, "no limit") {
		t.Errorf("home page %d:\n%s", rec.Code, body)
	}
}
