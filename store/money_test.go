package store

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestFormatPence(t *testing.T) {
	tests := []struct {
		name string
		p    int64
		want string
	}{
		{"zero shows pounds and pence", 0, "£0.00"},
		{"single pence are zero padded", 5, "£0.05"},
		{"ninety-nine pence", 99, "£0.99"},
		{"one pound", 100, "£1.00"},
		{"below a thousand pounds has no comma", 99999, "£999.99"},
		{"a thousand pounds gets a comma", 100000, "£1,000.00"},
		{"thousands are grouped", 123456, "£1,234.56"},
		{"a million pounds gets two commas", 100000000, "£1,000,000.00"},
		{"negative puts the sign before the pound", -100, "-£1.00"},
		{"negative pence", -5, "-£0.05"},
		{"max int64", math.MaxInt64, "£92,233,720,368,547,758.07"},
		{"min int64 does not overflow", math.MinInt64, "-£92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatPence(tt.p); got != tt.want {
				t.Errorf("FormatPence(%d): got %q, want %q", tt.p, got, tt.want)
			}
		})
	}
}

func TestFormatPounds(t *testing.T) {
	tests := []struct {
		name string
		p    int64
		want string
	}{
		{"zero", 0, "0.00"},
		{"single pence are zero padded", 5, "0.05"},
		{"no symbol and no commas", 123456, "1234.56"},
		{"a million pounds", 100000000, "1000000.00"},
		{"negative", -100, "-1.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatPounds(tt.p); got != tt.want {
				t.Errorf("FormatPounds(%d): got %q, want %q", tt.p, got, tt.want)
			}
		})
	}
}

func TestParsePounds(t *testing.T) {
	good := []struct {
		name string
		in   string
		want int64
	}{
		{"whole pounds", "1234", 123400},
		{"commas and one decimal", "1,234.5", 123450},
		{"pound sign commas and pence", "£1,234.56", 123456},
		{"surrounding spaces are trimmed", " 12.30 ", 1230},
		{"space after pound sign", "£ 12", 1200},
		{"zero", "0", 0},
		{"zero pence", "0.00", 0},
		{"single penny", "0.01", 1},
		{"leading dot", ".5", 50},
		{"trailing dot", "12.", 1200},
		{"leading zeros", "0010", 1000},
		{"million with commas", "1,000,000.00", 100000000},
		{"exactly the £10bn ceiling", "10,000,000,000", MaxParsePence},
		{"ceiling with zero pence", "£10000000000.00", MaxParsePence},
	}
	for _, tt := range good {
		t.Run("accepts "+tt.name, func(t *testing.T) {
			got, err := ParsePounds(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParsePounds(%q): got (%d, %v), want (%d, nil)", tt.in, got, err, tt.want)
			}
		})
	}

	bad := []struct {
		name    string
		in      string
		wantMsg string
	}{
		{"empty", "", msgAmountEmpty},
		{"only spaces", "   ", msgAmountEmpty},
		{"letters", "abc", msgAmountNotNumber},
		{"pound sign alone", "£", msgAmountNotNumber},
		{"dot alone", ".", msgAmountNotNumber},
		{"three decimal places", "12.345", msgAmountDecimals},
		{"trailing zero third decimal", "1.230", msgAmountDecimals},
		{"negative", "-1", msgAmountNegative},
		{"unicode minus", "\u22121.00", msgAmountNegative},
		{"negative after pound sign", "£-1", msgAmountNegative},
		{"two dots", "1.2.3", msgAmountNotNumber},
		{"short comma group", "1,2", msgAmountNotNumber},
		{"misplaced comma", "12,34", msgAmountNotNumber},
		{"leading comma", ",123", msgAmountNotNumber},
		{"four-digit first group", "1234,567", msgAmountNotNumber},
		{"comma in pence", "1.2,3", msgAmountNotNumber},
		{"exponent", "1e5", msgAmountNotNumber},
		{"plus sign", "+5", msgAmountNotNumber},
		{"inner space", "12 34", msgAmountNotNumber},
		{"non-ASCII digits", "\u0661\u0662", msgAmountNotNumber},
		{"NaN", "NaN", msgAmountNotNumber},
		{"a penny over the ceiling", "10,000,000,000.01", msgAmountTooLarge},
		{"beyond int64", "99999999999999999999999", msgAmountTooLarge},
	}
	for _, tt := range bad {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			got, err := ParsePounds(tt.in)
			if err == nil {
				t.Fatalf("ParsePounds(%q): got (%d, nil), want error %q", tt.in, got, tt.wantMsg)
			}
			if code := ErrorCode(err); code != EINVALID {
				t.Errorf("ParsePounds(%q) error code: got %q, want %q", tt.in, code, EINVALID)
			}
			if msg := ErrorMessage(err); msg != tt.wantMsg {
				t.Errorf("ParsePounds(%q) message: got %q, want %q", tt.in, msg, tt.wantMsg)
			}
		})
	}

	t.Run("round-trips FormatPounds and FormatPence", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < 2000; i++ {
			p := r.Int64N(MaxParsePence + 1)
			for _, s := range []string{FormatPounds(p), FormatPence(p)} {
				got, err := ParsePounds(s)
				if err != nil || got != p {
					t.Fatalf("ParsePounds(%q): got (%d, %v), want (%d, nil)", s, got, err, p)
				}
			}
		}
	})
}

