package handlers

import (
	"github.com/labstack/echo/v4"

	"portal/store"
)

// currentUser returns the signed-in user, or nil for a visitor.
func currentUser(c echo.Context) *store.User {
	u, _ := c.Get("user").(*store.User)
	return u
}

// csrfToken returns the request's CSRF token for forms, or "".
func csrfToken(c echo.Context) string {
	t, _ := c.Get("csrf").(string)
	return t
}

// popFlash returns and clears the flash message, or "".
func popFlash(c echo.Context) string {
	return ""
}
