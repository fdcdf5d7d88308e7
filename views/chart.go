package views

// Charts drawn as inline SVG on the server (issue 11): no library and no
// script. Each chart has a <title> and a <desc> (its text alternative) and is
// followed on the page by a table of the same numbers. The geometry is
// integer arithmetic in the SVG's own units; the SVG scales to its box.

import (
	"strconv"
	"strings"
)

// Chart sizes, in SVG units (CSS shows a chart at most 32rem wide, and
// narrower on narrow screens).
const (
	chartWidth = 400
	// Bar charts: a label line, then the bar with its value after it.
	barLabelHeight = 20
	barHeight      = 22
	barGap         = 14
	barRow         = barLabelHeight + barHeight + barGap
	barValueRoom   = 170 // room right of the longest bar for its value
	// labelRunes is the longest label drawn in full; longer ones end in
	// "…" (the description and the table have them whole).
	labelRunes = 44
	// Column charts: a scale line on top, columns, month labels below.
	columnTop    = 26
	columnPlot   = 180
	columnLabels = 24
)

// ChartBar is one bar: its label, its value and how that value reads.
type ChartBar struct {
	Label string
	// Name is the bar's full name in the text alternative, when Label is
	// short ("Jul" for July 2026); "" means Label.
	Name string
	N    int64  // the value (pence, or a count); never negative
	Text string // the value as shown, e.g. "£1,234.56"
}

// BarChart is a horizontal bar chart.
type BarChart struct {
	ID    string // unique on the page: the title's and desc's ids derive from it
	Title string
	Desc  string // what the chart shows, in words; the values are added
	Bars  []ChartBar
}

func (c BarChart) max() int64 {
	var m int64
	for _, b := range c.Bars {
		m = max(m, b.N)
	}
	return m
}

// scaled is n as a share of max over length units (a visible sliver for
// any value above zero).
func scaled(n, maxN int64, length int) int {
	if n <= 0 || maxN <= 0 {
		return 0
	}
	return max(int(n*int64(length)/maxN), 2)
}

// Height is the SVG's height.
func (c BarChart) Height() string { return strconv.Itoa(len(c.Bars)*barRow - barGap + 2) }

// ViewBox is the SVG's viewBox.
func (c BarChart) ViewBox() string { return "0 0 " + strconv.Itoa(chartWidth) + " " + c.Height() }

// LabelY is the baseline of bar i's label.
func (c BarChart) LabelY(i int) string { return strconv.Itoa(i*barRow + barLabelHeight - 5) }

// BarY is the top of bar i.
func (c BarChart) BarY(i int) string { return strconv.Itoa(i*barRow + barLabelHeight) }

// BarWidth is bar i's length.
func (c BarChart) BarWidth(i int) string {
	return strconv.Itoa(scaled(c.Bars[i].N, c.max(), chartWidth-barValueRoom))
}

// ValueX is where bar i's value starts: just after the bar.
func (c BarChart) ValueX(i int) string {
	return strconv.Itoa(scaled(c.Bars[i].N, c.max(), chartWidth-barValueRoom) + 8)
}

// ValueY is the baseline of bar i's value, level with the bar's middle.
func (c BarChart) ValueY(i int) string {
	return strconv.Itoa(i*barRow + barLabelHeight + barHeight - 6)
}

// BarHeight is every bar's thickness.
func (BarChart) BarHeight() string { return strconv.Itoa(barHeight) }

// Label is bar i's label as drawn: cut to fit the chart's width.
func (c BarChart) Label(i int) string {
	r := []rune(c.Bars[i].Label)
	if len(r) <= labelRunes {
		return string(r)
	}
	return strings.TrimSpace(string(r[:labelRunes-1])) + "…"
}

// Description is the chart's text alternative: what it shows and every
// value.
func (c BarChart) Description() string { return describe(c.Desc, c.Bars) }

func describe(what string, bars []ChartBar) string {
	parts := make([]string, len(bars))
	for i, b := range bars {
		name := b.Name
		if name == "" {
			name = b.Label
		}
		parts[i] = name + ": " + b.Text
	}
	return what + " " + strings.Join(parts, "; ") + "."
}

// ColumnChart is a vertical column chart of a series, such as months.
type ColumnChart struct {
	ID, Title, Desc string
	Columns         []ChartBar // Label is the short label under the column
	// Scale is how the largest value reads (the line on top).
	Scale string
}

func (c ColumnChart) max() int64 { return BarChart{Bars: c.Columns}.max() }

func (c ColumnChart) slot() int { return chartWidth / max(len(c.Columns), 1) }

// ViewBox is the SVG's viewBox.
func (c ColumnChart) ViewBox() string {
	return "0 0 " + strconv.Itoa(chartWidth) + " " + strconv.Itoa(columnTop+columnPlot+columnLabels)
}

// BaseY is the line the columns stand on.
func (ColumnChart) BaseY() string { return strconv.Itoa(columnTop + columnPlot) }

// TopY is the scale line: the largest value's height.
func (ColumnChart) TopY() string { return strconv.Itoa(columnTop) }

// Width is the chart's width.
func (ColumnChart) Width() string { return strconv.Itoa(chartWidth) }

// ColumnX is the left of column i.
func (c ColumnChart) ColumnX(i int) string { return strconv.Itoa(i*c.slot() + c.slot()/5) }

// ColumnWidth is every column's width.
func (c ColumnChart) ColumnWidth() string { return strconv.Itoa(c.slot() - 2*(c.slot()/5)) }

// ColumnHeight is column i's height.
func (c ColumnChart) ColumnHeight(i int) string {
	return strconv.Itoa(scaled(c.Columns[i].N, c.max(), columnPlot))
}

// ColumnY is the top of column i.
func (c ColumnChart) ColumnY(i int) string {
	return strconv.Itoa(columnTop + columnPlot - scaled(c.Columns[i].N, c.max(), columnPlot))
}

// LabelX is the middle of column i, under which its label is centred.
func (c ColumnChart) LabelX(i int) string { return strconv.Itoa(i*c.slot() + c.slot()/2) }

// LabelY is the baseline of the labels under the columns.
func (ColumnChart) LabelY() string { return strconv.Itoa(columnTop + columnPlot + columnLabels - 4) }

// Description is the chart's text alternative.
func (c ColumnChart) Description() string { return describe(c.Desc, c.Columns) }
