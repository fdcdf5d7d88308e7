package views

import (
	"reflect"
	"testing"

	"portal/store"
)

func TestCompareBuild(t *testing.T) {
	// Two offerings under two agreements. Sim: £20.00 a month, no one-off,
	// 10 % MoU discount, 12/24/36 months. Line: £100.00 a month, £250.00
	// one-off, 5 % MoU discount, 24/36 months.
	sim := store.Offering{Slug: "sim", Name: "Sim", Agreement: store.AgreementRef{ID: 1, Title: "MoU"}, Unit: "SIM",
		MonthlyPence: 2000, MouBP: 1000, Terms: []int{12, 24, 36},
		Attributes: []store.Attribute{{Key: "Data", Value: "30GB"}, {Key: "Coverage", Value: "UK"}}, PovTrial: true,
		SocialValue: []string{"Apprentices"}}
	line := store.Offering{Slug: "line", Name: "Line", Agreement: store.AgreementRef{ID: 2, Title: "Other"}, Unit: "line",
		MonthlyPence: 10000, OneOffPence: 25000, MouBP: 500, Terms: []int{24, 36},
		Attributes: []store.Attribute{{Key: "Coverage", Value: "UK"}, {Key: "Speed", Value: "1Gbps"}}}
	tests := []struct {
		name      string
		props     CompareProps
		inlife    map[int64]int64
		wantTerms []int
		wantCols  []int  // the term each column is priced on
		wantAvail []bool // whether each offering has that term
		want      map[string][]string
		differs   map[string]bool
		noRow     []string
	}{
		{
			name:      "the shortest common term, quantity 10, as a visitor",
			props:     CompareProps{IDs: []string{"sim", "line"}, Quantity: 10},
			wantTerms: []int{12, 24, 36}, wantCols: []int{24, 24}, wantAvail: []bool{true, true},
			want: map[string][]string{
				"Term priced": {"24 months", "24 months"},
				// 10 × £20 × 24 = £4,800; 10 × (£100 × 24 + £250) = £26,500
				"List price over term": {"£4,800.00", "£26,500.00"},
				"MoU discount":         {"£480.00", "£1,325.00"},
				"Net over term":        {"£4,320.00", "£25,175.00"},
				// one unit a month: £20 less 10 %; £100 less 5 %
				"MoU price per unit a month": {"£18.00", "£95.00"},
				"Terms available":            {"12, 24 or 36 months", "24 or 36 months"},
				"One-off charge":             {"£0.00", "£250.00"},
				"Data":                       {"30GB", "Not stated"},
				"Coverage":                   {"UK", "UK"},
				"Speed":                      {"Not stated", "1Gbps"},
				"Free proof-of-value trial":  {"Yes", "No"},
				"Commitments":                {"Apprentices", "Not stated"},
			},
			differs: map[string]bool{"Net over term": true, "Coverage": false, "Term priced": false, "Free SD-WAN trial": false},
			noRow:   []string{"Your in-life discount"},
		},
		{
			name:      "a term one offering lacks",
			props:     CompareProps{IDs: []string{"sim", "line"}, Quantity: 1, Term: 12},
			wantTerms: []int{12, 24, 36}, wantCols: []int{12, 12}, wantAvail: []bool{true, false},
			want: map[string][]string{
				"Term priced":          {"12 months", "12 months"},
				"List price over term": {"£240.00", "Not available on 12 months"},
				"Net over term":        {"£216.00", "Not available on 12 months"},
			},
		},
		{
			name:      "a term neither has is shown chosen",
			props:     CompareProps{IDs: []string{"sim", "line"}, Quantity: 1, Term: 1},
			wantTerms: []int{1, 12, 24, 36}, wantCols: []int{1, 1}, wantAvail: []bool{false, false},
			want: map[string][]string{"Term priced": {"1 month", "1 month"}},
		},
		{
			name:      "a buyer's in-life discount, by agreement",
			props:     CompareProps{IDs: []string{"sim", "line"}, Quantity: 10, ShowOwn: true},
			inlife:    map[int64]int64{1: 150},
			wantTerms: []int{12, 24, 36}, wantCols: []int{24, 24}, wantAvail: []bool{true, true},
			want: map[string][]string{
				// (4,800 − 480) × 1.5 % = £64.80; the other agreement has no tier
				"Your in-life discount": {"£64.80", "£0.00"},
				"Net over term":         {"£4,255.20", "£25,175.00"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.props
			p.Build([]store.Offering{sim, line}, tt.inlife)
			if !reflect.DeepEqual(p.Terms, tt.wantTerms) {
				t.Errorf("terms: got %v, want %v", p.Terms, tt.wantTerms)
			}
			for i, c := range p.Columns {
				if c.Term != tt.wantCols[i] || c.Available != tt.wantAvail[i] {
					t.Errorf("column %d: got term %d available %v, want %d %v", i, c.Term, c.Available, tt.wantCols[i], tt.wantAvail[i])
				}
			}
			rows := map[string]CompareRow{}
			for _, group := range [][]CompareRow{p.Price, p.Contract, p.Service, p.Trials, p.Social} {
				for _, r := range group {
					rows[r.Label] = r
				}
			}
			for label, want := range tt.want {
				if got := rows[label].Values; !reflect.DeepEqual(got, want) {
					t.Errorf("%s: got %q, want %q", label, got, want)
				}
			}
			for label, want := range tt.differs {
				if got := rows[label].Differs; got != want {
					t.Errorf("%s: got differs %v, want %v", label, got, want)
				}
			}
			for _, label := range tt.noRow {
				if _, ok := rows[label]; ok {
					t.Errorf("got a %q row, want none", label)
				}
			}
		})
	}
	t.Run("each column's remove link keeps the others and the settings", func(t *testing.T) {
		p := CompareProps{IDs: []string{"sim", "line"}, Quantity: 3, Term: 24}
		p.Build([]store.Offering{sim, line}, nil)
		if got := p.Columns[0].RemoveURL; got != "/compare?id=line&qty=3&term=24" {
			t.Errorf("got %q", got)
		}
		if got := p.Columns[1].RemoveURL; got != "/compare?id=sim&qty=3&term=24" {
			t.Errorf("got %q", got)
		}
	})
}

func TestEventText(t *testing.T) {
	// Details come back from the database as JSON: numbers are float64 and
	// changes are objects.
	tests := []struct {
		e    store.AuditEvent
		want string
	}{
		{store.AuditEvent{Action: store.ActionAddLine, From: "draft", To: "draft", Details: store.Details{
			"offering_name": "Sim", "term_months": float64(24), "quantity": map[string]any{"old": float64(10), "new": float64(15)}}},
			"Added 5 × Sim on 24 months"},
		{store.AuditEvent{Action: store.ActionUpdateLine, From: "changes_requested", To: "draft", Details: store.Details{
			"offering_name": "Sim", "quantity": map[string]any{"old": float64(15), "new": float64(12)},
			"term_months": map[string]any{"old": float64(24), "new": float64(12)}}},
			"Changed Sim: quantity 15 → 12, term 24 months → 12 months: the basket is a draft again"},
		{store.AuditEvent{Action: store.ActionSubmit, QuoteVersion: 3}, "Submitted for approval (version 3)"},
		{store.AuditEvent{Action: store.ActionApprove, From: "submitted", To: "submitted", QuoteVersion: 1}, "First of two approvals (version 1): a second reviewer must approve it"},
		{store.AuditEvent{Action: store.ActionExpire, From: "submitted", To: "draft", QuoteVersion: 2}, "Quote expired without a decision (version 2): back to draft"},
		{store.AuditEvent{Action: "set_password"}, "set password"},
	}
	for _, tt := range tests {
		if got := EventText(tt.e); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.e.Action, got, tt.want)
		}
	}
}

