package views

// The compare page's view model: what the page shows, worked out from the
// offerings being compared (PRODUCT.md §8, UI.md "Compare").

import (
	"regexp"
	"slices"
	"strconv"
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
		return r
	}
	// decide marks a row buyers decide on: its differences are highlighted
	// and the best value, by measure m (ok false: no measure), is marked.
	decide := func(r CompareRow, best string, m func(i int) (float64, bool), lower bool) CompareRow {
		r.Decides, r.BestText = true, best
		for _, v := range r.Values {
			if v != r.Values[0] {
				r.Differs = true
			}
		}
		if !r.Differs {
			return r
		}
		var top float64
		found, measured := false, 0
		for i := range r.Values {
			if x, ok := m(i); ok {
				measured++
				if !found || (lower && x < top) || (!lower && x > top) {
					top, found = x, true
				}
			}
		}
		if measured < 2 {
			return r
		}
		r.Best = make([]bool, len(r.Values))
		all := true
		for i := range r.Values {
			x, ok := m(i)
			r.Best[i] = ok && x == top
			all = all && r.Best[i]
		}
		if all {
			r.Best = nil
		}
		return r
	}
	byPrice := func(f func(store.LinePrice) int64) func(int) (float64, bool) {
		return func(i int) (float64, bool) {
			c := p.Columns[i]
			return float64(f(c.Price)), c.Available
		}
	}
	list := func(l store.LinePrice) int64 { return l.ListPence }
	mou := func(l store.LinePrice) int64 { return l.MouPence }
	inlife := func(l store.LinePrice) int64 { return l.InlifePence }
	net := func(l store.LinePrice) int64 { return l.NetPence }
	p.Price = []CompareRow{
		row("Term priced", func(c CompareColumn) string { return store.FormatMonths(c.Term) }),
		decide(row("List price over term", money(list)), "", byPrice(list), true),
		decide(row("MoU discount", money(mou)), "", byPrice(mou), false),
	}
	if p.ShowOwn {
		p.Price = append(p.Price, decide(row("Your in-life discount", money(inlife)), "", byPrice(inlife), false))
	}
	p.Price = append(p.Price,
		decide(row("Net over term", money(net)), "Lowest total", byPrice(net), true),
		row("MoU price per unit a month", func(c CompareColumn) string {
			m := store.MonthlyPrice(c.Offering.MonthlyPence, c.Offering.MouBP, 0)
			return store.FormatPence(m.NetPence)
		}),
	)
	// Only the lowest total is named; the other price rows just show
	// where the offerings differ.
	for i := range p.Price {
		if p.Price[i].BestText == "" {
			p.Price[i].Best = nil
		}
	}
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
		r := row(k, func(c CompareColumn) string { return stated(c.Offering.Attribute(k)) })
		if best, lower, ok := deciding(k); ok {
			r = decide(r, best, func(i int) (float64, bool) { return measure(r.Values[i]) }, lower)
		}
		p.Service = append(p.Service, r)
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
	social := row("Commitments", func(c CompareColumn) string { return stated(strings.Join(distinct(c.Offering.SocialValue), "; ")) })
	for _, c := range p.Columns {
		social.Items = append(social.Items, distinct(c.Offering.SocialValue))
	}
	p.Social = []CompareRow{social}
}

// distinct is the list without repeats, in order.
func distinct(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// deciding says whether buyers decide on a service attribute (speeds,
// service levels, fix times), what its best value is called, and whether
// lower is better.
func deciding(key string) (best string, lower, ok bool) {
	k := strings.ToLower(key)
	switch {
	case strings.Contains(k, "speed"):
		return "Fastest", false, true
	case strings.Contains(k, "sla") || strings.Contains(k, "service level"):
		return "Highest", false, true
	case strings.Contains(k, "fix time"):
		return "Quickest", true, true
	}
	return "", false, false
}

var firstNumber = regexp.MustCompile(`[0-9]+(?:\.[0-9]+)?`)

// measure reads a fact's first number, in common units (Mbps for speeds,
// hours for times), for marking the better value; ok false when it has none.
func measure(v string) (float64, bool) {
	m := firstNumber.FindString(v)
	if m == "" {
		return 0, false
	}
	x, err := strconv.ParseFloat(m, 64)
	if err != nil {
		return 0, false
	}
	l := strings.ToLower(v)
	switch {
	case strings.Contains(l, "gbps"):
		x *= 1000
	case strings.Contains(l, "kbps"):
		x /= 1000
	case strings.Contains(l, "day"):
		x *= 24
	}
	return x, true
}

// stated is a fact as the comparison shows it: "Not stated" when missing.
func stated(s string) string {
	if strings.TrimSpace(s) == "" {
		return "Not stated"
	}
	return s
}
