package handlers

import (
	"errors"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"portal/store"
)

// Context keys set by the session middleware.
const (
	ctxUser    = "user"
	ctxSession = "session"
	ctxCSRF    = "csrf" // the token for the page's forms (csrf.go)
)

// sessionCookie names the session cookie; it holds only a signed random id.
const sessionCookie = "portal_session"

// flashKey is the session value holding the flash message.
const flashKey = "flash"

// currentUser returns the signed-in user, or nil for a visitor. Store queries
// that touch organisation data take this user and scope by its OrgID.
func currentUser(c echo.Context) *store.User {
	u, _ := c.Get(ctxUser).(*store.User)
	return u
}

// currentSession returns the signed-in user's session, or nil for a visitor
// (visitors never get a session: catalogue pages stay free of per-request state).
func currentSession(c echo.Context) *sessions.Session {
	s, _ := c.Get(ctxSession).(*sessions.Session)
	return s
}

// csrfToken returns the request's CSRF token for the `_csrf` field of forms,
// or "" when the page carries no form that needs one (anonymous GETs other
// than /login).
func csrfToken(c echo.Context) string {
	t, _ := c.Get(ctxCSRF).(string)
	return t
}

// setFlash stores a message to show once on the next page (after a
// successful POST and its 303). It needs a signed-in user.
func setFlash(c echo.Context, msg string) {
	sess := currentSession(c)
	if sess == nil {
		return
	}
	sess.Values[flashKey] = msg
	saveFlash(c, sess)
}

// popFlash returns and clears the flash message, or "".
func popFlash(c echo.Context) string {
	sess := currentSession(c)
	if sess == nil {
		return ""
	}
	msg, _ := sess.Values[flashKey].(string)
	if msg == "" {
		return ""
	}
	delete(sess.Values, flashKey)
	saveFlash(c, sess)
	return msg
}

// saveFlash saves the session after its flash changed. A session ended
// meanwhile (the person signed out in another tab while this request ran) is
// routine, not an error: the flash simply has nowhere to go.
func saveFlash(c echo.Context, sess *sessions.Session) {
	err := sess.Save(c.Request(), c.Response())
	switch {
	case errors.Is(err, store.ErrSessionExpired):
		reqLog(c).Debug("flash not saved: the session ended during the request")
	case err != nil:
		reqLog(c).Error("save session", "err", err)
	}
}
