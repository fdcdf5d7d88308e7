package handlers

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"portal/store"
)

// Defaults for the per-address sign-in throttle: a burst of 10 attempts,
// then one every 6 seconds (10 a minute).
const (
	defaultLoginBurst = 10
	defaultLoginEvery = 6 * time.Second
)

// initAccounts sets up sessions, the sign-in throttle and the background
// purge of expired sessions (which also picks up rotated keys).
func (s *Server) initAccounts(ctx context.Context) error {
	st, err := s.db.NewSessionStore(ctx, s.cfg.SecureCookies)
	if err != nil {
		return err
	}
	extract := ipExtractor(s.cfg.TrustedProxies)
	st.ClientOf = func(r *http.Request) store.Client { return store.Client{IP: extract(r), UserAgent: r.UserAgent()} }
	s.sessions = st
	every, burst := s.cfg.LoginEvery, s.cfg.LoginBurst
	if every <= 0 {
		every = defaultLoginEvery
	}
	if burst <= 0 {
		burst = defaultLoginBurst
	}
	s.loginLimit = newIPLimiter(rate.Every(every), burst)
	s.background(func() { s.maintainSessions(ctx) })
	return nil
}

func (s *Server) maintainSessions(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := s.sessions.Purge(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("purge sessions", "err", err)
		} else if n > 0 {
			s.log.Info("purged expired sessions", "count", n)
		}
		if err := s.sessions.ReloadKeys(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("reload session keys", "err", err)
		}
	}
}

// loadSession signs the request in when it carries a live session cookie.
// Requests without one (every anonymous visitor) get no session and no
// cookie, so catalogue pages stay cacheable.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if _, err := r.Cookie(sessionCookie); err != nil {
			return next(c)
		}
		sess, err := s.sessions.Get(r, sessionCookie)
		if err != nil && !errors.Is(err, store.ErrSessionExpired) {
			return err
		}
		if sess.IsNew { // ended, unknown or tampered with: forget the cookie
			s.expireCookie(c, sessionCookie)
			return next(c)
		}
		uid, _ := sess.Values[store.SessionUserKey].(int64)
		u, err := s.db.SessionUser(r.Context(), uid)
		if store.ErrorCode(err) == store.EUNAUTHORIZED {
			s.sessions.Delete(r.Context(), sess)
			s.expireCookie(c, sessionCookie)
			return next(c)
		} else if err != nil {
			return err
		}
		c.Set(ctxUser, &u)
		c.Set(ctxSession, sess)
		// Signed-in pages are private: no browser or proxy keeps a copy
		// that the back button could show after sign-out.
		c.Response().Header().Set(echo.HeaderCacheControl, cacheControlPrivate)
		if s.sessions.Stale(sess) {
			if err := sess.Save(r, c.Response()); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// expireCookie tells the browser to drop a cookie set for the whole site.
func (s *Server) expireCookie(c echo.Context, name string) { s.dropCookie(c, name, "/") }

// dropCookie tells the browser to drop the cookie name set for path.
func (s *Server) dropCookie(c echo.Context, name, path string) {
	http.SetCookie(c.Response(), &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.isHTTPS(c.Request())})
}

// endSession deletes the signed-in user's session on the server and the cookie.
func (s *Server) endSession(c echo.Context) error {
	sess := currentSession(c)
	if sess == nil {
		return nil
	}
	sess.Options.MaxAge = -1
	return sess.Save(c.Request(), c.Response())
}

// startSession signs u in with a brand-new session id and CSRF token.
func (s *Server) startSession(c echo.Context, u store.User) error {
	r := c.Request()
	if old := currentSession(c); old != nil {
		if err := s.sessions.Delete(r.Context(), old); err != nil {
			return err
		}
	}
	token := rand.Text()
	sess := s.sessions.Fresh(sessionCookie)
	sess.Values[store.SessionUserKey] = u.ID
	sess.Values[csrfSessionKey] = token
	if err := sess.Save(r, c.Response()); err != nil {
		return err
	}
	c.Set(ctxUser, &u)
	c.Set(ctxSession, sess)
	// A token seen before sign-in is worthless afterwards: the session has
	// its own, and the sign-in form's cookie goes.
	c.Set(ctxCSRF, token)
	s.dropCookie(c, s.signinCSRFName(r), "/login")
	return nil
}

// rejectCrossSite answers 403 to a state-changing request that the browser
// says comes from another site or a sibling subdomain (Fetch Metadata),
// before any handler runs. A same-origin header is never taken in place of
// the token: every POST must carry it (csrf.go).
func (s *Server) rejectCrossSite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		site := r.Header.Get(echo.HeaderSecFetchSite)
		// same-site too: a sibling subdomain is another party.
		if !safeMethod(r.Method) && (strings.EqualFold(site, "cross-site") || strings.EqualFold(site, "same-site")) {
			return echo.NewHTTPError(http.StatusForbidden, csrfMessage)
		}
		return next(c)
	}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// requireRole lets through signed-in users with one of roles (any role when
// none is given). Visitors are sent to /login?next=<this page>; signed-in
// users without the role get 403.
func (s *Server) requireRole(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := currentUser(c)
			if u == nil {
				return redirectToLogin(c)
			}
			if len(roles) > 0 && !slices.Contains(roles, u.Role) {
				return echo.NewHTTPError(http.StatusForbidden, "Your account cannot use this page.")
			}
			return next(c)
		}
	}
}

// redirectToLogin sends a visitor to sign in, coming back to the page they
// asked for (GETs only: a POST cannot be replayed by a redirect).
func redirectToLogin(c echo.Context) error {
	r := c.Request()
	target := "/login"
	if r.Method == http.MethodGet {
		if next, ok := safeReturnPath(r.URL.RequestURI()); ok && next != "/" {
			target += "?next=" + url.QueryEscape(next)
		}
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// ipLimiter is a token bucket per client address, for POST /login.
type ipLimiter struct {
	mu    sync.Mutex
	limit rate.Limit
	burst int
	m     map[string]*ipBucket
}

type ipBucket struct {
	*rate.Limiter
	refusing bool // the last request was refused
}

func newIPLimiter(limit rate.Limit, burst int) *ipLimiter {
	return &ipLimiter{limit: limit, burst: burst, m: map[string]*ipBucket{}}
}

// maxLimiters bounds the map; full buckets are dropped first.
const maxLimiters = 100_000

// allow takes one token for the client at ip (as given by c.RealIP(), which
// is safe only because e.IPExtractor is set explicitly; see ipExtractor).
// first reports a refusal that follows an allowed request: the start of a
// burst of refusals, which is worth a row in the security log (each refusal
// is not).
func (l *ipLimiter) allow(ip string) (ok, first bool) {
	key := limiterKey(ip)
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, found := l.m[key]
	if !found {
		if len(l.m) >= maxLimiters {
			for k, v := range l.m {
				if v.TokensAt(now) >= float64(l.burst) {
					delete(l.m, k)
				}
			}
			if len(l.m) >= maxLimiters {
				clear(l.m)
			}
		}
		b = &ipBucket{Limiter: rate.NewLimiter(l.limit, l.burst)}
		l.m[key] = b
	}
	ok = b.AllowN(now, 1)
	first = !ok && !b.refusing
	b.refusing = !ok
	return ok, first
}

// limiterKey groups IPv6 clients by /64, the block one subscriber usually
// holds, so rotating addresses within it does not reset the limit.
func limiterKey(ip string) string {
	a := net.ParseIP(ip)
	if a == nil {
		return ip
	}
	if a.To4() != nil {
		return a.To4().String()
	}
	return a.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
