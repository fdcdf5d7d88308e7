package store

import (
	"strings"
	"testing"
)

func diffLine(slug, name string, q, term, monthly, net int64) QuoteLine {
	return QuoteLine{OfferingSlug: slug, OfferingName: name, Quantity: q, TermMonths: term, MonthlyPence: monthly, MouBP: 1000,
		Price: LinePrice{NetPence: net}}
}

func TestDiffQuotes(t *testing.T) {
	req := Requirements{Need: "Phones", BudgetPence: 100_000, Sites: 3, RequiredBy: "2026-06-01", WeightPrice: 60, WeightQuality: 30, WeightSocial: 10}
	prev := QuoteSnapshot{
		Requirements: req,
		Lines: []QuoteLine{
			diffLine("sim", "SIM", 10, 24, 1200, 100),
			diffLine("fibre", "Fibre", 2, 36, 5000, 200),
			diffLine("router", "Router", 1, 12, 900, 300),
			diffLine("phone", "Cloud phone", 5, 12, 700, 400),
		},
		Totals: Totals{NetPence: 1000, GrossPence: 1200},
	}
	cur := prev
	cur.Requirements.BudgetPence = 150_000
	cur.Requirements.WeightPrice, cur.Requirements.WeightQuality = 50, 40
	cur.Lines = []QuoteLine{
		diffLine("sim", "SIM", 12, 24, 1200, 120),         // quantity
		diffLine("fibre", "Fibre", 2, 36, 5000, 200),      // the same
		diffLine("phone", "Cloud phone", 5, 24, 650, 410), // term and price
		diffLine("sdwan", "SD-WAN", 1, 36, 4000, 500),     // new
	}
	cur.Totals = Totals{NetPence: 1230, GrossPence: 1476}
	cur.Inlife.Tier.BP = 150

	d := DiffQuotes(1, prev, 2, cur)
	if d.From != 1 || d.To != 2 || d.Unchanged != 1 || d.Empty() {
		t.Fatalf("got from %d to %d, %d unchanged", d.From, d.To, d.Unchanged)
	}
	var got []string
	for _, l := range d.Lines {
		got = append(got, l.Change+" "+l.Offering+": "+strings.Join(l.Changes, "; "))
	}
	want := []string{
		"changed SIM: quantity 10 → 12; net £1.00 → £1.20",
		"changed Cloud phone: term 12 months → 24 months; monthly price £7.00 → £6.50; net £4.00 → £4.10",
		"added SD-WAN: ",
		"removed Router: ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\ngot\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d.Lines[2].New == nil || d.Lines[2].Old != nil || d.Lines[3].Old == nil || d.Lines[3].New != nil {
		t.Fatal("added lines need New only, removed lines Old only")
	}
	var reqs []string
	for _, r := range d.Requirements {
		reqs = append(reqs, r.Field+": "+r.Old+" → "+r.New)
	}
	if got, want := strings.Join(reqs, "\n"), "Budget (including VAT): £1,000.00 → £1,500.00\nEvaluation weights: price 60%, quality 30%, social value 10% → price 50%, quality 40%, social value 10%"; got != want {
		t.Fatalf("requirements:\ngot\n%s\nwant\n%s", got, want)
	}
	var totals []string
	for _, r := range d.Totals {
		totals = append(totals, r.Field+": "+r.Old+" → "+r.New)
	}
	if got, want := strings.Join(totals, "\n"), "Net total: £10.00 → £12.30\nGross total: £12.00 → £14.76\nIn-life discount: 0% → 1.5%"; got != want {
		t.Fatalf("totals:\ngot\n%s\nwant\n%s", got, want)
	}
	if same := DiffQuotes(1, prev, 2, prev); !same.Empty() || same.Unchanged != 4 {
		t.Fatalf("a version identical to the one before: got %+v", same)
	}
}

func TestDiffQuotesSameOfferingOnTwoTerms(t *testing.T) {
	prev := QuoteSnapshot{Lines: []QuoteLine{diffLine("sim", "SIM", 10, 12, 1200, 100), diffLine("sim", "SIM", 5, 24, 1200, 50)}}
	cur := QuoteSnapshot{Lines: []QuoteLine{diffLine("sim", "SIM", 10, 12, 1200, 100), diffLine("sim", "SIM", 5, 36, 1200, 70)}}
	d := DiffQuotes(1, prev, 2, cur)
	if len(d.Lines) != 1 || d.Lines[0].Change != LineWasChanged || d.Lines[0].Old.TermMonths != 24 || d.Lines[0].New.TermMonths != 36 || d.Unchanged != 1 {
		t.Fatalf("got %+v, want the 24-month line changed to 36 months", d.Lines)
	}
}
