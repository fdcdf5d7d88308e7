// Package handlers is the portal's HTTP layer: Echo handlers that parse a
// request, call one store method, and render a view or redirect.
package handlers

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"portal/store"
)

// Config is what the HTTP layer needs from the command line.
type Config struct {
	DB     *store.DB
	Logger *slog.Logger
	// SecureCookies marks cookies Secure and sends HSTS, for deployments
	// behind a TLS-terminating proxy.
	SecureCookies bool
	// TrustedProxies are the only peers whose X-Forwarded-For is believed.
	TrustedProxies []*net.IPNet
	// OCIDPrefix prefixes OCDS ocids.
	OCIDPrefix string
	// PublicURL is the portal's address as people reach it (no trailing
	// slash), for absolute links in messages and emails: never taken from
	// a request's Host header.
	PublicURL string
	// LoginBurst and LoginEvery set the per-address throttle on POST /login:
	// a burst of LoginBurst attempts, then one per LoginEvery (defaults 10, 6s).
	LoginBurst int
	LoginEvery time.Duration
	// PageCache is the response cache for anonymous pages (nil: a new one
	// of DefaultPageCacheBytes). Its counters are in Metrics.
	PageCache *PageCache
	// VersionCheckEvery is how often the data versions are read from the
	// database, to notice other processes' writes (default 1s). The
	// server's own writes are noticed at once.
	VersionCheckEvery time.Duration
	// Metrics is the registry the server reports to (NewMetrics); nil makes
	// one that nobody reads.
	Metrics *Metrics
	// Background counts the server's background goroutines (session
	// maintenance, the data versions watch). They start from the context
	// given to New and return once it is done; wait on Background before
	// closing the database. When nil, they are not counted (but still stop
	// with the context).
	Background *sync.WaitGroup
}

// Server holds the handlers' dependencies.
type Server struct {
	db    *store.DB
	log   *slog.Logger
	cfg   Config
	pages *PageCache
	// public are the routes served through pages, by route path.
	public map[string]*publicPage
	demo   bool
	// sessions and loginLimit belong to accounts (middleware.go).
	sessions   *store.SessionStore
	loginLimit *ipLimiter
	metrics    *Metrics
	// routes are the registered route patterns, the only route labels of
	// the request metrics.
	routes map[string]bool
}

// New builds the Echo instance with every route and middleware.
func New(ctx context.Context, cfg Config) (*echo.Echo, error) {
	_, e, err := newServer(ctx, cfg)
	return e, err
}

func newServer(ctx context.Context, cfg Config) (*Server, *echo.Echo, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	demo, err := cfg.DB.HasDemoData(ctx)
	if err != nil {
		return nil, nil, err
	}
	if cfg.PageCache == nil {
		cfg.PageCache = NewPageCache(DefaultPageCacheBytes)
	}
	if cfg.VersionCheckEvery <= 0 {
		cfg.VersionCheckEvery = time.Second
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(cfg.DB)
	}
	s := &Server{db: cfg.DB, log: cfg.Logger, cfg: cfg, pages: cfg.PageCache, public: map[string]*publicPage{}, demo: demo,
		metrics: cfg.Metrics, routes: map[string]bool{}}
	cfg.Metrics.Register(cfg.PageCache.collectors()...)
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// Echo's own logger (used by little of what we run) writes through the
	// structured log too, so no line is ever plain text.
	e.Logger.SetOutput(logWriter{cfg.Logger})
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.HTTPErrorHandler = s.handleError
	if err := s.initAccounts(ctx); err != nil {
		return nil, nil, err
	}
	s.addRoutes(e)
	for _, r := range e.Routes() {
		s.routes[r.Path] = true
	}
	s.background(func() { cfg.DB.WatchVersions(ctx, cfg.VersionCheckEvery) })
	return s, e, nil
}

// logWriter turns each line written to it into a structured WARN record.
type logWriter struct{ log *slog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.Warn("echo", "line", strings.TrimSpace(string(p)))
	return len(p), nil
}

// background runs fn in a goroutine counted by cfg.Background; fn must
// return once the context given to New is done.
func (s *Server) background(fn func()) {
	if wg := s.cfg.Background; wg != nil {
		wg.Go(fn)
		return
	}
	go fn()
}

// ipExtractor never trusts a client-supplied header unless the direct peer
// is one of the configured proxies (Echo's defaults trust X-Forwarded-For
// and X-Real-IP from anyone).
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// isHTTPS reports whether the request arrived over TLS or the deployment
// says TLS is terminated in front of us; never from a client header.
func (s *Server) isHTTPS(r *http.Request) bool {
	return r.TLS != nil || s.cfg.SecureCookies
}

func (s *Server) healthz(c echo.Context) error {
	if err := s.db.Ping(c.Request().Context()); err != nil {
		reqLog(c).Error("health check failed", "err", err)
		return c.String(http.StatusServiceUnavailable, "database unavailable")
	}
	return c.String(http.StatusOK, "ok")
}
