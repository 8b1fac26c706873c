package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"path":     url.PathEscape,
	"when":     when,
	"tokens":   tokens,
	"number":   number,
	"lines":    func(xs []string) string { return strings.Join(xs, "\n") },
	"roleName": roleName,
	"allRoles": func() []string { return allRoles },
	"mul1000":  func(v float64) float64 { return v * 1000 },
	"action":   actionName,
	"day":      func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"clock":    func(t time.Time) string { return t.UTC().Format("15:04") + " UTC" },
}

// allRoles are the five roles, for filters.
var allRoles = []string{"admin", "global_curator", "curator", "basic", "limited"}

// settableRoles are the roles an admin may give (curator comes from groups).
var settableRoles = []string{"basic", "admin", "global_curator", "limited"}

// roleName is a role as people read it.
func roleName(role string) string {
	switch role {
	case "global_curator":
		return "Global curator"
	case "":
		return ""
	}
	return strings.ToUpper(role[:1]) + role[1:]
}

// when shows a time in UTC to the minute; the zero time is "—".
func when(t any) string {
	var tt time.Time
	switch v := t.(type) {
	case time.Time:
		tt = v
	case *time.Time:
		if v != nil {
			tt = *v
		}
	}
	if tt.IsZero() {
		return "—"
	}
	return tt.UTC().Format("2006-01-02 15:04 UTC")
}

// number writes n with thousands separators: 1234567 → "1,234,567".
func number(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// tokens shows a count of tokens compactly: 950, 1.2k, 3.4M.
func tokens(n float64) string {
	switch {
	case n >= 1e6:
		return trimZero(fmt.Sprintf("%.1f", n/1e6)) + "M"
	case n >= 1e3:
		return trimZero(fmt.Sprintf("%.1f", n/1e3)) + "k"
	}
	return trimZero(fmt.Sprintf("%.1f", n))
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }
