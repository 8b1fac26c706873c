package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/httpapi"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/ratelimit"
)

// readyTimeout bounds the database and index checks of GET /readyz, so that
// a database that went away (or hangs) answers 503 within a second.
const readyTimeout = 800 * time.Millisecond

// metrics are the server's Prometheus metrics, in a registry of their own
// (never the process-wide default one), served at GET /metrics.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // by method, route pattern and status code
	duration *prometheus.HistogramVec // by route pattern
	checks   *prometheus.CounterVec   // access checks by action, kind and result
	refusals *prometheus.CounterVec   // rate-limit and throttle refusals by kind
	mail     *prometheus.CounterVec   // mail by delivery status
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "roster_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern (\"unmatched\" for none) and status code."},
			[]string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "roster_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route pattern.", Buckets: prometheus.DefBuckets},
			[]string{"route"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "roster_access_checks_total",
			Help: "Access checks (roster's Access.Can), by action, resource kind and result (allowed or denied; errors are denied)."},
			[]string{"action", "kind", "result"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "roster_rate_limit_refusals_total",
			Help: "Requests the server's routes refused by a limit: tokens (a token rate limit), throttle (the server's per-client throttle of sign-in, sign-up, password and link attempts) or invites (roster's workspace-wide invite throttle)."},
			[]string{"kind"}),
		mail: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "roster_mail_total",
			Help: "Mail handed to the mailer (invitations and password resets), by delivery status (printed: the development mailer printed it)."},
			[]string{"status"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.checks, m.refusals, m.mail,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// onCheck counts one access check; it is roster.Config.OnCheck.
func (m *metrics) onCheck(act access.Action, kind access.Kind, allowed bool) {
	result := "denied"
	if allowed {
		result = "allowed"
	}
	m.checks.WithLabelValues(string(act), string(kind), result).Inc()
}

// countRefusal counts err if it is a refusal by a limit.
func (m *metrics) countRefusal(err error) {
	var te *throttledError
	switch {
	case errors.As(err, &te):
		m.refusals.WithLabelValues("throttle").Inc()
	case errors.Is(err, ratelimit.ErrRateLimited):
		m.refusals.WithLabelValues("tokens").Inc()
	case errors.Is(err, invites.ErrThrottled):
		m.refusals.WithLabelValues("invites").Inc()
	}
}

// countingMailer counts every message handed to the mailer by delivery
// status (invites.StatusOf), then returns the mailer's answer unchanged.
// With the development mailer (printed), a message it took is counted as
// "printed", as the pages say, not "sent".
type countingMailer struct {
	next    invites.Mailer
	mail    *prometheus.CounterVec
	printed bool
}

func (m countingMailer) Send(ctx context.Context, msg invites.Message) error {
	err := m.next.Send(ctx, msg)
	status := string(invites.StatusOf(err))
	if m.printed && status == string(invites.StatusSent) {
		status = "printed"
	}
	m.mail.WithLabelValues(status).Inc()
	return err
}

// indexCollector reports, at each scrape, the version the index holds, the
// version committed in the database, the difference (the changelog lag),
// whether the database answered, and how stale the index may be
// (roster.Directory.Status): whether it listens for PostgreSQL's change
// notifications, how many reloads replaced the changelog, and the seconds
// since it last held every committed change while it lags or cannot read
// the database. The committed version and the lag are left out of a scrape
// during which the database did not answer.
type indexCollector struct {
	dir                           *roster.Directory
	version, committed, lag, dbUp *prometheus.Desc
	listening, reloads, stale     *prometheus.Desc
}

func newIndexCollector(dir *roster.Directory) *indexCollector {
	return &indexCollector{dir: dir,
		version:   prometheus.NewDesc("roster_index_version", "Version of the last change the in-memory access index holds.", nil, nil),
		committed: prometheus.NewDesc("roster_changelog_version", "Version of the last change committed to the database.", nil, nil),
		lag:       prometheus.NewDesc("roster_changelog_lag", "Changes committed to the database that the index has not applied yet.", nil, nil),
		dbUp:      prometheus.NewDesc("roster_database_up", "1 if the database answered during the scrape, 0 otherwise.", nil, nil),
		listening: prometheus.NewDesc("roster_index_listening", "1 while the index receives PostgreSQL's change notifications, 0 otherwise (SQLite, or reconnecting).", nil, nil),
		reloads:   prometheus.NewDesc("roster_index_reloads_total", "Reloads of the index from the database because the changelog could not be replayed.", nil, nil),
		stale:     prometheus.NewDesc("roster_index_stale_seconds", "0 while the index holds every committed change; otherwise the seconds since it last did.", nil, nil),
	}
}

func (c *indexCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.version, c.committed, c.lag, c.dbUp, c.listening, c.reloads, c.stale} {
		ch <- d
	}
}

