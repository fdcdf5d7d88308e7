package views

import (
	"strconv"

	"portal/store"
)

// The savings charts (issue 11 point 5), built from store.Savings so the
// charts, their text alternatives and the tables under them show the same
// numbers.

func listPaidChart(id string, s store.Savings) BarChart {
	return BarChart{ID: id + "-list-paid", Title: "List price against what was paid",
		Desc: "Bar chart of the list price of the approved quotes and what was paid for them, net of VAT.",
		Bars: []ChartBar{
			{Label: "List price", N: s.Total.ListPence, Text: store.FormatPence(s.Total.ListPence)},
			{Label: "Paid (net of VAT)", N: s.Total.NetPence, Text: store.FormatPence(s.Total.NetPence)},
			{Label: "Saved", N: s.Total.SavingsPence, Text: store.FormatPence(s.Total.SavingsPence) + " (" + s.Total.Share() + ")"},
		}}
}

func groupChart(id, title, desc string, gs []store.SavingsGroup) BarChart {
	c := BarChart{ID: id, Title: title, Desc: desc}
	for _, g := range gs {
		c.Bars = append(c.Bars, ChartBar{Label: g.Label, N: g.SavingsPence, Text: store.FormatPence(g.SavingsPence) + " (" + g.Share() + ")"})
	}
	return c
}

func monthChart(id string, s store.Savings) ColumnChart {
	c := ColumnChart{ID: id + "-months", Title: "Savings by month of approval",
		Desc: "Column chart of the savings of the quotes approved in each month, " + monthName(s.ByMonth[0]) + " to " + monthName(s.ByMonth[len(s.ByMonth)-1]) + "."}
	var top int64
	for _, m := range s.ByMonth {
		c.Columns = append(c.Columns, ChartBar{Label: m.Month.Format("Jan"), Name: monthName(m), N: m.SavingsPence, Text: store.FormatPence(m.SavingsPence)})
		top = max(top, m.SavingsPence)
	}
	c.Scale = store.FormatPence(top)
	return c
}

func monthName(m store.SavingsMonth) string { return m.Month.Format("January 2006") }

// monthGroups names each month, for the table under the months chart.
func monthGroups(ms []store.SavingsMonth) []store.SavingsGroup {
	out := make([]store.SavingsGroup, len(ms))
	for i, m := range ms {
		out[i] = store.SavingsGroup{Label: monthName(m), SavingsFigures: m.SavingsFigures}
	}
	return out
}

func trialChart(id string, t store.TrialStats) BarChart {
	return BarChart{ID: id + "-trials", Title: "Free trials and what they led to",
		Desc: "Bar chart of free trials started, completed and leading to a purchase.",
		Bars: []ChartBar{
			{Label: "Trials started", N: int64(t.Started), Text: strconv.Itoa(t.Started)},
			{Label: "Completed", N: int64(t.Completed), Text: strconv.Itoa(t.Completed)},
			{Label: "Led to a purchase", N: int64(t.Converted), Text: strconv.Itoa(t.Converted) + " (" + t.ConversionRate() + ")"},
		}}
}

// tierChart shows how far an organisation's approved purchases
// under an agreement have come towards its next in-life tier.
func tierChart(id string, t store.TierProgress) BarChart {
	return BarChart{ID: id, Title: "Progress to the next in-life tier under " + t.Agreement.Title,
		Desc: "Bar chart of approved purchases so far against the threshold of the next tier.",
		Bars: []ChartBar{
			{Label: "Approved purchases so far", N: t.CumulativePence, Text: store.FormatPence(t.CumulativePence)},
			{Label: "Next tier (" + store.FormatBP(t.Next.BP) + ") from", N: t.Next.FromPence, Text: store.FormatPence(t.Next.FromPence)},
		}}
}
