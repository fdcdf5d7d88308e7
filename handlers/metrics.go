package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"portal/store"
)

// Metrics is the portal's Prometheus registry and the series the HTTP layer
// and the store report. It is served only on the separate -metrics-addr
// listener (Handler), never on the public address.
//
// A feature adds its own series by creating them in its own file and
// registering them once, at start-up, with Register:
//
//	hits := prometheus.NewCounterVec(prometheus.CounterOpts{
//		Name: "portal_page_cache_requests_total",
//		Help: "Anonymous page requests answered from the page cache (result=hit) or rendered (result=miss).",
//	}, []string{"result"})
//	s.metrics.Register(hits)
//
// Names follow Prometheus conventions: the portal_ prefix, the feature, what
// is counted, and the base unit (_seconds, _bytes; _total for counters).
// Labels take a small fixed set of values (a route pattern, never a URL; an
// outcome, never an email). Series whose value the store already keeps are
// best read at scrape time (prometheus.NewCounterFunc/NewGaugeFunc over a
// store method), so the store never imports Prometheus.
type Metrics struct {
	// Registry holds every series; Register adds to it.
	Registry *prometheus.Registry

	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	signIns   *prometheus.CounterVec
	locks     *prometheus.CounterVec
	writeWait prometheus.Histogram
	sweeps    *prometheus.CounterVec
	swept     *prometheus.CounterVec
	lastSweep prometheus.Gauge
}

// NewMetrics makes the registry with the Go runtime and process series, the
// HTTP, sign-in and database series, and hooks them to db.
func NewMetrics(db *store.DB) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_http_requests_total",
		Help: "HTTP requests answered, by route pattern (\"unmatched\" for no route), method and status code.",
	}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "portal_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method"})
	m.signIns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_sign_ins_total",
		Help: "Sign-in attempts by outcome: ok, failed (wrong password, unknown email, disabled), locked (refused: locked for this browser), lockedby (a failure that locked), throttled (per-address limit, 429).",
	}, []string{"outcome"})
	m.locks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_sign_in_locks_total",
		Help: "Temporary sign-in locks: scope=account (for browsers the account does not know), scope=browser (one known browser).",
	}, []string{"scope"})
	m.writeWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "portal_sqlite_write_wait_seconds",
		Help:    "Time each write transaction waited for the one SQLite writer (the queue in Go and SQLite's write lock).",
		Buckets: []float64{.0001, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	})
	m.sweeps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_sweeper_job_runs_total",
		Help: "Sweeper job runs by job and result (ok, error).",
	}, []string{"job", "result"})
	m.swept = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_sweeper_changes_total",
		Help: "Changes the sweeper's jobs made (quotes expired, security-log rows deleted, …), by job.",
	}, []string{"job"})
	m.lastSweep = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "portal_sweeper_last_run_timestamp_seconds",
		Help: "When the sweeper last finished a run (Unix time); 0 before the first.",
	})
	for _, outcome := range []string{store.OutcomeOK, store.OutcomeFailed, store.OutcomeLocked, store.OutcomeLockedBy, store.OutcomeThrottled} {
		m.signIns.WithLabelValues(outcome) // every outcome shows, at 0, from the start
	}
	m.locks.WithLabelValues("account")
	m.locks.WithLabelValues("browser")
	m.Register(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency, m.signIns, m.locks, m.writeWait, m.sweeps, m.swept, m.lastSweep,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "portal_search_index_builds_total",
			Help: "Catalogue search index (re)builds, in the background: one per burst of catalogue changes.",
		}, func() float64 { return float64(db.Stats().SearchIndexBuilds) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "portal_search_index_build_seconds_total",
			Help: "Total time spent building the catalogue search index.",
		}, func() float64 { return db.Stats().SearchIndexTime.Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "portal_search_index_last_build_seconds",
			Help: "How long the last catalogue search index build took; searches use the previous index meanwhile.",
		}, func() float64 { return db.Stats().SearchIndexLast.Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "portal_search_ranking_fallback",
			Help: "1 when text search ranks with FTS5's bm25() because FTS5's internal format was not as expected (slower; see the log), else 0.",
		}, func() float64 {
			if db.SearchRankingFallback() != "" {
				return 1
			}
			return 0
		}),
	)
	db.SetWriteWaitObserver(func(d time.Duration) { m.writeWait.Observe(d.Seconds()) })
	return m
}

// Register adds a feature's series to the registry. It panics on a
// duplicate or inconsistent series: call it once, at start-up.
func (m *Metrics) Register(cs ...prometheus.Collector) { m.Registry.MustRegister(cs...) }

// Handler serves the registry in the Prometheus text format, for the
// -metrics-addr listener only.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// SweeperRan counts a sweeper run's jobs, their results and changes; it is
// the sweeper's OnRun (store.SweeperConfig).
func (m *Metrics) SweeperRan(results []store.SweepResult) {
	for _, r := range results {
		result := "ok"
		if r.Err != nil {
			result = "error"
		}
		m.sweeps.WithLabelValues(r.Job, result).Inc()
		m.swept.WithLabelValues(r.Job).Add(float64(r.Changed))
	}
	m.lastSweep.SetToCurrentTime()
}

// signIn counts a sign-in attempt's outcome, and the lock it caused.
func (m *Metrics) signIn(outcome string, knownBrowser bool) {
	m.signIns.WithLabelValues(outcome).Inc()
	if outcome == store.OutcomeLockedBy {
		scope := "account"
		if knownBrowser {
			scope = "browser"
		}
		m.locks.WithLabelValues(scope).Inc()
	}
}

// observe counts every request by route pattern, method and final status,
// and times it. It runs first (after the request id), so it sees every
// answer, including 404s, 413s and CSRF refusals; an error is handed to the
// error handler here, so the status counted is the one sent.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		route := c.Path()
		if !s.routes[route] {
			route = "unmatched" // a URL is not a label: unbounded
		}
		method := c.Request().Method
		switch method {
		case http.MethodGet, http.MethodPost, http.MethodHead:
		default:
			method = "other"
		}
		s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(c.Response().Status)).Inc()
		s.metrics.latency.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		return nil
	}
}
