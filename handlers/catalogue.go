package handlers

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/store"
	"portal/views"
)

// parseCatalogueQuery reads the catalogue's URL parameters. Bad values are
// reported as field errors and left out of the search, never a 500.
func parseCatalogueQuery(v url.Values) (views.CatalogueQuery, store.SearchParams, []store.FieldError) {
	var errs []store.FieldError
	q := views.CatalogueQuery{
		Q:               store.CleanSearch(v.Get("q")),
		Categories:      filterValues(v["category"]),
		Suppliers:       filterValues(v["supplier"]),
		Trial:           v.Get("trial"),
		MaxMonthlyInput: v.Get("max_monthly"),
		Sort:            v.Get("sort"),
		Compare:         compareChoice(v["id"]),
	}
	p := store.SearchParams{Query: q.Q, Categories: q.Categories, Suppliers: q.Suppliers, MaxMonthly: -1}
	if t := v.Get("term"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 120 {
			errs = append(errs, store.FieldError{Field: "term-any", Message: "Contract term must be a number of months from 1 to 120"})
		} else {
			q.Term, p.Term = n, n
		}
	}
	switch q.Trial {
	case "", store.TrialPOV, store.TrialSDWAN:
		p.Trial = q.Trial
	default:
		errs = append(errs, store.FieldError{Field: "trial-any", Message: "Free trial must be proof of value or SD-WAN"})
		q.Trial = ""
	}
	if in := strings.TrimSpace(q.MaxMonthlyInput); in != "" {
		pence, err := store.ParsePounds(in)
		if err != nil {
			errs = append(errs, store.FieldError{Field: "max_monthly", Message: "Maximum monthly price must be an amount in pounds, like 25 or 12.50"})
		} else {
			// In one form however it was typed ("£1,250.5" is "1250.50").
			q.MaxMonthly, p.MaxMonthly = poundsInput(pence), pence
			q.MaxMonthlyInput = q.MaxMonthly
		}
	}
	switch q.Sort {
	case "", store.SortRelevance, store.SortPriceAsc, store.SortPriceDesc, store.SortName:
		p.Sort = q.Sort
	default:
		errs = append(errs, store.FieldError{Field: "sort", Message: "Sort must be relevance, price or name"})
		q.Sort = ""
	}
	p.Page = 1
	if s := v.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100000 {
			// No field holds the page: the message links to the results.
			errs = append(errs, store.FieldError{Field: "results", Message: "Page must be a whole number of 1 or more"})
		} else {
			q.Page, p.Page = n, n
		}
	}
	return q, p, errs
}

// compareChoice is the catalogue's "id" parameters: the offerings already
// chosen to compare, in the order chosen, without repeats or values that
// cannot be an offering's slug, at most maxCompare.
func compareChoice(in []string) []string {
	var out []string
	for _, id := range in {
		if id = strings.TrimSpace(id); store.IsSlug(id) && !slices.Contains(out, id) && len(out) < maxCompare {
			out = append(out, id)
		}
	}
	return out
}

// filterValues are a repeatable filter's values: trimmed, without empty
// ones or repeats, at most 50, in sorted order (the order they were given in
// makes no difference to the results, and so none to the URL).
func filterValues(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && len(out) < 50 {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// poundsInput writes pence as a form field would take it: "25", "12.50".
func poundsInput(pence int64) string {
	s := strconv.FormatInt(pence/100, 10)
	if p := pence % 100; p != 0 {
		s += fmt.Sprintf(".%02d", p)
	}
	return s
}

// canonicalCatalogue is the catalogue's canonical query: what parsing
// understood, in one order, or not ok when the query has errors (a 400 page).
func canonicalCatalogue(v url.Values) (string, bool) {
	q, _, errs := parseCatalogueQuery(v)
	if len(errs) > 0 {
		return "", false
	}
	return q.Values().Encode(), true
}

func (s *Server) catalogue(c echo.Context) error {
	q, params, errs := parseCatalogueQuery(c.QueryParams())
	res, err := s.db.SearchOfferings(c.Request().Context(), params)
	if err != nil {
		return err
	}
	if res.Stale { // the catalogue changed and its index is being rebuilt
		dontStore(c)
	}
	page := s.page(c, "Offerings", "offerings")
	page.Errors = errs
	props := views.CatalogueProps{Page: page, Query: q, Result: res}
	if u := currentUser(c); u.Is(store.RoleBuyer) {
		props.ShowOwn = true
		// A failed tier lookup fails the page: a 0 bp price labelled
		// "Your price" would be wrong money on screen.
		if props.InlifeByAgreement, err = s.db.InlifeBPs(c.Request().Context(), u); err != nil {
			return err
		}
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusBadRequest
	}
	return render(c, status, views.Catalogue(props))
}

func (s *Server) catalogueCSV(c echo.Context) error {
	_, params, errs := parseCatalogueQuery(c.QueryParams())
	if len(errs) > 0 {
		return echo.NewHTTPError(http.StatusBadRequest, errs[0].Message)
	}
	header := []string{"slug", "name", "supplier", "agreement", "category", "unit", "monthly_pence", "one_off_pence", "mou_discount_bp", "term_options", "pov_trial", "sdwan_trial"}
	return s.streamCSV(c, "offerings.csv", header, func(w *csv.Writer) error {
		// A few hundred rows at a time: a whole large catalogue never sits
		// in memory.
		return s.db.EachSearchOffering(c.Request().Context(), params, func(o store.Offering) error {
			return w.Write([]string{o.Slug, csvSafe(o.Name), o.Supplier.Slug, o.Agreement.Slug, o.Category.Slug, csvSafe(o.Unit),
				strconv.FormatInt(o.MonthlyPence, 10), strconv.FormatInt(o.OneOffPence, 10), strconv.FormatInt(o.MouBP, 10),
				o.TermsString(), strconv.FormatBool(o.PovTrial), strconv.FormatBool(o.SdwanTrial)})
		})
	})
}

// streamCSV answers with a CSV download: the header row at once, then the
// rows that rows writes as it reads them. The status is sent before the
// rows, so a failure part-way aborts the connection: the client sees a
// broken download, never a 200 with a file cut short that looks whole.
// Cells that people typed go through csvSafe.
func (s *Server) streamCSV(c echo.Context, filename string, header []string, rows func(w *csv.Writer) error) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	w.Write(header)
	w.Flush()
	c.Response().Flush() // the download starts at once; rows follow as they are read
	err := rows(w)
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err != nil {
		reqLog(c).Error("csv cut short: aborting the response", "file", filename, "err", err)
		panic(http.ErrAbortHandler) // Echo's Recover passes it on; net/http drops the connection
	}
	return nil
}

// csvSafe stops a spreadsheet treating a text cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
