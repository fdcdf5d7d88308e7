package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"time"
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
	e.GET("/account/sessions", s.accountSessions, s.requireRole())
	e.POST("/account/sessions/end-others", s.endOtherSessions, s.requireRole())
	s.adminRoutes(e.Group("/admin", s.requireRole(store.RoleAdmin)))
}

// Limits on the sign-in form; anything longer is refused before hashing.
const (
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
	email := store.EmailText
	email.Empty = "Enter your email address"
	if _, fe := email.Check(f.Email); fe != nil {
		errs = append(errs, *fe)
		f.Email = "" // what was refused is not shown again
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
// failure is 422 with one generic message. Success starts a new session,
// renews the browser's device cookie and goes back to the page the person
// wanted.
func (s *Server) login(c echo.Context) error {
	ctx := c.Request().Context()
	client := s.client(c)
	if ok, first := s.loginLimit.allow(client.IP); !ok {
		s.metrics.signIn(store.OutcomeThrottled, false)
		reqLog(c).Warn("sign-in throttled", "ip", client.IP)
		if first { // one row per burst, not one per refused request
			ev := store.SecurityEvent{Kind: store.SecThrottled, IP: client.IP, Device: store.DeviceSummary(client.UserAgent),
				Detail: "too many sign-in attempts from this address"}
			if err := s.db.LogSecurityEvent(ctx, ev); err != nil {
				return err
			}
		}
		return echo.NewHTTPError(http.StatusTooManyRequests, "There have been too many attempts to sign in from your network. Wait a minute and try again.")
	}
	f, errs := parseLoginForm(formValues(c))
	if errs != nil {
		return s.renderLogin(c, http.StatusUnprocessableEntity, f, errs)
	}
	res, err := s.db.SignIn(ctx, store.SignInAttempt{Email: f.Email, Password: f.Password, Device: s.deviceToken(c.Request()), Client: client})
	if err == nil || store.ErrorCode(err) == store.EUNAUTHORIZED {
		s.metrics.signIn(res.Outcome, res.KnownBrowser)
	}
	if store.ErrorCode(err) == store.EUNAUTHORIZED {
		// The account is named by its HMAC, never by the address typed.
		reqLog(c).Info("sign-in failed", "account", res.Account, "outcome", res.Outcome, "known_browser", res.KnownBrowser, "ip", client.IP)
		return s.renderLogin(c, http.StatusUnprocessableEntity, f, []store.FieldError{{Field: "email", Message: store.SignInFailed}})
	} else if err != nil {
		return err
	}
	u := res.User
	if err := s.startSession(c, u); err != nil {
		return err
	}
	if err := s.setDeviceCookie(c, res.Device); err != nil {
		return err
	}
	reqLog(c).Info("signed in", "user", u.ID, "role", u.Role, "known_browser", res.KnownBrowser, "ip", client.IP)
	return c.Redirect(http.StatusSeeOther, firstNonEmpty(f.Next, "/"))
}

// client is who is asking, for the store: the address and the User-Agent.
func (s *Server) client(c echo.Context) store.Client {
	return store.Client{IP: c.RealIP(), UserAgent: c.Request().UserAgent()}
}

// deviceCookie names the cookie that marks a browser which has signed in to
// an account before (OWASP's device cookie; store/signin.go).
const deviceCookie = "portal_device"

// deviceToken returns the token of the request's device cookie if the
// server signed it, or "".
func (s *Server) deviceToken(r *http.Request) string {
	name := s.secureName(r, deviceCookie)
	ck, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	tok, _ := s.sessions.Verify(name, ck.Value, store.DeviceMaxAge)
	return tok
}

// setDeviceCookie sends the browser its new device token: signed, only ever
// sent to /login, and kept when the person signs out.
func (s *Server) setDeviceCookie(c echo.Context, token string) error {
	r := c.Request()
	name := s.secureName(r, deviceCookie)
	signed, err := s.sessions.Sign(name, token)
	if err != nil {
		return err
	}
	http.SetCookie(c.Response(), &http.Cookie{Name: name, Value: signed, Path: "/login", MaxAge: int(store.DeviceMaxAge / time.Second),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.isHTTPS(r)})
	return nil
}

// logout deletes the session on the server and the cookie (the device
// cookie stays: this browser remains one the account knows).
func (s *Server) logout(c echo.Context) error {
	u := currentUser(c)
	if err := s.endSession(c); err != nil {
		return err
	}
	client := s.client(c)
	ev := store.SecurityEvent{Kind: store.SecSignedOut, UserID: u.ID, IP: client.IP, Device: store.DeviceSummary(client.UserAgent)}
	if err := s.db.LogSecurityEvent(c.Request().Context(), ev); err != nil {
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
