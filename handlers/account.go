package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/views"
)

// accountSessions lists the signed-in person's active sign-ins (PRODUCT.md §8).
func (s *Server) accountSessions(c echo.Context) error {
	list, err := s.sessions.UserSessions(c.Request().Context(), currentUser(c), currentSession(c))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AccountSessions(views.AccountSessionsProps{Page: s.page(c, "Your sign-ins", "account"), Sessions: list}))
}

// endOtherSessions signs the person out everywhere but here.
func (s *Server) endOtherSessions(c echo.Context) error {
	u := currentUser(c)
	n, err := s.sessions.EndOtherSessions(c.Request().Context(), u, currentSession(c), s.client(c))
	if err != nil {
		return err
	}
	reqLog(c).Info("other sessions ended", "user", u.ID, "count", n)
	switch n {
	case 0:
		setFlash(c, "You were not signed in anywhere else")
	case 1:
		setFlash(c, "You have been signed out of 1 other sign-in")
	default:
		setFlash(c, fmt.Sprintf("You have been signed out of %d other sign-ins", n))
	}
	return c.Redirect(http.StatusSeeOther, "/account/sessions")
}
