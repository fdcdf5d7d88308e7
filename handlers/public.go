package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/store"
)

// publicPage declares an anonymous GET page served through the response
// cache (pagecache.go). A page opts in with one line in routes.go:
//
//	s.publicGET(e, "/agreements/:slug/changes", s.changes, publicPage{deps: onCatalogue})
type publicPage struct {
	// deps are the data sets the page shows (store.DataSet). Its stored
	// copy and its ETag change when any of them changes; a page that shows
	// data no data set counts must not be declared public.
	deps []store.DataSet
	// query canonicalises the page's URL parameters: it returns them
	// encoded in one canonical order without "?" (unknown parameters
	// dropped, values normalised, "" for none), or ok false when the answer
	// is not a page to cache (an error page: the handler then sees the
	// request as sent). nil means the page takes no parameters.
	query func(url.Values) (canonical string, ok bool)
}

// Dependency sets of today's public pages.
var (
	onCatalogue = []store.DataSet{store.DataCatalogue}
	onNothing   []store.DataSet
	// The agreement page shows its trial numbers, and a trial counts as
	// converted once a basket linked to it is approved.
	onAgreement = []store.DataSet{store.DataCatalogue, store.DataTrials, store.DataApprovals}
)

// ctxPageURL holds the canonical path and query of a public page (a string),
// for views.Page.URL: every link a page builds from its own URL uses it.
const ctxPageURL = "page.url"

// publicGET registers h for GET path and serves it through the response
// cache as p declares.
func (s *Server) publicGET(e *echo.Echo, path string, h echo.HandlerFunc, p publicPage) {
	e.GET(path, h)
	s.public[path] = &p
}

// responseCache serves the public pages: it rewrites the request's query to
// its canonical form (so the handler, and every link it renders, sees only
// that), then answers anonymous requests from the cache. It runs before the
// session is loaded: a request carrying a session cookie is never answered
// from the cache nor stored, and goes on down the chain.
//
// Every answer that does not come from the cache gets the Cache-Control
// rule for cookies: one that sets or expires a cookie is private, no-store.
func (s *Server) responseCache(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		p := s.public[c.Path()]
		if p == nil || r.Method != http.MethodGet {
			c.Response().Before(func() { privateIfCookie(c.Response().Header()) })
			return next(c)
		}
		key, ok := p.canonicalURL(r)
		if !ok {
			c.Response().Before(func() { privateIfCookie(c.Response().Header()) })
			return next(c)
		}
		c.Set(ctxPageURL, key)
		if hasSessionCookie(r) {
			c.Response().Before(func() { privateIfCookie(c.Response().Header()) })
			return next(c)
		}
		return s.pages.serve(c, key, p.deps, s.db.Versions(), next)
	}
}

// canonicalURL returns the page's canonical path and query, and rewrites the
// request's query to it; ok is false for a request whose answer is not to be
// cached, which is left as it is.
func (p *publicPage) canonicalURL(r *http.Request) (string, bool) {
	path := (&url.URL{Path: r.URL.Path}).EscapedPath()
	if p.query == nil {
		r.URL.RawQuery = ""
		return path, true
	}
	if r.URL.RawQuery == "" {
		// The common case, without parsing: no parameters is canonical
		// (each page's query function agrees, as the tests check).
		return path, true
	}
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", false // the handler answers what it makes of it
	}
	q, ok := p.query(v)
	if !ok {
		return "", false
	}
	r.URL.RawQuery = q
	if q == "" {
		return path, true
	}
	return path + "?" + q, true
}

// hasSessionCookie reports, without parsing cookies, whether the request may
// carry a session cookie: such requests are never served from the cache. A
// false alarm only costs a render.
func hasSessionCookie(r *http.Request) bool {
	for _, h := range r.Header["Cookie"] {
		if strings.Contains(h, sessionCookie) {
			return true
		}
	}
	return false
}

// privateIfCookie makes an answer that sets or expires a cookie private and
// unstored (a shared cache must never hand one person's cookie to another).
func privateIfCookie(h http.Header) {
	if len(h["Set-Cookie"]) > 0 {
		h.Set(echo.HeaderCacheControl, cacheControlPrivate)
		h.Del("Etag")
	}
}
