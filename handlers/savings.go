package handlers

// The savings dashboard and the pages about the published data (issue 11
// points 5 and 7).

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/store"
	"portal/views"
)

// onSavings: the dashboard sums approved quotes (under the agreements'
// titles, from the catalogue) and shows the trial numbers.
var onSavings = []store.DataSet{store.DataApprovals, store.DataCatalogue, store.DataTrials}

func (s *Server) savingsRoutes(e *echo.Echo) {
	s.publicGET(e, "/transparency/savings", s.savingsPage, publicPage{deps: onSavings})
	s.publicGET(e, "/transparency/about", s.aboutData, publicPage{deps: onNothing})
}

func (s *Server) savingsPage(c echo.Context) error {
	sv, err := s.db.Savings(c.Request().Context(), store.SavingsFilter{})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.SavingsPage(views.SavingsProps{Page: s.page(c, "Savings from approved purchases", "transparency"), Savings: sv}))
}

func (s *Server) aboutData(c echo.Context) error {
	return render(c, http.StatusOK, views.AboutData(views.AboutDataProps{Page: s.page(c, "About the data", "transparency"), PublicURL: s.cfg.PublicURL, OCIDPrefix: s.cfg.OCIDPrefix}))
}