func TestTyped(t *testing.T) {
	if got := Typed("a\x00b\xffc\u202ed\r\ne\tf"); got != "a\ufffdb\ufffdc\ufffdd\ufffd\ne\tf" {
		t.Errorf("got %q", got)
	}
}

// TestCompareMarksWhatBuyersDecideOn: the lowest total and the better speed
// and service level are marked; facts nobody decides on are not flagged
// even when they differ; social value is a list without repeats.
func TestCompareMarksWhatBuyersDecideOn(t *testing.T) {
	a := store.Offering{Slug: "a", Name: "A", Unit: "line", MonthlyPence: 10000, MouBP: 500, Terms: []int{12},
		Attributes:  []store.Attribute{{Key: "Download speed", Value: "Up to 80Mbps"}, {Key: "Service level (SLA)", Value: "99.95% availability"}, {Key: "Network", Value: "O2"}},
		SocialValue: []string{"Apprentices", "Apprentices", "Digital inclusion"}}
	b := store.Offering{Slug: "b", Name: "B", Unit: "line", MonthlyPence: 9000, MouBP: 0, Terms: []int{12},
		Attributes: []store.Attribute{{Key: "Download speed", Value: "1Gbps"}, {Key: "Service level (SLA)", Value: "99.5% availability"}, {Key: "Network", Value: "Own"}}}
	p := CompareProps{IDs: []string{"a", "b"}, Quantity: 2}
	p.Build([]store.Offering{a, b}, nil)
	rows := map[string]CompareRow{}
	for _, g := range [][]CompareRow{p.Price, p.Contract, p.Service, p.Trials, p.Social} {
		for _, r := range g {
			rows[r.Label] = r
		}
	}
	for _, tt := range []struct {
		label string
		best  []bool
		text  string
	}{
		// 2 × £100 × 12 less 5 % = £2,280; 2 × £90 × 12 = £2,160
		{"Net over term", []bool{false, true}, "Lowest total"},
		{"Download speed", []bool{false, true}, "Fastest"},
		{"Service level (SLA)", []bool{true, false}, "Highest"},
		{"List price over term", nil, ""},
		{"Network", nil, ""},
	} {
		r := rows[tt.label]
		if !reflect.DeepEqual(r.Best, tt.best) || r.BestText != tt.text {
			t.Errorf("%s: got best %v %q, want %v %q", tt.label, r.Best, r.BestText, tt.best, tt.text)
		}
	}
	if rows["Network"].Differs {
		t.Error("Network differs is flagged: buyers do not decide on it")
	}
	if got := rows["Commitments"].Items[0]; !reflect.DeepEqual(got, []string{"Apprentices", "Digital inclusion"}) {
		t.Errorf("social value items %v", got)
	}
}
