package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"portal/store"
	"portal/views"
)

// accountRoutes registers sign-in, sign-out, the organisation page and the
// admin pages.
func (s *Server) accountRoutes(e *echo.Echo) {
	e.GET("/login", s.loginPage)
	e.POST("/login", s.login)
	e.POST("/logout", s.logout, s.requireRole())
	e.GET("/organisations/:id", s.organisationPage, s.requireRole())
	s.adminRoutes(e.Group("/admin", s.requireRole(store.RoleAdmin)))
}

// Limits on the sign-in form; anything longer is refused before hashing.
const (
	maxEmailLen    = 254
	maxPasswordLen = 1024 // bytes
	maxNextLen     = 2048
)

// loginForm is the parsed POST /login form.
type loginForm struct {
	Email    string
	Password string
	Next     string // a safe return path, or ""
}

// parseLoginForm reads the sign-in form. The errors are in form order; an
// unsafe return path is dropped, not an error.
func parseLoginForm(v url.Values) (loginForm, []store.FieldError) {
	f := loginForm{Email: strings.TrimSpace(v.Get("email")), Password: v.Get("password")}
	if next, ok := safeReturnPath(v.Get("next")); ok {
		f.Next = next
	}
	var errs []store.FieldError
	switch {
	case f.Email == "":
		errs = append(errs, store.FieldError{Field: "email", Message: "Enter your email address"})
	case len(f.Email) > maxEmailLen || !utf8.ValidString(f.Email):
		errs = append(errs, store.FieldError{Field: "email", Message: "Enter an email address of 254 characters or fewer"})
		f.Email = ""
	}
	switch {
	case f.Password == "":
		errs = append(errs, store.FieldError{Field: "password", Message: "Enter your password"})
	case len(f.Password) > maxPasswordLen:
		errs = append(errs, store.FieldError{Field: "password", Message: "Enter a password of 1024 characters or fewer"})
	}
	return f, errs
}

// safeReturnPath reports whether next is a path on this site that is safe to
// redirect to after sign-in, and returns it. It must start with exactly one
// "/" and contain no backslash or control character (browsers treat "\" as
// "/" and drop tabs and newlines, turning "/\evil.example" or "/\t/evil" into
// another host), and parse with no scheme or host.
//
// Fuzz it with: go test ./handlers -run '^$' -fuzz FuzzSafeReturnPath -fuzztime 30s
func safeReturnPath(next string) (string, bool) {
	if next == "" || len(next) > maxNextLen || next[0] != '/' || strings.HasPrefix(next, "//") {
		return "", false
	}
	for _, r := range next {
		if r == '\\' || r < 0x20 || r == 0x7f || r == ' ' || r == utf8.RuneError {
			return "", false
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "", false
	}
	return next, true
}

func (s *Server) loginPage(c echo.Context) error {
	next, _ := safeReturnPath(c.QueryParam("next"))
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, firstNonEmpty(next, "/"))
	}
	return s.renderLogin(c, http.StatusOK, loginForm{Next: next}, nil)
}

func (s *Server) renderLogin(c echo.Context, status int, f loginForm, errs []store.FieldError) error {
	page := s.page(c, "Sign in", "")
	page.Errors = errs
	return render(c, status, views.Login(views.LoginProps{Page: page, Email: f.Email, Next: f.Next}))
}

// login checks the per-address throttle (429), then the credentials; any
// failure is 422 with one generic message. Success starts a new session and
// goes back to the page the person wanted.
func (s *Server) login(c echo.Context) error {
	ip := c.RealIP()
	if !s.loginLimit.allow(ip) {
		reqLog(c).Warn("sign-in throttled", "ip", ip)
		return echo.NewHTTPError(http.StatusTooManyRequests, "There have been too many attempts to sign in from your network. Wait a minute and try again.")
	}
	params, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	f, errs := parseLoginForm(params)
	if errs != nil {
		return s.renderLogin(c, http.StatusUnprocessableEntity, f, errs)
	}
	u, err := s.db.SignIn(c.Request().Context(), f.Email, f.Password)
	if store.ErrorCode(err) == store.EUNAUTHORIZED {
		reqLog(c).Info("sign-in failed", "ip", ip)
		return s.renderLogin(c, http.StatusUnprocessableEntity, f, []store.FieldError{{Field: "email", Message: store.SignInFailed}})
	} else if err != nil {
		return err
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	reqLog(c).Info("signed in", "user", u.ID, "role", u.Role, "ip", ip)
	return c.Redirect(http.StatusSeeOther, firstNonEmpty(f.Next, "/"))
}

// logout deletes the session on the server and the cookie.
func (s *Server) logout(c echo.Context) error {
	u := currentUser(c)
	if err := s.endSession(c); err != nil {
		return err
	}
	reqLog(c).Info("signed out", "user", u.ID)
	return c.Redirect(http.StatusSeeOther, "/")
}

// organisationPage shows a user's own organisation and its members; any
// other organisation is 404 (admins see all).
func (s *Server) organisationPage(c echo.Context) error {
	id, ok := adminIDParam(c)
	if !ok {
		return echo.ErrNotFound
	}
	o, members, err := s.db.Organisation(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.OrganisationPage(views.OrganisationProps{Page: s.page(c, o.Name, ""), Org: o, Members: members}))
}
