package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"portal/store"
)

// CSRF: every POST form carries the token in the field _csrf, read from the
// request body only (never the query string), and compared in constant time
// with a token the server made:
//
//   - signed in: the token lives in the server-side session (the
//     synchroniser-token pattern), so no cookie carries it and nothing a
//     browser is sent can forge it;
//   - visitors signing in: GET /login makes a random token and sends it both
//     in the form and in a cookie signed with the session key and scoped to
//     Path=/login (__Secure- prefixed over HTTPS), so it never travels with
//     catalogue pages, and a cookie that the server did not sign — planted
//     by a sibling subdomain, say — is worthless.
//
// Every other POST needs a signed-in user (TestEveryRouteIsInTheMatrix
// keeps it so), so a visitor's POST elsewhere is passed on to be sent to
// sign in, having changed nothing.

// csrfSessionKey is the session value holding the signed-in user's CSRF token.
const csrfSessionKey = "csrf"

// signinCSRFCookie names the sign-in form's token cookie (before its prefix).
const signinCSRFCookie = "portal_signin"

// signinCSRFMaxAge is how long a sign-in form stays usable.
const signinCSRFMaxAge = store.SessionAbsolute

const csrfMessage = "The form had expired or did not come from this service. Go back, reload the page and try again."

// secureName gives a cookie name the __Secure- prefix when it is set over
// HTTPS, so browsers refuse it from plain HTTP (and from a network attacker).
func (s *Server) secureName(r *http.Request, name string) string {
	if s.isHTTPS(r) {
		return "__Secure-" + name
	}
	return name
}

func (s *Server) signinCSRFName(r *http.Request) string { return s.secureName(r, signinCSRFCookie) }

// csrf hands each page its token and checks the token of every POST.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		signin := r.URL.Path == "/login"
		var valid []string
		if sess := currentSession(c); sess != nil {
			tok, err := s.sessionCSRF(c, sess)
			if err != nil {
				return err
			}
			c.Set(ctxCSRF, tok)
			valid = append(valid, tok)
		}
		if signin {
			tok := s.signinToken(r)
			if currentUser(c) == nil {
				if safeMethod(r.Method) {
					if tok == "" {
						tok = rand.Text()
					}
					if err := s.setSigninToken(c, tok); err != nil {
						return err
					}
				}
				c.Set(ctxCSRF, tok) // for the form again after a failed sign-in
			}
			if tok != "" {
				valid = append(valid, tok)
			}
		}
		if safeMethod(r.Method) || (currentUser(c) == nil && !signin) {
			return next(c)
		}
		if !oneOf(r.PostFormValue("_csrf"), valid) {
			return echo.NewHTTPError(http.StatusForbidden, csrfMessage)
		}
		return next(c)
	}
}

// sessionCSRF returns the session's token, making one for a session that
// has none.
func (s *Server) sessionCSRF(c echo.Context, sess *sessions.Session) (string, error) {
	if tok, _ := sess.Values[csrfSessionKey].(string); tok != "" {
		return tok, nil
	}
	tok := rand.Text()
	sess.Values[csrfSessionKey] = tok
	return tok, sess.Save(c.Request(), c.Response())
}

// signinToken returns the token of the request's sign-in cookie, or "" when
// it has none that the server signed in the last signinCSRFMaxAge.
func (s *Server) signinToken(r *http.Request) string {
	name := s.signinCSRFName(r)
	ck, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	tok, ok := s.sessions.Verify(name, ck.Value, signinCSRFMaxAge)
	if !ok {
		return ""
	}
	return tok
}

// setSigninToken sends the sign-in form's cookie (re-signed, so an open
// sign-in page keeps working for signinCSRFMaxAge from its last load). The
// page is then private, no-store: it is per browser, and sets a cookie.
func (s *Server) setSigninToken(c echo.Context, tok string) error {
	r := c.Request()
	name := s.signinCSRFName(r)
	signed, err := s.sessions.Sign(name, tok)
	if err != nil {
		return err
	}
	http.SetCookie(c.Response(), &http.Cookie{Name: name, Value: signed, Path: "/login",
		MaxAge: int(signinCSRFMaxAge / time.Second), HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.isHTTPS(r)})
	c.Response().Header().Set(echo.HeaderCacheControl, cacheControlPrivate)
	return nil
}

// oneOf reports, in constant time for each candidate, whether got is one of
// the valid tokens (an empty token never is).
func oneOf(got string, valid []string) bool {
	ok := false
	for _, v := range valid {
		if got != "" && v != "" && subtle.ConstantTimeCompare([]byte(got), []byte(v)) == 1 {
			ok = true
		}
	}
	return ok
}
