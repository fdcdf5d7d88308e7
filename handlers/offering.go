package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
		props.InlifeBP = s.buyerInlifeBP(c, u, o.Agreement.ID)
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
	return render(c, http.StatusOK, views.AgreementPage(views.AgreementProps{Page: s.page(c, a.Title, ""), Agreement: a, Schedule: schedule}))
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
	if n, err := strconv.Atoi(strings.TrimSpace(q.QuantityInput)); err != nil || n < store.MinQuantity || n > store.MaxQuantity {
		if compared {
			errs = append(errs, store.FieldError{Field: "qty", Message: "Quantity must be a whole number from 1 to 100,000"})
		}
	} else {
		q.Quantity = n
	}
	if t := v.Get("term"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 120 {
			if compared {
				errs = append(errs, store.FieldError{Field: "term", Message: "Contract term must be a number of months"})
			}
		} else {
			q.Term = n
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
		inlifeBP = s.buyerInlifeBPs(c, u)
	}
	buildComparison(&props, offerings, inlifeBP)
	status := http.StatusOK
	if len(props.Page.Errors) > 0 {
		status = http.StatusBadRequest
	}
	return render(c, status, views.Compare(props))
}

// buildComparison prices each offering for the chosen quantity and term and
// aligns their attributes row by row.
// inlifeBP holds the buyer's in-life discount by agreement id (offerings
// may span agreements; a missing agreement is 0 bp).
func buildComparison(p *views.CompareProps, offerings []store.Offering, inlifeBP map[int64]int64) {
	// Terms on offer across the selection; the default is the shortest term
	// every offering has, else each offering's own shortest.
	common := map[int]int{}
	for _, o := range offerings {
		for _, t := range o.Terms {
			if common[t] == 0 {
				p.Terms = append(p.Terms, t)
			}
			common[t]++
		}
	}
	if p.Term > 0 && common[p.Term] == 0 {
		p.Terms = append(p.Terms, p.Term) // asked for a term none has: show it chosen
	}
	slices.Sort(p.Terms)
	defaultTerm := 0
	for _, t := range p.Terms {
		if common[t] == len(offerings) {
			defaultTerm = t
			break
		}
	}
	for _, o := range offerings {
		term := p.Term
		if term == 0 {
			term = defaultTerm
		}
		if term == 0 && len(o.Terms) > 0 {
			term = o.Terms[0]
		}
		col := views.CompareColumn{Offering: o, Term: term, Available: o.HasTerm(term),
			RemoveURL: views.CompareURL(slices.DeleteFunc(slices.Clone(p.IDs), func(id string) bool { return id == o.Slug }), p.Quantity, p.Term)}
		if col.Available {
			col.Price = store.PriceLine(store.LineInput{MonthlyPence: o.MonthlyPence, OneOffPence: o.OneOffPence, MouBP: o.MouBP,
				InlifeBP: inlifeBP[o.Agreement.ID], Quantity: int64(p.Quantity), TermMonths: int64(term)})
		}
		p.Columns = append(p.Columns, col)
	}
	money := func(f func(store.LinePrice) int64) func(views.CompareColumn) string {
		return func(c views.CompareColumn) string {
			if !c.Available {
				return "Not available on " + store.FormatMonths(c.Term)
			}
			return store.FormatPence(f(c.Price))
		}
	}
	row := func(label string, f func(views.CompareColumn) string) views.CompareRow {
		r := views.CompareRow{Label: label}
		for _, c := range p.Columns {
			r.Values = append(r.Values, f(c))
		}
		for _, v := range r.Values {
			if v != r.Values[0] {
				r.Differs = true
			}
		}
		return r
	}
	p.Price = []views.CompareRow{
		row("Term priced", func(c views.CompareColumn) string { return store.FormatMonths(c.Term) }),
		row("List price over term", money(func(l store.LinePrice) int64 { return l.ListPence })),
		row("MoU discount", money(func(l store.LinePrice) int64 { return l.MouPence })),
	}
	if p.ShowOwn {
		p.Price = append(p.Price, row("Your in-life discount", money(func(l store.LinePrice) int64 { return l.InlifePence })))
	}
	p.Price = append(p.Price,
		row("Net over term", money(func(l store.LinePrice) int64 { return l.NetPence })),
		row("MoU price per unit a month", func(c views.CompareColumn) string {
			m := store.MonthlyPrice(c.Offering.MonthlyPence, c.Offering.MouBP, 0)
			return store.FormatPence(m.NetPence)
		}),
	)
	p.Contract = []views.CompareRow{
		row("Agreement", func(c views.CompareColumn) string { return c.Offering.Agreement.Title }),
		row("Terms available", func(c views.CompareColumn) string { return termsList(c.Offering.Terms) }),
		row("Unit", func(c views.CompareColumn) string { return c.Offering.Unit }),
		row("Monthly list price", func(c views.CompareColumn) string { return store.FormatPence(c.Offering.MonthlyPence) }),
		row("One-off charge", func(c views.CompareColumn) string { return store.FormatPence(c.Offering.OneOffPence) }),
		row("MoU discount rate", func(c views.CompareColumn) string { return store.FormatBP(c.Offering.MouBP) }),
	}
	var keys []string
	for _, o := range offerings {
		for _, a := range o.Attributes {
			if !slices.Contains(keys, a.Key) {
				keys = append(keys, a.Key)
			}
		}
	}
	for _, k := range keys {
		p.Service = append(p.Service, row(k, func(c views.CompareColumn) string { return c.Offering.Attribute(k) }))
	}
	yes := func(b bool) string {
		if b {
			return "Yes"
		}
		return "No"
	}
	p.Trials = []views.CompareRow{
		row("Free proof-of-value trial", func(c views.CompareColumn) string { return yes(c.Offering.PovTrial) }),
		row("Free SD-WAN trial", func(c views.CompareColumn) string { return yes(c.Offering.SdwanTrial) }),
	}
	p.Social = []views.CompareRow{
		row("Commitments", func(c views.CompareColumn) string { return strings.Join(c.Offering.SocialValue, "; ") }),
	}
}

// termsList says a list of terms in words: "12, 24 or 36 months".
func termsList(terms []int) string {
	if len(terms) == 0 {
		return ""
	}
	s := make([]string, len(terms))
	for i, t := range terms {
		s[i] = strconv.Itoa(t)
	}
	if len(s) == 1 {
		return store.FormatMonths(terms[0])
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1] + " months"
}
