package store

import (
	"strings"
	"testing"
	"time"
)

func TestTextCheck(t *testing.T) {
	name := Text{Field: "name", Label: "Basket name", Max: 10, Empty: "Enter a name"}
	need := Text{Field: "need", Label: "Business need", Max: 10, Multiline: true}
	tests := []struct {
		name    string
		rule    Text
		in      string
		want    string // the cleaned value, when valid
		wantErr string // the message, when not
	}{
		{"plain", name, "Library", "Library", ""},
		{"trimmed", name, "  Library \u00a0", "Library", ""},
		{"exactly the maximum", name, "éééééééééé", "éééééééééé", ""},
		{"one character over", name, "ééééééééééé", "", "Basket name must be 10 characters or fewer"},
		{"empty and required", name, " \u00a0 ", "", "Enter a name"},
		{"empty and optional", need, "", "", ""},
		{"NUL alone", name, "\x00", "", "Basket name must not contain control characters"},
		{"NUL first", name, "\x00Library", "", "Basket name must not contain control characters"},
		{"NUL inside a multi-line field", need, "a\x00b", "", "Business need must not contain control characters"},
		{"ESC sequence", name, "\x1b[31mred", "", "Basket name must not contain control characters"},
		{"DEL", name, "a\x7fb", "", "Basket name must not contain control characters"},
		{"C1 control", name, "a\u0085b", "", "Basket name must not contain control characters"},
		{"invalid UTF-8", name, "Lib\xffrary", "", "Basket name contains characters that could not be read: type it again"},
		{"truncated UTF-8", name, "caf\xc3", "", "Basket name contains characters that could not be read: type it again"},
		{"CR LF in one line", name, "a\r\nb", "", "Basket name must be on one line, without line breaks or tabs"},
		{"tab in one line", name, "a\tb", "", "Basket name must be on one line, without line breaks or tabs"},
		{"line separator in one line", name, "a\u2028b", "", "Basket name must be on one line, without line breaks or tabs"},
		{"right-to-left override", name, "abc\u202edef", "", "Basket name must not contain characters that change the direction of text"},
		{"left-to-right embedding", need, "\u202aabc", "", "Business need must not contain characters that change the direction of text"},
		{"first strong isolate", name, "\u2068x", "", "Basket name must not contain characters that change the direction of text"},
		{"pop directional isolate", name, "x\u2069", "", "Basket name must not contain characters that change the direction of text"},
		{"a left-to-right mark is text", name, "a\u200eb", "a\u200eb", ""},
		{"CR LF in many lines becomes LF", need, "a\r\nb\rc\td", "a\nb\nc\td", ""},
		{"emoji and accents", name, "Café ☕", "Café ☕", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fe := tt.rule.Check(tt.in)
			switch {
			case tt.wantErr == "" && fe != nil:
				t.Fatalf("got error %q, want %q accepted", fe.Message, tt.in)
			case tt.wantErr != "" && fe == nil:
				t.Fatalf("got %q accepted, want %q", got, tt.wantErr)
			case fe != nil && (fe.Message != tt.wantErr || fe.Field != tt.rule.Field):
				t.Fatalf("got %s: %q, want %s: %q", fe.Field, fe.Message, tt.rule.Field, tt.wantErr)
			case fe == nil && got != tt.want:
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProductLengthLimits(t *testing.T) {
	// PRODUCT.md §8: names and titles 120, a need 5 000, comments 2 000.
	for _, tt := range []struct {
		rule Text
		max  int
	}{{BasketNameText, 120}, {OrgNameText, 120}, {PersonNameText, 120}, {NeedText, 5000}, {CommentText, 2000}} {
		if _, fe := tt.rule.Check(strings.Repeat("x", tt.max)); fe != nil {
			t.Errorf("%s of %d characters: got %q, want it accepted", tt.rule.Label, tt.max, fe.Message)
		}
		if _, fe := tt.rule.Check(strings.Repeat("x", tt.max+1)); fe == nil {
			t.Errorf("%s of %d characters: got it accepted, want it refused", tt.rule.Label, tt.max+1)
		}
	}
}

func TestCleanSearch(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  fibre  ", "fibre"},
		{"fi\x00bre\x1b[0m", "fibre[0m"},
		{"fib\xffre", "fibre"},
		{"a\r\nb", "ab"},
		{"\u202eevil", "evil"},
		{strings.Repeat("é", 250), strings.Repeat("é", 200)},
	}
	for _, tt := range tests {
		if got := CleanSearch(tt.in); got != tt.want {
			t.Errorf("CleanSearch(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCountCheck(t *testing.T) {
	c := Count{Field: "quantity", Label: "Quantity", Min: 1, Max: 100_000, Example: "250", Empty: "Enter a quantity"}
	digits := "Quantity must be a whole number in digits only, like 250"
	rng := "Quantity must be a whole number from 1 to 100,000"
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{"1", 1, ""},
		{" 250 ", 250, ""},
		{"007", 7, ""},
		{"100000", 100_000, ""},
		{"", 0, "Enter a quantity"},
		{"0", 0, rng},
		{"100001", 0, rng},
		{"99999999999999999999999", 0, rng},
		{"1,000", 0, digits},
		{"1,0,0,0", 0, digits},
		{"1e3", 0, digits},
		{"0x10", 0, digits},
		{"+5", 0, digits},
		{"-5", 0, digits},
		{"5.0", 0, digits},
		{"1 000", 0, digits},
		{"50%", 0, digits},
		{"\x005", 0, digits},
		{"١٢", 0, digits}, // Arabic-Indic digits
		{"１２", 0, digits}, // full-width digits
		{"Ⅻ", 0, digits},
	}
	for _, tt := range tests {
		got, fe := c.Check(tt.in)
		switch {
		case tt.wantErr == "" && (fe != nil || got != tt.want):
			t.Errorf("%q: got %d, %v; want %d", tt.in, got, fe, tt.want)
		case tt.wantErr != "" && (fe == nil || fe.Message != tt.wantErr):
			t.Errorf("%q: got %d, %v; want %q", tt.in, got, fe, tt.wantErr)
		}
	}
}

func TestMoneyCheck(t *testing.T) {
	m := Money{Field: "budget", Label: "Budget", Empty: "Enter the budget", Zero: "Budget must be more than £0"}
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{"12500.50", 1_250_050, ""},
		{"£12,500.50", 1_250_050, ""},
		{"1,234,567", 123_456_700, ""},
		{".5", 50, ""},
		{"", 0, "Enter the budget"},
		{"0", 0, "Budget must be more than £0"},
		{"12,50.00", 0, "Budget: enter an amount in pounds using numbers only, like 12,500.50"},
		{"1,2345", 0, "Budget: enter an amount in pounds using numbers only, like 12,500.50"},
		{",123", 0, "Budget: enter an amount in pounds using numbers only, like 12,500.50"},
		{"1e5", 0, "Budget: enter an amount in pounds using numbers only, like 12,500.50"},
		{"0x10", 0, "Budget: enter an amount in pounds using numbers only, like 12,500.50"},
		{"+5", 0, "Budget: enter an amount in pounds using numbers only, like 12,500.50"},
		{"-5", 0, "Budget: amount must be £0 or more"},
		{"\u22125", 0, "Budget: amount must be £0 or more"},
		{"١٢", 0, "Budget: enter an amount in pounds using numbers only, like 12,500.50"},
		{"5£", 0, "Budget: enter an amount in pounds using numbers only, like 12,500.50"},
		{"1.234", 0, "Budget: amount must have no more than 2 decimal places"},
		{"\x0012", 0, "Budget: enter an amount in pounds using numbers only, like 12,500.50"},
	}
	for _, tt := range tests {
		got, fe := m.Check(tt.in)
		switch {
		case tt.wantErr == "" && (fe != nil || got != tt.want):
			t.Errorf("%q: got %d, %v; want %d", tt.in, got, fe, tt.want)
		case tt.wantErr != "" && (fe == nil || fe.Message != tt.wantErr):
			t.Errorf("%q: got %d, %v; want %q", tt.in, got, fe, tt.wantErr)
		}
	}
}

func TestDateFieldCheck(t *testing.T) {
	// 30 March 2026 in London; the required-by date runs to 30 March 2031.
	now := time.Date(2026, 3, 29, 23, 30, 0, 0, time.UTC)
	f := RequiredByField(now)
	parts := func(d, m, y string) DateInput { return DateInput{Day: d, Month: m, Year: y, Parts: true} }
	iso := func(s string) DateInput { return DateInput{ISO: s} }
	tests := []struct {
		name    string
		in      DateInput
		want    string // YYYY-MM-DD
		wantErr string
	}{
		{"today in London (still the 29th in UTC)", iso("2026-03-30"), "2026-03-30", ""},
		{"three fields", parts("1", "2", "2027"), "2027-02-01", ""},
		{"three fields with zeros", parts("01", "02", "2027"), "2027-02-01", ""},
		{"leap day", parts("29", "2", "2028"), "2028-02-29", ""},
		{"the last day allowed", iso("2031-03-30"), "2031-03-30", ""},
		{"nothing", DateInput{}, "", "Enter the date you need it by"},
		{"three empty fields", parts("", "", ""), "", "Enter the date you need it by"},
		{"no month", parts("1", "", "2027"), "", "The date you need it by must include a month"},
		{"no day or year", parts("", "3", ""), "", "The date you need it by must include a day and a year"},
		{"not a leap year", parts("29", "2", "2027"), "", "The date you need it by must be a real date"},
		{"31 April", iso("2026-04-31"), "", "The date you need it by must be a real date"},
		{"month 13", parts("1", "13", "2027"), "", "The date you need it by must be a real date"},
		{"day 0", parts("0", "5", "2027"), "", "The date you need it by must be a real date"},
		{"two-digit year", parts("1", "5", "27"), "", "The date you need it by must include a year with 4 digits, like 2027"},
		{"letters", parts("1", "May", "2027"), "", "The date you need it by must be a real date, written in digits, like 31 3 2027"},
		{"signed", parts("+1", "5", "2027"), "", "The date you need it by must be a real date, written in digits, like 31 3 2027"},
		{"unicode digits", parts("١", "5", "2027"), "", "The date you need it by must be a real date, written in digits, like 31 3 2027"},
		{"day-first single field", iso("30/03/2026"), "", "The date you need it by must be a date written as year-month-day, like 2027-03-31"},
		{"short single field", iso("2026-3-30"), "", "The date you need it by must be a date written as year-month-day, like 2027-03-31"},
		{"yesterday in London", iso("2026-03-29"), "", "The date you need it by must be today or in the future"},
		{"one day more than 5 years ahead", iso("2031-03-31"), "", "The date you need it by must be within 5 years, by 30 March 2031"},
		{"9999-12-31", iso("9999-12-31"), "", "The date you need it by must be within 5 years, by 30 March 2031"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fe := f.Check(tt.in)
			switch {
			case tt.wantErr == "" && fe != nil:
				t.Fatalf("got %q, want %s", fe.Message, tt.want)
			case tt.wantErr != "" && (fe == nil || fe.Message != tt.wantErr || fe.Field != "required_by"):
				t.Fatalf("got %v, %v; want %q", got, fe, tt.wantErr)
			case fe == nil && (got.Format(time.DateOnly) != tt.want || got.Location() != London || got.Hour() != 0):
				t.Fatalf("got %v, want midnight of %s in London", got, tt.want)
			}
		})
	}
	t.Run("a field without bounds keeps dates sensible", func(t *testing.T) {
		any := DateField{Field: "from", Label: "From", Empty: "Enter a date"}
		if _, fe := any.Check(iso("1899-12-31")); fe == nil {
			t.Error("got 1899 accepted, want refused")
		}
		if _, fe := any.Check(iso("2200-01-01")); fe == nil {
			t.Error("got 2200 accepted, want refused")
		}
		if _, fe := any.Check(iso("2026-06-01")); fe != nil {
			t.Errorf("got %q, want 2026 accepted", fe.Message)
		}
	})
}
