package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/store"
	"portal/views"
)

// adminRoutes registers the admin pages; the group already requires an admin.
func (s *Server) adminRoutes(g *echo.Group) {
	g.GET("", s.adminHome)
	g.GET("/users", s.adminUsers)
	g.GET("/users/new", s.adminNewUser)
	g.POST("/users", s.adminCreateUser)
	g.POST("/users/:id/disable", s.adminSetUserActive(false))
	g.POST("/users/:id/enable", s.adminSetUserActive(true))
	g.GET("/security", s.adminSecurity)
	g.GET("/organisations", s.adminOrgs)
	g.GET("/organisations/new", s.adminNewOrg)
	g.POST("/organisations", s.adminCreateOrg)
	g.POST("/organisations/:id/disable", s.adminSetOrgActive(false))
	g.POST("/organisations/:id/enable", s.adminSetOrgActive(true))
}

// adminIDParam reads the :id path parameter as a positive integer.
func adminIDParam(c echo.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) adminHome(c echo.Context) error {
	ctx := c.Request().Context()
	users, err := s.db.Users(ctx, currentUser(c))
	if err != nil {
		return err
	}
	orgs, err := s.db.Organisations(ctx, currentUser(c))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AdminHome(views.AdminHomeProps{Page: s.page(c, "Admin", "admin"), Users: len(users), Orgs: len(orgs)}))
}

func (s *Server) adminUsers(c echo.Context) error {
	users, err := s.db.Users(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	suppliers, err := s.db.SupplierChoices(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AdminUsers(views.AdminUsersProps{Page: s.page(c, "Users", "admin"), Users: users, Suppliers: suppliers}))
}

// userForm reads the new-user form.
func userForm(c echo.Context) store.NewUser {
	org, _ := strconv.ParseInt(formValue(c, "org"), 10, 64)
	return store.NewUser{
		Name:         formValue(c, "name"),
		Email:        formValue(c, "email"),
		OrgID:        org,
		Role:         formValue(c, "role"),
		SupplierSlug: formValue(c, "supplier"),
		Password:     formValue(c, "password"),
	}
}

func (s *Server) renderUserForm(c echo.Context, status int, n store.NewUser, errs []store.FieldError) error {
	ctx := c.Request().Context()
	orgs, err := s.db.Organisations(ctx, currentUser(c))
	if err != nil {
		return err
	}
	suppliers, err := s.db.SupplierChoices(ctx)
	if err != nil {
		return err
	}
	page := s.page(c, "Add a user", "admin")
	page.Errors = errs
	n.Password = "" // never echo a password back
	return render(c, status, views.AdminUserForm(views.AdminUserFormProps{Page: page, Form: n, Orgs: orgs, Suppliers: suppliers}))
}

func (s *Server) adminNewUser(c echo.Context) error {
	return s.renderUserForm(c, http.StatusOK, store.NewUser{}, nil)
}

func (s *Server) adminCreateUser(c echo.Context) error {
	n := userForm(c)
	u, err := s.db.CreateUser(c.Request().Context(), currentUser(c), n)
	if store.ErrorCode(err) == store.EINVALID {
		return s.renderUserForm(c, http.StatusUnprocessableEntity, n, store.ErrorFields(err))
	} else if err != nil {
		return err
	}
	reqLog(c).Info("user created", "by", currentUser(c).ID, "user", u.ID, "role", u.Role, "org", u.OrgID)
	setFlash(c, fmt.Sprintf("Account created for %s (%s)", u.Name, u.Email))
	return c.Redirect(http.StatusSeeOther, "/admin/users")
}

func (s *Server) adminSetUserActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, ok := adminIDParam(c)
		if !ok {
			return echo.ErrNotFound
		}
		u, err := s.db.SetUserActive(c.Request().Context(), currentUser(c), id, active)
		if err != nil {
			return err
		}
		reqLog(c).Info("user active changed", "by", currentUser(c).ID, "user", u.ID, "active", active)
		if active {
			setFlash(c, fmt.Sprintf("%s can sign in again", u.Name))
		} else {
			setFlash(c, fmt.Sprintf("%s’s account is disabled and they have been signed out", u.Name))
		}
		return c.Redirect(http.StatusSeeOther, "/admin/users")
	}
}

func (s *Server) adminOrgs(c echo.Context) error {
	orgs, err := s.db.Organisations(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AdminOrgs(views.AdminOrgsProps{Page: s.page(c, "Organisations", "admin"), Orgs: orgs}))
}

func (s *Server) renderOrgForm(c echo.Context, status int, n store.NewOrganisation, errs []store.FieldError) error {
	page := s.page(c, "Add an organisation", "admin")
	page.Errors = errs
	return render(c, status, views.AdminOrgForm(views.AdminOrgFormProps{Page: page, Form: n}))
}

func (s *Server) adminNewOrg(c echo.Context) error {
	return s.renderOrgForm(c, http.StatusOK, store.NewOrganisation{}, nil)
}

func (s *Server) adminCreateOrg(c echo.Context) error {
	n := store.NewOrganisation{Name: formValue(c, "name"), Type: formValue(c, "type"), Identifier: strings.TrimSpace(formValue(c, "identifier"))}
	o, err := s.db.CreateOrganisation(c.Request().Context(), currentUser(c), n)
	if store.ErrorCode(err) == store.EINVALID {
		return s.renderOrgForm(c, http.StatusUnprocessableEntity, n, store.ErrorFields(err))
	} else if err != nil {
		return err
	}
	reqLog(c).Info("organisation created", "by", currentUser(c).ID, "org", o.ID)
	setFlash(c, fmt.Sprintf("%s added", o.Name))
	return c.Redirect(http.StatusSeeOther, "/admin/organisations")
}

func (s *Server) adminSetOrgActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, ok := adminIDParam(c)
		if !ok {
			return echo.ErrNotFound
		}
		o, err := s.db.SetOrganisationActive(c.Request().Context(), currentUser(c), id, active)
		if err != nil {
			return err
		}
		reqLog(c).Info("organisation active changed", "by", currentUser(c).ID, "org", o.ID, "active", active)
		if active {
			setFlash(c, fmt.Sprintf("%s is enabled; its users can sign in again", o.Name))
		} else {
			setFlash(c, fmt.Sprintf("%s is disabled and its users have been signed out", o.Name))
		}
		return c.Redirect(http.StatusSeeOther, "/admin/organisations")
	}
}

// adminSecurity is the security log with its filters (GET /admin/security).
// Bad filter values are shown as errors above the form (400), with the
// unfiltered first page below.
func (s *Server) adminSecurity(c echo.Context) error {
	q := c.QueryParams()
	f := store.SecurityFilter{Kind: q.Get("kind"), Email: strings.TrimSpace(q.Get("email")), IP: strings.TrimSpace(q.Get("ip")),
		From: q.Get("from"), To: q.Get("to"), Page: q.Get("page")}
	page := s.page(c, "Security log", "admin")
	status := http.StatusOK
	if errs := f.Validate(); errs != nil {
		page.Errors, status = errs, http.StatusBadRequest
	}
	query := f
	if status != http.StatusOK {
		query = store.SecurityFilter{}
	}
	res, err := s.db.SecurityEvents(c.Request().Context(), currentUser(c), query)
	if err != nil {
		return err
	}
	if res.Page > res.Pages && status == http.StatusOK {
		return echo.ErrNotFound
	}
	return render(c, status, views.AdminSecurity(views.AdminSecurityProps{Page: page, Filter: f, Result: res}))
}