func (c *indexCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	st := c.dir.Status(ctx)
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	gauge(c.version, float64(st.Version))
	gauge(c.listening, boolValue(st.Listening))
	ch <- prometheus.MustNewConstMetric(c.reloads, prometheus.CounterValue, float64(st.Reloads))
	gauge(c.stale, staleSeconds(st, c.dir.Now()))
	committed, err := c.dir.CommittedVersion(ctx)
	if err != nil {
		gauge(c.dbUp, 0)
		return
	}
	gauge(c.dbUp, 1)
	gauge(c.committed, float64(committed))
	gauge(c.lag, float64(max(0, committed-st.Version)))
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// staleSeconds is how stale the index may be: 0 while it holds every
// committed change and nothing failed, else the whole seconds since it last
// did (since start-up if it never did).
func staleSeconds(st roster.Status, now time.Time) float64 {
	if st.Lag() == 0 && st.Err == nil {
		return 0
	}
	return max(0, now.Sub(st.CaughtUp).Truncate(time.Second).Seconds())
}

// opsRoutes serves the operations endpoints: liveness, readiness and
// metrics. They need no session; put them behind the reverse proxy's rules
// if the metrics should not be public.
func (s *server) opsRoutes(mux *http.ServeMux) {
	s.route(mux, "GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}))
	s.route(mux, "GET /readyz", http.HandlerFunc(s.readyz))
	s.route(mux, "GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn)}))
}

// readiness is GET /readyz's answer when ready: the version the index
// holds, the version committed in the database, the difference (0), and
// what roster.Directory.Status says of how the index follows the database.
type readiness struct {
	Status           string `json:"status"` // "ready"
	Version          int64  `json:"version"`
	CommittedVersion int64  `json:"committed_version"`
	Lag              int64  `json:"lag"`
	Listening        bool   `json:"listening"` // receiving PostgreSQL's change notifications
	Reloads          int64  `json:"reloads"`   // reloads from the database since start-up
}

// readyz answers GET /readyz: 200 when the database answers and the index
// holds every committed change (it catches up first, within readyTimeout);
// otherwise 503 UNAVAILABLE, the error body, whose detail gives the reason:
// the index is closed, the database does not answer, or the index stays
// behind the changelog.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	unavailable := func(reason string) {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Detail: reason, Code: httpapi.CodeUnavailable})
	}
	committed, err := s.dir.CommittedVersion(ctx)
	switch {
	case errors.Is(err, roster.ErrClosed):
		unavailable("The access index is closed.")
		return
	case err != nil:
		s.cfg.Logger.Warn("server: readiness: the database does not answer", "error", err)
		unavailable("The database does not answer.")
		return
	}
	if s.dir.Version() < committed {
		s.dir.AwaitVersion(ctx, committed) // the lag below says whether it caught up
	}
	version := s.dir.Version()
	if lag := committed - version; lag > 0 {
		changes := "changes"
		if lag == 1 {
			changes = "change"
		}
		unavailable(fmt.Sprintf("The access index is %d %s behind the database.", lag, changes))
		return
	}
	st := s.dir.Status(ctx)
	writeJSON(w, http.StatusOK, readiness{Status: "ready", Version: version, CommittedVersion: committed, Lag: max(0, committed-version),
		Listening: st.Listening, Reloads: st.Reloads})
}

// requestInfo is what the access log and the throttles learn about a
// request while it is served: the client's IP (see clientAddr) and the
// signed-in user's id once the session is resolved.
type requestInfo struct {
	clientIP string
	userID   string
}

type requestInfoKey struct{}

// infoOf returns the request's requestInfo, or nil outside observe.
func infoOf(r *http.Request) *requestInfo {
	info, _ := r.Context().Value(requestInfoKey{}).(*requestInfo)
	return info
}

// noteUser records the signed-in user of the request for the access log:
// the session's user, or the user a sign-in just started a session for.
func noteUser(r *http.Request, userID string) {
	if info := infoOf(r); info != nil {
		info.userID = userID
	}
}

// observe wraps the whole handler: it resolves the client's IP, then after
// each request counts it (method, route pattern, status) and writes one
// access-log line through the logger: method, route pattern, status,
// duration and user id, never the path's values, the query, emails or
// secrets. The route is the pattern of the innermost ServeMux that served
// the request (httpapi's for roster's routes), so metric labels stay few.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{clientIP: s.clientAddr(r)}
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		elapsed := time.Since(start)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		s.metrics.requests.WithLabelValues(r.Method, route, strconv.Itoa(status)).Inc()
		s.metrics.duration.WithLabelValues(route).Observe(elapsed.Seconds())
		s.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method),
			slog.String("route", route), slog.Int("status", status), slog.Duration("duration", elapsed),
			slog.String("user_id", info.userID))
	})
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// clientAddr is the client's IP: the connection's peer, unless the peer is
// one of cfg.TrustedProxies; then X-Forwarded-For is read from its right
// end, each hop added by a trusted proxy believed, and the first address not
// in TrustedProxies is the client (if every hop is trusted, the leftmost).
// An entry that is not an IP address ends the walk at the last believed
// hop. Written by hand: it is a dozen lines over net/netip, and the
// right-to-left walk is what makes a forged header useless (a client can
// prepend addresses, never append past the proxy's own).
func (s *server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(ip) {
		return host
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		ip = hop.Unmap()
		if !s.trusted(ip) {
			break
		}
	}
	return ip.String()
}

// trusted reports whether ip is in one of cfg.TrustedProxies.
func (s *server) trusted(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// parseProxies parses -trusted-proxies: CIDR prefixes or single addresses,
// separated by commas.
func parseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, errors.New("-trusted-proxies: " + strconv.Quote(f) + " is neither a CIDR prefix such as 10.0.0.0/8 nor an IP address")
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
