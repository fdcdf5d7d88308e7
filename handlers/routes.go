package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"portal/static"
	"portal/store"
	"portal/views"
)

func (s *Server) addRoutes(e *echo.Echo) {
	e.Pre(s.requestID)       // first: every answer and log line carries the request id
	e.Pre(s.observe)         // metrics: every answer, by route and final status
	e.Pre(s.securityHeaders) // so every answer has them, even a 413 or a redirect
	e.Pre(headAsGet)
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		reqLog(c).Error("panic", "err", err, "stack", string(stack))
		return err
	}}))
	// Cached pages are answered here, before the body or the session is
	// looked at (requests with a session cookie go on).
	e.Use(s.responseCache)
	e.Use(readBody) // before the CSRF check, which reads _csrf from the body it parses
	e.Use(s.loadSession, s.rejectCrossSite, s.csrf)

	e.GET("/healthz", s.healthz)
	e.GET("/static/*", serveStatic)
	e.GET("/offerings.csv", s.catalogueCSV)
	// Public pages, served through the response cache to visitors. Each
	// names the data it shows; pages that take parameters name the
	// function that puts them in canonical form (public.go).
	s.publicGET(e, "/", s.home, publicPage{deps: onCatalogue})
	s.publicGET(e, "/offerings", s.catalogue, publicPage{deps: onCatalogue, query: canonicalCatalogue})
	s.publicGET(e, "/offerings/:slug", s.offering, publicPage{deps: onCatalogue})
	s.publicGET(e, "/compare", s.compare, publicPage{deps: onCatalogue, query: canonicalCompare})
	// The trials issue adds store.DataTrials (and approvals, if shown) when
	// this page shows trial numbers.
	s.publicGET(e, "/agreements/:slug", s.agreement, publicPage{deps: onAgreement})
	s.publicGET(e, "/help/:page", s.help, publicPage{deps: onNothing})
	s.accountRoutes(e)
	s.basketRoutes(e)
	s.reviewRoutes(e)
	s.trialRoutes(e)
	s.savingsRoutes(e)
}

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if s.isHTTPS(c.Request()) {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return next(c)
	}
}

func serveStatic(c echo.Context) error {
	f, ok := static.Lookup(c.Request().URL.Path)
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, f.ContentType, f.Body)
}

func (s *Server) home(c echo.Context) error {
	ctx := c.Request().Context()
	agreements, err := s.db.Agreements(ctx)
	if err != nil {
		return err
	}
	cats, err := s.db.Categories(ctx)
	if err != nil {
		return err
	}
	props := views.HomeProps{Page: s.page(c, views.ServiceName, "home"), Agreements: agreements, Categories: cats}
	if u := currentUser(c); u.Is(store.RoleBuyer) {
		baskets, err := s.db.Baskets(ctx, u)
		if err != nil {
			return err
		}
		props.Baskets = views.GroupBaskets(baskets)
		if props.Quotes, err = s.db.RecentQuotes(ctx, u, 5); err != nil {
			return err
		}
		savings, err := s.db.OrgSavings(ctx, u)
		if err != nil {
			return err
		}
		props.Savings = &savings
	}
	if u := currentUser(c); u.Is(store.RoleReviewer) {
		h, err := s.db.ReviewerHome(ctx, u, 5)
		if err != nil {
			return err
		}
		props.Reviewer = &h
	}
	return render(c, http.StatusOK, views.Home(props))
}

func (s *Server) help(c echo.Context) error {
	page, ok := views.HelpPages[c.Param("page")]
	if !ok {
		return echo.ErrNotFound
	}
	return render(c, http.StatusOK, views.Help(s.page(c, page.Title, ""), page))
}

// headAsGet answers HEAD like GET (net/http drops the body), so monitors and
// link checkers get the real status instead of 405.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method == http.MethodHead {
			c.Request().Method = http.MethodGet
		}
		return next(c)
	}
}
