package web

import (
	"fmt"
	"math"
	"time"
)

// chartDays is the number of days a usage chart shows, today included.
const chartDays = 7

// The geometry of a chart, in SVG user units.
const (
	chartWidth  = 640
	chartHeight = 220
	chartLeft   = 56 // room for the axis labels
	chartRight  = 96 // room for the limit labels
	chartTop    = 18
	chartBottom = 34
)

// chart is a bar chart of tokens used per day, drawn by the server as SVG
// (templates/parts.html), with a dashed line for each enabled limit at the
// tokens a day it lets through at its refill rate (budget × 24 h / period):
// bars above a line are days that overdrew that pace.
type chart struct {
	ID, Title     string
	Total         int64
	Width, Height int
	Left, Right   float64 // x of the plot's edges
	Top, Base     float64 // y of the plot's top and of its zero line
	Bars          []chartBar
	Lines         []chartLine
	Ticks         []chartTick
	Disabled      []string // the disabled limits, listed below the chart
}

type chartBar struct {
	X, Y, W, H float64
	Mid        float64 // x of the bar's centre
	Day        string
	Tokens     int64
	Today      bool
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
// midnight) and lays out the bars, the limit lines and the axis.
func newChart(id, title string, first time.Time, usage []usageJSON, limits []limitJSON) chart {
	days := make([]int64, chartDays)
	ch := chart{ID: id, Title: title, Width: chartWidth, Height: chartHeight,
		Left: chartLeft, Right: chartWidth - chartRight, Top: chartTop, Base: chartHeight - chartBottom}
	for _, u := range usage {
		if d := int(u.Hour.Sub(first) / (24 * time.Hour)); u.Hour.After(first.Add(-time.Nanosecond)) && d < chartDays {
			days[d] += u.Tokens
			ch.Total += u.Tokens
		}
	}
	top := 0.0
	for _, t := range days {
		top = math.Max(top, float64(t))
	}
	type line struct {
		perDay float64
		label  string
	}
	var lines []line
	for _, l := range limits {
		label := fmt.Sprintf("%s / %s h", tokens(l.TokenBudget*1000), trimZero(fmt.Sprintf("%.1f", l.PeriodHours)))
		if !l.Enabled || l.PeriodHours <= 0 {
			ch.Disabled = append(ch.Disabled, label)
			continue
		}
		perDay := l.TokenBudget * 1000 * 24 / l.PeriodHours
		lines = append(lines, line{perDay, "limit " + label})
		top = math.Max(top, perDay)
	}
	scale := niceCeil(top * 1.1)
	y := func(v float64) float64 { return round1(ch.Base - v/scale*(ch.Base-ch.Top)) }
	slot := (ch.Right - ch.Left) / chartDays
	for i, t := range days {
		x := ch.Left + float64(i)*slot + slot*0.2
		ch.Bars = append(ch.Bars, chartBar{X: round1(x), W: round1(slot * 0.6), Y: y(float64(t)), H: round1(ch.Base - y(float64(t))),
			Mid: round1(x + slot*0.3), Day: first.AddDate(0, 0, i).Format("Mon 2"), Tokens: t, Today: i == chartDays-1})
	}
	for _, l := range lines {
		ch.Lines = append(ch.Lines, chartLine{Y: y(l.perDay), Label: l.label})
	}
	for _, f := range []float64{0, 0.5, 1} {
		ch.Ticks = append(ch.Ticks, chartTick{Y: y(scale * f), Label: tokens(scale * f)})
	}
	return ch
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
