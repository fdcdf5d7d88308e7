package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/store"
	"portal/views"
)

func (s *Server) offering(c echo.Context) error {
	ctx := c.Request().Context()
	o, err := s.db.Offering(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	a, err := s.db.Agreement(ctx, o.Agreement.Slug)
	if err != nil {
		return err
	}
	history, err := s.db.PriceHistory(ctx, o.ID)
	if err != nil {
		return err
	}
	props := views.OfferingProps{Page: s.page(c, o.Name, "offerings"), Offering: o, Agreement: a, History: history}
	if u := currentUser(c); u.Is(store.RoleBuyer) {
		props.ShowOwn = true
		if props.InlifeBP, err = s.db.InlifeBP(ctx, u, o.Agreement.ID); err != nil {
			return err // never a 0 bp "Your price"
		}
		form, err := s.addToBasketSlot(c, o)
		if err != nil {
			return err
		}
		props.AddToBasket = views.AddToBasketForm(form)
	}
	return render(c, http.StatusOK, views.OfferingPage(props))
}

func (s *Server) agreement(c echo.Context) error {
	ctx := c.Request().Context()
	a, err := s.db.Agreement(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	schedule, err := s.db.AgreementSchedule(ctx, a.ID, maxSchedule)
	if err != nil {
		return err
	}
	stats, err := s.db.TrialStats(ctx, store.TrialStatsFilter{AgreementID: a.ID})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AgreementPage(views.AgreementProps{Page: s.page(c, a.Title, ""), Agreement: a, Schedule: schedule, TrialStats: stats}))
}

// maxSchedule is the most offerings the agreement page lists in its
// discount schedule; the catalogue has the rest.
const maxSchedule = 200

// maxCompare is the most offerings the compare page shows side by side.
const maxCompare = 4

// compareQuery is the compare page's URL parameters, parsed.
type compareQuery struct {
	IDs           []string // offering slugs in column order, without repeats
	Quantity      int
	QuantityInput string // as typed, for the form
	Term          int    // 0: each offering's default term
}

// parseCompareQuery reads the compare page's parameters. More than
// maxCompare offerings is an error of its own (400 with no form); with
// fewer than two offerings there is no quantity or term form to point an
// error at, so they are not checked.
func parseCompareQuery(v url.Values) (q compareQuery, errs []store.FieldError, tooMany bool) {
	for _, id := range v["id"] {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(q.IDs, id) {
			q.IDs = append(q.IDs, id)
		}
	}
	if len(q.IDs) > maxCompare {
		return q, nil, true
	}
	q.Quantity, q.QuantityInput = 1, v.Get("qty")
	if q.QuantityInput == "" {
		q.QuantityInput = "1"
	}
	compared := len(q.IDs) >= 2
	if n, fe := store.QuantityCount.For("qty").Check(q.QuantityInput); fe != nil {
		if compared {
			errs = append(errs, *fe)
		}
	} else {
		q.Quantity = int(n)
	}
	if t := v.Get("term"); t != "" {
		term := store.Count{Field: "term", Label: "Contract term", Min: 1, Max: store.MaxTermMonths, Example: "24",
			Range: "Contract term must be a number of months from 1 to 120"}
		if n, fe := term.Check(t); fe != nil {
			if compared {
				errs = append(errs, *fe)
			}
		} else {
			q.Term = int(n)
		}
	}
	return q, errs, false
}

// canonicalCompare is the compare page's canonical query: the offerings in
// the order chosen (they are the columns), then the quantity and term as
// numbers; not ok when the page would be an error.
func canonicalCompare(v url.Values) (string, bool) {
	q, errs, tooMany := parseCompareQuery(v)
	if tooMany || len(errs) > 0 {
		return "", false
	}
	u := views.CompareURL(q.IDs, q.Quantity, q.Term)
	return strings.TrimPrefix(strings.TrimPrefix(u, "/compare"), "?"), true
}

func (s *Server) compare(c echo.Context) error {
	q, errs, tooMany := parseCompareQuery(c.QueryParams())
	if tooMany {
		return echo.NewHTTPError(http.StatusBadRequest, "You can compare up to 4 offerings at a time. Remove some and try again.")
	}
	page := s.page(c, "Compare offerings", "offerings")
	page.Errors = errs
	props := views.CompareProps{Page: page, IDs: q.IDs, Quantity: q.Quantity, QuantityInput: q.QuantityInput, Term: q.Term}
	offerings, err := s.db.OfferingsBySlug(c.Request().Context(), q.IDs)
	if err != nil {
		return err
	}
	inlifeBP := map[int64]int64{}
	if u := currentUser(c); u.Is(store.RoleBuyer) {
		props.ShowOwn = true
		if inlifeBP, err = s.db.InlifeBPs(c.Request().Context(), u); err != nil {
			return err // never a 0 bp "Your in-life discount"
		}
	}
	props.Build(offerings, inlifeBP)
	status := http.StatusOK
	if len(props.Page.Errors) > 0 {
		status = http.StatusBadRequest
	}
	return render(c, status, views.Compare(props))
}
