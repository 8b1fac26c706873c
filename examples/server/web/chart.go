package web

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// chartDays is the number of days a usage chart shows, today included.
const chartDays = 7

// chartHours is the number of hours the hourly view shows, this hour included.
const chartHours = 24

// The geometry of a chart, in SVG user units; the SVG is drawn as wide as its
// card, so these are about pixels on a desktop window.
const (
	chartWidth  = 960
	chartHeight = 240
	chartLeft   = 56 // room for the axis labels
	chartRight  = 12 // the limit labels sit inside the plot, at its left
	chartTop    = 18
	chartBottom = 34
)

// chart is a bar chart of tokens used per day (or, in its Hourly view, per
// hour), drawn by the server as SVG (templates/parts.html), with a dashed
// line for each enabled limit at the tokens a bar's span lets through at the
// limit's refill rate (budget × span ÷ period): limits of a day or longer on
// the daily view, shorter ones on the hourly view. A bar is marked Hit when the
// limit was reached in its span: the tokens used over one period up to some
// hour of it came to the budget or more (a full bucket emptied; the usage
// is read by the hour, so this is to the hour).
type chart struct {
	ID, Title     string
	Span          string // "day" or "hour"
	Total         int64
	Width, Height int
	Left, Right   float64 // x of the plot's edges
	Top, Base     float64 // y of the plot's top and of its zero line
	Bars          []chartBar
	Lines         []chartLine
	Ticks         []chartTick
	Disabled      []string // the disabled limits, listed below the chart
	Hits          int      // bars in which a limit was reached
	Hourly        *chart   // the last chartHours hours, when an enabled limit is shorter than a day
}

type chartBar struct {
	X, Y, W, H float64
	Mid        float64 // x of the bar's centre
	Day        string  // the bar's label: a day, or an hour
	Tokens     int64
	Today      bool     // the last bar: the day or hour in progress
	Hit        []string // the limits reached in the bar's span
	ShowLabel  bool     // whether its label is written under the axis
}

type chartLine struct {
	Y     float64
	Label string
}

type chartTick struct {
	Y     float64
	Label string
}

// newChart sums hourly usage into the chartDays days from first (a UTC
// midnight) and lays out the bars, the limit lines and the axis; with an
// enabled limit shorter than a day it adds the hourly view of the last
// chartHours hours before now.
func newChart(id, title string, first, now time.Time, usage []usageJSON, limits []limitJSON) chart {
	hourly := map[time.Time]int64{}
	for _, u := range usage {
		hourly[u.Hour.UTC().Truncate(time.Hour)] += u.Tokens
	}
	hits := limitHits(hourly, limits)
	days := make([]span, chartDays)
	for i := range days {
		days[i] = span{start: first.AddDate(0, 0, i), length: 24 * time.Hour, label: first.AddDate(0, 0, i).Format("Mon 2"), showLabel: true}
	}
	ch := layout(id, title, "day", days, hourly, hits, limits)
	short := false
	for _, l := range limits {
		short = short || (l.Enabled && l.PeriodHours > 0 && l.PeriodHours < 24)
	}
	if short {
		last := now.UTC().Truncate(time.Hour)
		hours := make([]span, chartHours)
		for i := range hours {
			at := last.Add(time.Duration(i-chartHours+1) * time.Hour)
			hours[i] = span{start: at, length: time.Hour, label: at.Format("15h"), showLabel: i%3 == 2 || i == chartHours-1}
		}
		h := layout(id+"-hourly", title+", by hour", "hour", hours, hourly, hits, limits)
		ch.Hourly = &h
	}
	return ch
}

// span is the time a bar covers.
type span struct {
	start     time.Time
	length    time.Duration
	label     string
	showLabel bool
}

