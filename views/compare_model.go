package views

// The compare page's view model: what the page shows, worked out from the
// offerings being compared (PRODUCT.md §8, UI.md "Compare").

import (
	"slices"
	"strings"

	"portal/store"
)

// Build fills the comparison of offerings, in the order given, for the
// quantity and term already in p (Term 0: the shortest term every offering
// has, else each offering's own shortest): prices each for that quantity
// and term and lines their facts up row by row. inlifeBP holds the buyer's
// in-life discount by agreement id (offerings may span agreements; a
// missing agreement is 0 bp); it is used when p.ShowOwn.
func (p *CompareProps) Build(offerings []store.Offering, inlifeBP map[int64]int64) {
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
		col := CompareColumn{Offering: o, Term: term, Available: o.HasTerm(term),
			RemoveURL: CompareURL(slices.DeleteFunc(slices.Clone(p.IDs), func(id string) bool { return id == o.Slug }), p.Quantity, p.Term)}
		if col.Available {
			col.Price = store.PriceLine(store.LineInput{MonthlyPence: o.MonthlyPence, OneOffPence: o.OneOffPence, MouBP: o.MouBP,
				InlifeBP: inlifeBP[o.Agreement.ID], Quantity: int64(p.Quantity), TermMonths: int64(term)})
		}
		p.Columns = append(p.Columns, col)
	}
	money := func(f func(store.LinePrice) int64) func(CompareColumn) string {
		return func(c CompareColumn) string {
			if !c.Available {
				return "Not available on " + store.FormatMonths(c.Term)
			}
			return store.FormatPence(f(c.Price))
		}
	}
	row := func(label string, f func(CompareColumn) string) CompareRow {
		r := CompareRow{Label: label}
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
	p.Price = []CompareRow{
		row("Term priced", func(c CompareColumn) string { return store.FormatMonths(c.Term) }),
		row("List price over term", money(func(l store.LinePrice) int64 { return l.ListPence })),
		row("MoU discount", money(func(l store.LinePrice) int64 { return l.MouPence })),
	}
	if p.ShowOwn {
		p.Price = append(p.Price, row("Your in-life discount", money(func(l store.LinePrice) int64 { return l.InlifePence })))
	}
	p.Price = append(p.Price,
		row("Net over term", money(func(l store.LinePrice) int64 { return l.NetPence })),
		row("MoU price per unit a month", func(c CompareColumn) string {
			m := store.MonthlyPrice(c.Offering.MonthlyPence, c.Offering.MouBP, 0)
			return store.FormatPence(m.NetPence)
		}),
	)
	p.Contract = []CompareRow{
		row("Agreement", func(c CompareColumn) string { return c.Offering.Agreement.Title }),
		row("Terms available", func(c CompareColumn) string { return store.FormatTerms(c.Offering.Terms) }),
		row("Unit", func(c CompareColumn) string { return c.Offering.Unit }),
		row("Monthly list price", func(c CompareColumn) string { return store.FormatPence(c.Offering.MonthlyPence) }),
		row("One-off charge", func(c CompareColumn) string { return store.FormatPence(c.Offering.OneOffPence) }),
		row("MoU discount rate", func(c CompareColumn) string { return store.FormatBP(c.Offering.MouBP) }),
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
		p.Service = append(p.Service, row(k, func(c CompareColumn) string { return stated(c.Offering.Attribute(k)) }))
	}
	yes := func(b bool) string {
		if b {
			return "Yes"
		}
		return "No"
	}
	p.Trials = []CompareRow{
		row("Free proof-of-value trial", func(c CompareColumn) string { return yes(c.Offering.PovTrial) }),
		row("Free SD-WAN trial", func(c CompareColumn) string { return yes(c.Offering.SdwanTrial) }),
	}
	p.Social = []CompareRow{
		row("Commitments", func(c CompareColumn) string { return stated(strings.Join(c.Offering.SocialValue, "; ")) }),
	}
}

// stated is a fact as the comparison shows it: "Not stated" when missing.
func stated(s string) string {
	if strings.TrimSpace(s) == "" {
		return "Not stated"
	}
	return s
}
