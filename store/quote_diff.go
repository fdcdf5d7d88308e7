package store

// What changed between two versions of a quote (issue 8 point 3), so a
// reviewer re-checks only that: lines added, removed and changed (quantity,
// term, prices), requirement changes and the totals. Pure: no SQL.

import (
	"strconv"
)

// Line changes.
const (
	LineWasAdded   = "added"
	LineWasRemoved = "removed"
	LineWasChanged = "changed"
)

// LineDiff is one line that differs between two versions.
type LineDiff struct {
	Change   string // LineWasAdded, LineWasRemoved or LineWasChanged
	Offering string // the offering's name
	Old, New *QuoteLine
	// Changes lists what changed on a changed line, in words:
	// "quantity 10 → 12".
	Changes []string
}

// FieldDiff is one field's old and new value, as shown.
type FieldDiff struct {
	Field    string // as people read it: "Budget (including VAT)"
	Old, New string
}

// VersionDiff is what changed from version From to version To.
type VersionDiff struct {
	From, To     int
	Lines        []LineDiff
	Unchanged    int // lines the same in both
	Requirements []FieldDiff
	Totals       []FieldDiff
}

// Empty reports whether nothing changed.
func (d VersionDiff) Empty() bool {
	return len(d.Lines) == 0 && len(d.Requirements) == 0 && len(d.Totals) == 0
}

// DiffQuotes compares version from's snapshot prev with version to's cur.
// Lines are matched by offering and term; an offering on one term in each
// version whose term changed is one changed line, not a removal and an
// addition.
func DiffQuotes(from int, prev QuoteSnapshot, to int, cur QuoteSnapshot) VersionDiff {
	d := VersionDiff{From: from, To: to}
	type key struct {
		slug string
		term int64
	}
	oldLeft := map[key]int{} // index into prev.Lines, for lines not matched yet
	for i, l := range prev.Lines {
		oldLeft[key{l.OfferingSlug, l.TermMonths}] = i
	}
	matched := make([]int, len(cur.Lines)) // index into prev.Lines, or -1
	for i, l := range cur.Lines {
		k := key{l.OfferingSlug, l.TermMonths}
		if j, ok := oldLeft[k]; ok {
			matched[i] = j
			delete(oldLeft, k)
		} else {
			matched[i] = -1
		}
	}
	// The same offering on another term: pair it when that leaves no doubt.
	for i, l := range cur.Lines {
		if matched[i] >= 0 {
			continue
		}
		var candidates []key
		for k := range oldLeft {
			if k.slug == l.OfferingSlug {
				candidates = append(candidates, k)
			}
		}
		if len(candidates) == 1 {
			matched[i] = oldLeft[candidates[0]]
			delete(oldLeft, candidates[0])
		}
	}
	for i := range cur.Lines {
		n := &cur.Lines[i]
		if matched[i] < 0 {
			d.Lines = append(d.Lines, LineDiff{Change: LineWasAdded, Offering: n.OfferingName, New: n})
			continue
		}
		o := &prev.Lines[matched[i]]
		if ch := lineChanges(*o, *n); len(ch) > 0 {
			d.Lines = append(d.Lines, LineDiff{Change: LineWasChanged, Offering: n.OfferingName, Old: o, New: n, Changes: ch})
		} else {
			d.Unchanged++
		}
	}
	for j := range prev.Lines {
		o := &prev.Lines[j]
		if _, left := oldLeft[key{o.OfferingSlug, o.TermMonths}]; left {
			d.Lines = append(d.Lines, LineDiff{Change: LineWasRemoved, Offering: o.OfferingName, Old: o})
		}
	}

	pr, cr := prev.Requirements, cur.Requirements
	for _, f := range []FieldDiff{
		{"Business need", pr.Need, cr.Need},
		{"Budget (including VAT)", FormatPence(pr.BudgetPence), FormatPence(cr.BudgetPence)},
		{"Number of sites", strconv.FormatInt(pr.Sites, 10), strconv.FormatInt(cr.Sites, 10)},
		{"Needed by", FormatDate(pr.RequiredByDate()), FormatDate(cr.RequiredByDate())},
		{"Evaluation weights", weights(pr), weights(cr)},
	} {
		if f.Old != f.New {
			d.Requirements = append(d.Requirements, f)
		}
	}
	pt, ct := prev.Totals, cur.Totals
	for _, f := range []FieldDiff{
		{"Net total", FormatPence(pt.NetPence), FormatPence(ct.NetPence)},
		{"Gross total", FormatPence(pt.GrossPence), FormatPence(ct.GrossPence)},
		{"In-life discount", FormatBP(prev.Inlife.Tier.BP), FormatBP(cur.Inlife.Tier.BP)},
	} {
		if f.Old != f.New {
			d.Totals = append(d.Totals, f)
		}
	}
	return d
}

// lineChanges lists what changed between two versions of a line.
func lineChanges(o, n QuoteLine) []string {
	var out []string
	if o.Quantity != n.Quantity {
		out = append(out, "quantity "+strconv.FormatInt(o.Quantity, 10)+" → "+strconv.FormatInt(n.Quantity, 10))
	}
	if o.TermMonths != n.TermMonths {
		out = append(out, "term "+FormatMonths(int(o.TermMonths))+" → "+FormatMonths(int(n.TermMonths)))
	}
	if o.MonthlyPence != n.MonthlyPence {
		out = append(out, "monthly price "+FormatPence(o.MonthlyPence)+" → "+FormatPence(n.MonthlyPence))
	}
	if o.OneOffPence != n.OneOffPence {
		out = append(out, "one-off charge "+FormatPence(o.OneOffPence)+" → "+FormatPence(n.OneOffPence))
	}
	if o.MouBP != n.MouBP {
		out = append(out, "MoU discount "+FormatBP(o.MouBP)+" → "+FormatBP(n.MouBP))
	}
	if o.Price.NetPence != n.Price.NetPence {
		out = append(out, "net "+FormatPence(o.Price.NetPence)+" → "+FormatPence(n.Price.NetPence))
	}
	return out
}

func weights(r Requirements) string {
	return "price " + strconv.FormatInt(r.WeightPrice, 10) + "%, quality " + strconv.FormatInt(r.WeightQuality, 10) +
		"%, social value " + strconv.FormatInt(r.WeightSocial, 10) + "%"
}
