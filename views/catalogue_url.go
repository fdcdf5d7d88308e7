package views

import (
	"net/url"
	"slices"
	"strconv"

	"portal/store"
)

// CatalogueQuery is the catalogue state as it appears in the URL, so every
// link can be built from it and every result page bookmarked.
type CatalogueQuery struct {
	Q          string
	Categories []string
	Suppliers  []string
	Term       int
	Trial      string
	MaxMonthly string // as typed, in pounds; empty when not a valid amount
	// MaxMonthlyInput is what was typed in the maximum price field, shown back
	// even when it is not a valid amount (and so not applied or linked).
	MaxMonthlyInput string
	Sort            string
	Page            int
	// Compare holds the offerings already chosen to compare (the compare
	// page's "Add another" link), so the selection survives a search.
	Compare []string
}

// Values encodes the query; zero values are left out.
func (q CatalogueQuery) Values() url.Values {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	for _, c := range q.Categories {
		v.Add("category", c)
	}
	for _, s := range q.Suppliers {
		v.Add("supplier", s)
	}
	if q.Term > 0 {
		v.Set("term", strconv.Itoa(q.Term))
	}
	if q.Trial != "" {
		v.Set("trial", q.Trial)
	}
	if q.MaxMonthly != "" {
		v.Set("max_monthly", q.MaxMonthly)
	}
	if q.Sort != "" && q.Sort != store.SortRelevance {
		v.Set("sort", q.Sort)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	for _, id := range q.Compare {
		v.Add("id", id)
	}
	return v
}

// Chosen reports whether the offering is already chosen to compare.
func (q CatalogueQuery) Chosen(slug string) bool {
	return slices.Contains(q.Compare, slug)
}

// URL returns the catalogue URL for the query.
func (q CatalogueQuery) URL() string {
	if enc := q.Values().Encode(); enc != "" {
		return "/offerings?" + enc
	}
	return "/offerings"
}

// CSVURL returns the CSV download for the same filters (all pages).
func (q CatalogueQuery) CSVURL() string {
	q.Page, q.Compare = 0, nil
	if enc := q.Values().Encode(); enc != "" {
		return "/offerings.csv?" + enc
	}
	return "/offerings.csv"
}

// WithPage returns the query on another page.
func (q CatalogueQuery) WithPage(n int) CatalogueQuery {
	q.Page = n
	return q
}

func without(list []string, v string) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// RemovableFilter is a selected filter shown above the results as a link
// that removes it.
type RemovableFilter struct {
	Label string
	URL   string
}

// SelectedFilters lists the active filters with links that remove each one.
func (q CatalogueQuery) SelectedFilters(f store.Facets) []RemovableFilter {
	var out []RemovableFilter
	base := q
	base.Page = 0
	label := func(values []store.FacetValue, v string) string {
		for _, x := range values {
			if x.Value == v {
				return x.Label
			}
		}
		return v
	}
	if q.Q != "" {
		r := base
		r.Q = ""
		out = append(out, RemovableFilter{"Search: " + q.Q, r.URL()})
	}
	for _, c := range q.Categories {
		r := base
		r.Categories = without(q.Categories, c)
		out = append(out, RemovableFilter{"Category: " + label(f.Categories, c), r.URL()})
	}
	for _, s := range q.Suppliers {
		r := base
		r.Suppliers = without(q.Suppliers, s)
		out = append(out, RemovableFilter{"Supplier: " + label(f.Suppliers, s), r.URL()})
	}
	if q.Term > 0 {
		r := base
		r.Term = 0
		out = append(out, RemovableFilter{"Term: " + strconv.Itoa(q.Term) + " months", r.URL()})
	}
	if q.Trial != "" {
		r := base
		r.Trial = ""
		out = append(out, RemovableFilter{"Free trial: " + label(f.Trials, q.Trial), r.URL()})
	}
	if q.MaxMonthly != "" {
		r := base
		r.MaxMonthly = ""
		label := "Up to £" + q.MaxMonthly + " a month"
		if pence, err := store.ParsePounds(q.MaxMonthly); err == nil {
			label = "Up to " + store.FormatPence(pence) + " a month"
		}
		out = append(out, RemovableFilter{label, r.URL()})
	}
	return out
}