// layout draws one bar per span.
func layout(id, title, unit string, spans []span, hourly map[time.Time]int64, hits map[time.Time][]string, limits []limitJSON) chart {
	ch := chart{ID: id, Title: title, Span: unit, Width: chartWidth, Height: chartHeight,
		Left: chartLeft, Right: chartWidth - chartRight, Top: chartTop, Base: chartHeight - chartBottom}
	sums := make([]int64, len(spans))
	hit := make([][]string, len(spans))
	for i, sp := range spans {
		for h := sp.start; h.Before(sp.start.Add(sp.length)); h = h.Add(time.Hour) {
			sums[i] += hourly[h]
			for _, l := range hits[h] {
				if !slices.Contains(hit[i], l) {
					hit[i] = append(hit[i], l)
				}
			}
		}
		ch.Total += sums[i]
	}
	top := 0.0
	for _, t := range sums {
		top = math.Max(top, float64(t))
	}
	type line struct {
		pace  float64
		label string
	}
	var lines []line
	perSpan := spans[0].length.Hours()
	for _, l := range limits {
		label := limitLabel(l)
		if !l.Enabled || l.PeriodHours <= 0 {
			if unit == "day" {
				ch.Disabled = append(ch.Disabled, label)
			}
			continue
		}
		if (unit == "hour") != (l.PeriodHours < 24) {
			continue // drawn on the other view, where its pace reads at scale
		}
		pace := l.TokenBudget * 1000 * perSpan / l.PeriodHours
		lines = append(lines, line{pace, "limit " + label})
		top = math.Max(top, pace)
	}
	scale := niceCeil(top * 1.15) // room above the highest bar or line for its label
	y := func(v float64) float64 { return round1(ch.Base - v/scale*(ch.Base-ch.Top)) }
	slot := (ch.Right - ch.Left) / float64(len(spans))
	for i, t := range sums {
		x := ch.Left + float64(i)*slot + slot*0.2
		ch.Bars = append(ch.Bars, chartBar{X: round1(x), W: round1(slot * 0.6), Y: y(float64(t)), H: round1(ch.Base - y(float64(t))),
			Mid: round1(x + slot*0.3), Day: spans[i].label, Tokens: t, Today: i == len(spans)-1, Hit: hit[i], ShowLabel: spans[i].showLabel})
		if len(hit[i]) > 0 {
			ch.Hits++
		}
	}
	for _, l := range lines {
		ch.Lines = append(ch.Lines, chartLine{Y: y(l.pace), Label: l.label})
	}
	for _, f := range []float64{0, 0.5, 1} {
		ch.Ticks = append(ch.Ticks, chartTick{Y: y(scale * f), Label: tokens(scale * f)})
	}
	return ch
}

// limitLabel is a limit as the chart names it: "1k / 24 h".
func limitLabel(l limitJSON) string {
	return fmt.Sprintf("%s / %s h", tokens(l.TokenBudget*1000), trimZero(fmt.Sprintf("%.1f", l.PeriodHours)))
}

// limitHits returns, for each hour, the enabled limits reached by then: the
// tokens used in the limit's period up to and including that hour (whole
// hours, the period rounded up) came to its budget or more.
func limitHits(hourly map[time.Time]int64, limits []limitJSON) map[time.Time][]string {
	out := map[time.Time][]string{}
	for _, l := range limits {
		if !l.Enabled || l.PeriodHours <= 0 {
			continue
		}
		window := int(math.Ceil(l.PeriodHours))
		budget := l.TokenBudget * 1000
		for h := range hourly {
			// Only an hour with usage can bring the sum to the budget: those
			// are the hours the limit was hit.
			var sum float64
			for k := 0; k < window; k++ {
				sum += float64(hourly[h.Add(-time.Duration(k)*time.Hour)])
			}
			if sum >= budget {
				out[h] = append(out[h], limitLabel(l))
			}
		}
	}
	for h := range out {
		slices.Sort(out[h])
	}
	return out
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten (at least 10),
// so the axis reads in round numbers.
func niceCeil(v float64) float64 {
	if v <= 10 {
		return 10
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