func TestPercent(t *testing.T) {
	tests := []struct {
		name        string
		part, whole int64
		want        string
	}{
		{"zero whole is zero", 5, 0, "0.0%"},
		{"zero part is zero", 0, 100, "0.0%"},
		{"ten percent", 10, 100, "10.0%"},
		{"all of it", 7, 7, "100.0%"},
		{"one third rounds down", 1, 3, "33.3%"},
		{"two thirds rounds up", 2, 3, "66.7%"},
		{"exact half of a tenth rounds up", 1, 2000, "0.1%"},
		{"just under half of a tenth rounds down", 1, 2001, "0.0%"},
		{"10.05% rounds up to 10.1%", 1005, 10000, "10.1%"},
		{"10.049% rounds down to 10.0%", 10049, 100000, "10.0%"},
		{"typical savings", 552500, 4000000, "13.8%"},
		{"negative part rounds away from zero", -1, 2000, "-0.1%"},
		{"negative that rounds to zero has no sign", -1, 3000, "0.0%"},
		{"huge ratio does not overflow", math.MaxInt64, 1, "922337203685477580700.0%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percent(tt.part, tt.whole); got != tt.want {
				t.Errorf("Percent(%d, %d): got %q, want %q", tt.part, tt.whole, got, tt.want)
			}
		})
	}
}

func TestFormatBP(t *testing.T) {
	tests := []struct {
		name string
		bp   int64
		want string
	}{
		{"zero", 0, "0%"},
		{"a whole percent has no decimals", 1500, "15%"},
		{"quarter percents exactly as set", 1575, "15.75%"},
		{"one decimal when the second is zero", 1250, "12.5%"},
		{"two decimals, never rounded", 155, "1.55%"},
		{"one basis point", 1, "0.01%"},
		{"five basis points", 5, "0.05%"},
		{"whole hundred percent", 10000, "100%"},
		{"demo tier", 150, "1.5%"},
		{"VAT", 2000, "20%"},
		{"negative", -155, "-1.55%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatBP(tt.bp); got != tt.want {
				t.Errorf("FormatBP(%d): got %q, want %q", tt.bp, got, tt.want)
			}
		})
	}
}

func TestFormatDate(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatalf("load America/New_York: got %v, want nil", err)
	}
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"midday in winter", time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), "26 November 2026"},
		{"single-digit day has no leading zero", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), "1 March 2026"},
		{"late evening UTC in BST is the next day in London", time.Date(2026, 7, 15, 23, 30, 0, 0, time.UTC), "16 July 2026"},
		{"an hour before midnight UTC in BST is already the next day", time.Date(2026, 7, 15, 23, 0, 0, 0, time.UTC), "16 July 2026"},
		{"just before BST midnight is still the same day", time.Date(2026, 7, 15, 22, 59, 59, 0, time.UTC), "15 July 2026"},
		{"late evening UTC in GMT is the same day", time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "31 December 2026"},
		{"another zone is shown in London", time.Date(2026, 11, 26, 20, 0, 0, 0, newYork), "27 November 2026"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatDate(tt.t); got != tt.want {
				t.Errorf("FormatDate(%s): got %q, want %q", tt.t, got, tt.want)
			}
		})
	}
}

func TestMoneyLondonIsRealZone(t *testing.T) {
	if got := London.String(); got != "Europe/London" {
		t.Errorf("London: got %q, want %q", got, "Europe/London")
	}
	_, summer := time.Date(2026, 7, 1, 12, 0, 0, 0, London).Zone()
	_, winter := time.Date(2026, 1, 1, 12, 0, 0, 0, London).Zone()
	if summer != 3600 || winter != 0 {
		t.Errorf("London offsets: got summer %d winter %d, want 3600 and 0", summer, winter)
	}
}

func TestMoneyTodayLondon(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{
			"late evening UTC in BST is tomorrow in London",
			time.Date(2026, 7, 15, 23, 30, 0, 0, time.UTC),
			time.Date(2026, 7, 16, 0, 0, 0, 0, London),
		},
		{
			"afternoon in GMT is the same day",
			time.Date(2026, 11, 26, 15, 4, 5, 6, time.UTC),
			time.Date(2026, 11, 26, 0, 0, 0, 0, London),
		},
		{
			"the day the clocks go forward starts at midnight GMT",
			time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC),
			time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TodayLondon(tt.now)
			if !got.Equal(tt.want) {
				t.Errorf("TodayLondon(%s): got %s, want %s", tt.now, got, tt.want)
			}
			if got.Location() != London {
				t.Errorf("TodayLondon(%s) location: got %s, want Europe/London", tt.now, got.Location())
			}
			if h, m, s := got.Clock(); h != 0 || m != 0 || s != 0 || got.Nanosecond() != 0 {
				t.Errorf("TodayLondon(%s) clock: got %s, want midnight", tt.now, got.Format("15:04:05.999999999"))
			}
		})
	}
	t.Run("BST midnight is 23:00 UTC the day before", func(t *testing.T) {
		got := TodayLondon(time.Date(2026, 7, 16, 9, 0, 0, 0, London)).UTC()
		want := time.Date(2026, 7, 15, 23, 0, 0, 0, time.UTC)
		if !got.Equal(want) {
			t.Errorf("TodayLondon in UTC: got %s, want %s", got, want)
		}
	})
}
