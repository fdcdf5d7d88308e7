package handlers

import (
	"net/http"
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
	offerings, total, err := s.db.AgreementOfferingsUpTo(ctx, a.ID, maxSchedule)
	if err != nil {
		return err
	}
	stats, err := s.db.TrialStats(ctx, store.TrialStatsFilter{AgreementID: a.ID})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AgreementPage(views.AgreementProps{Page: s.page(c, a.Title, ""), Agreement: a, Offerings: offerings, Total: total,
		TrialStats: stats}))
}

// maxSchedule is the most offerings the agreement page lists in its
// discount schedule; the catalogue has the rest.
const maxSchedule = 200

// maxCompare is the most offerings the compare page shows side by side.
const maxCompare = 4

func (s *Server) compare(c echo.Context) error {
	q := c.QueryParams()
	var ids []string
	for _, id := range q["id"] {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > maxCompare {
		return echo.NewHTTPError(http.StatusBadRequest, "You can compare up to 4 offerings at a time. Remove some and try again.")
	}
	page := s.page(c, "Compare offerings", "offerings")
	props := views.CompareProps{Page: page, IDs: ids, Quantity: 1, QuantityInput: q.Get("qty")}
	if props.QuantityInput == "" {
		props.QuantityInput = "1"
	}
	// With fewer than two offerings there is no quantity or term form to
	// point an error at, so they are not checked.
	compared := len(ids) >= 2
	if n, fe := store.QuantityCount.For("qty").Check(props.QuantityInput); fe != nil {
		if compared {
			props.Page.Errors = append(props.Page.Errors, *fe)
		}
	} else {
		props.Quantity = int(n)
	}
	if t := q.Get("term"); t != "" {
		term := store.Count{Field: "term", Label: "Contract term", Min: 1, Max: store.MaxTermMonths, Example: "24",
			Range: "Contract term must be a number of months from 1 to 120"}
		if n, fe := term.Check(t); fe != nil {
			if compared {
				props.Page.Errors = append(props.Page.Errors, *fe)
			}
		} else {
			props.Term = int(n)
		}
	}
	offerings, err := s.db.OfferingsBySlug(c.Request().Context(), ids)
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
