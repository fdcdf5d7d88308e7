package store

import (
	"strings"
	"testing"
	"time"
)

func uk(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02 15:04", s, London)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestBankHolidaysShipped(t *testing.T) {
	hs := EnglandAndWales.Holidays()
	for year, want := range map[string]int{"2026": 8, "2027": 8, "2028": 8} {
		n := 0
		for _, h := range hs {
			if strings.HasPrefix(h, year+"-") {
				n++
			}
		}
		if n != want {
			t.Errorf("%s: got %d England-and-Wales bank holidays, want %d", year, n, want)
		}
	}
	if got := EnglandAndWales.CoversUntil().Format(time.DateOnly); got != "2028-12-31" {
		t.Errorf("covers until %s, want 2028-12-31", got)
	}
	// Substitute days when Christmas and Boxing Day fall at a weekend.
	for _, d := range []string{"2026-12-28", "2027-12-27", "2027-12-28", "2028-01-03"} {
		if EnglandAndWales.IsWorkingDay(uk(t, d+" 12:00")) {
			t.Errorf("%s: got a working day, want the substitute bank holiday", d)
		}
	}
}

func TestParseBankHolidaysAcceptsTheGOVUKFile(t *testing.T) {
	whole := `{"england-and-wales":{"division":"england-and-wales","events":[{"title":"Made-up Day","date":"2031-06-02","notes":"","bunting":true}]},
		"scotland":{"division":"scotland","events":[{"title":"St Andrew’s Day","date":"2031-12-01"}]}}`
	c, err := ParseBankHolidays([]byte(whole))
	if err != nil {
		t.Fatal(err)
	}
	if c.IsWorkingDay(uk(t, "2031-06-02 09:00")) || !c.IsWorkingDay(uk(t, "2031-12-01 09:00")) {
		t.Error("got the wrong division's holidays")
	}
	if _, err := ParseBankHolidays([]byte(`{"division":"scotland","events":[{"title":"x","date":"2031-12-01"}]}`)); err == nil {
		t.Error("a Scottish list: got no error, want one")
	}
	if _, err := ParseBankHolidays([]byte(`{"division":"england-and-wales","events":[{"title":"x","date":"1 June"}]}`)); err == nil {
		t.Error("a bad date: got no error, want one")
	}
}

func TestReviewDueDates(t *testing.T) {
	sla := DefaultSLA
	tests := []struct {
		name, submitted, due string
	}{
		{"Monday morning: due Wednesday", "2026-03-02 09:00", "2026-03-04"},
		{"Monday late evening: still Monday's", "2026-03-02 23:59", "2026-03-04"},
		{"Friday: due Tuesday", "2026-03-06 16:30", "2026-03-10"},
		{"Saturday: due Tuesday", "2026-03-07 10:00", "2026-03-10"},
		{"Sunday: due Tuesday", "2026-03-08 10:00", "2026-03-10"},
		{"before Easter: Good Friday and Easter Monday do not count", "2026-04-02 11:00", "2026-04-08"},
		{"Christmas Eve 2026: the 25th and the substitute 28th do not count", "2026-12-24 15:00", "2026-12-30"},
		{"before Christmas 2027: both substitute days", "2027-12-24 09:00", "2027-12-30"},
		{"New Year 2028, a Saturday: substitute Monday 3 January", "2027-12-31 09:00", "2028-01-05"},
		{"across the clocks going forward", "2026-03-27 23:30", "2026-03-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sla.Due(uk(t, tt.submitted)).Format(time.DateOnly); got != tt.due {
				t.Fatalf("submitted %s: got due %s, want %s", tt.submitted, got, tt.due)
			}
		})
	}
	t.Run("configurable", func(t *testing.T) {
		three := SLA{WorkingDays: 3, Calendar: EnglandAndWales}
		if got := three.Due(uk(t, "2026-03-06 16:30")).Format(time.DateOnly); got != "2026-03-11" {
			t.Fatalf("3 working days from a Friday: got %s, want Wednesday 2026-03-11", got)
		}
	})
}

func TestOverdueBeforeAgreesWithOverdue(t *testing.T) {
	// For every submission hour over two years and several "now"s, the one
	// instant OverdueBefore gives must say the same as Overdue.
	for _, days := range []int{0, 1, 2, 5} {
		sla := SLA{WorkingDays: days, Calendar: EnglandAndWales}
		for now := uk(t, "2026-01-02 08:00"); now.Before(uk(t, "2028-01-10 00:00")); now = now.Add(53 * time.Hour) {
			cut := sla.OverdueBefore(now)
			for s := now.Add(-16 * 24 * time.Hour); !s.After(now); s = s.Add(5 * time.Hour) {
				if got, want := s.Before(cut), sla.Overdue(s, now); got != want {
					t.Fatalf("%d days, now %s, submitted %s: OverdueBefore says %v, Overdue says %v", days, now, s, got, want)
				}
			}
		}
	}
}

func TestDueStatusText(t *testing.T) {
	sla := DefaultSLA
	submitted := uk(t, "2026-03-06 16:30") // Friday: due Tuesday 10 March
	for _, tt := range []struct {
		now, want     string
		left, overdue int
	}{
		{"2026-03-07 10:00", "Due by 10 March 2026", 2, 0},
		{"2026-03-09 10:00", "Due tomorrow, 10 March 2026", 1, 0},
		{"2026-03-10 17:00", "Due today", 0, 0},
		{"2026-03-11 00:00", "Overdue: was due by 10 March 2026", 0, 1},
		{"2026-03-16 09:00", "Overdue: was due by 10 March 2026", 0, 4},
	} {
		now := uk(t, tt.now)
		st := sla.Status(submitted, now)
		if got := st.Text(now); got != tt.want || st.WorkingDaysLeft != tt.left || st.WorkingDaysLate != tt.overdue {
			t.Errorf("at %s: got %q (%d left, %d late), want %q (%d, %d)", tt.now, got, st.WorkingDaysLeft, st.WorkingDaysLate, tt.want, tt.left, tt.overdue)
		}
	}
}
