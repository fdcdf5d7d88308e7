// Package handlers is the portal's HTTP layer: Echo handlers that parse a
// request, call one store method, and render a view or redirect.
package handlers

import (
	"context"
	"log/slog"
	"net"
	"net/http"
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
	// LoginBurst and LoginEvery set the per-address throttle on POST /login:
	// a burst of LoginBurst attempts, then one per LoginEvery (defaults 10, 6s).
	LoginBurst int
	LoginEvery time.Duration
	// PageCache is the response cache for anonymous pages (nil: a new one
	// of DefaultPageCacheBytes); its Stats are for metrics.
	PageCache *PageCache
	// VersionCheckEvery is how often the data versions are read from the
	// database, to notice other processes' writes (default 1s). The
	// server's own writes are noticed at once.
	VersionCheckEvery time.Duration
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
	s := &Server{db: cfg.DB, log: cfg.Logger, cfg: cfg, pages: cfg.PageCache, public: map[string]*publicPage{}, demo: demo}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.HTTPErrorHandler = s.handleError
	if err := s.initAccounts(ctx); err != nil {
		return nil, nil, err
	}
	s.routes(e)
	go cfg.DB.WatchVersions(ctx, cfg.VersionCheckEvery)
	return s, e, nil
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
		s.log.Error("health check failed", "err", err)
		return c.String(http.StatusServiceUnavailable, "database unavailable")
	}
	return c.String(http.StatusOK, "ok")
}
