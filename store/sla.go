package store

// The review service level (issue 8): a submitted item should be decided
// within a number of UK working days — 2 by default — where weekends and
// England-and-Wales bank holidays do not count. The bank holidays are data
// (data/bank-holidays.json, in the shape GOV.UK publishes at
// https://www.gov.uk/bank-holidays.json), so a newer list can replace them
// without a code change (`portal serve -bank-holidays FILE`).
//
// The rule, on UK dates: an item submitted on day D is due by the end of
// the Nth working day after D (submitted on Friday or at the weekend, with
// N = 2: due by the end of Tuesday). It is overdue from the start of the
// next day. Due dates only move forward as submission dates do, so
// "overdue" is one comparison on the submission time (SLA.OverdueBefore),
// which is what the queue and the sweeper put in their SQL.

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

//go:embed data/bank-holidays.json
var bankHolidaysJSON []byte

// DefaultReviewWorkingDays is the default service level: a decision within
// 2 UK working days of submission.
const DefaultReviewWorkingDays = 2

// Calendar knows which UK dates are working days: Monday to Friday, except
// bank holidays.
type Calendar struct {
	holidays map[string]string // YYYY-MM-DD → the holiday's name
	last     time.Time         // the last date the holiday list covers (31 December of its last year)
}

// EnglandAndWales is the calendar of the bank holidays shipped with the
// portal (2025–2028).
var EnglandAndWales = mustCalendar(bankHolidaysJSON)

func mustCalendar(b []byte) *Calendar {
	c, err := ParseBankHolidays(b)
	if err != nil {
		panic(err)
	}
	return c
}

// ParseBankHolidays reads England-and-Wales bank holidays in the shape of
// GOV.UK's bank-holidays.json: either the whole file (whose
// "england-and-wales" division is used) or that division alone.
func ParseBankHolidays(b []byte) (*Calendar, error) {
	type division struct {
		Division string `json:"division"`
		Events   []struct {
			Title string `json:"title"`
			Date  string `json:"date"`
		} `json:"events"`
	}
	var whole struct {
		EnglandAndWales *division `json:"england-and-wales"`
	}
	if err := json.Unmarshal(b, &whole); err != nil {
		return nil, fmt.Errorf("bank holidays: %w", err)
	}
	d := whole.EnglandAndWales
	if d == nil {
		d = &division{}
		if err := json.Unmarshal(b, d); err != nil {
			return nil, fmt.Errorf("bank holidays: %w", err)
		}
		if d.Division != "england-and-wales" {
			return nil, fmt.Errorf("bank holidays: no england-and-wales division")
		}
	}
	if len(d.Events) == 0 {
		return nil, fmt.Errorf("bank holidays: the england-and-wales division lists no holidays")
	}
	c := &Calendar{holidays: map[string]string{}}
	for _, e := range d.Events {
		t, err := time.ParseInLocation(time.DateOnly, e.Date, London)
		if err != nil {
			return nil, fmt.Errorf("bank holidays: %q is not a date like 2026-12-25", e.Date)
		}
		c.holidays[e.Date] = e.Title
		if end := time.Date(t.Year(), 12, 31, 0, 0, 0, 0, London); end.After(c.last) {
			c.last = end
		}
	}
	return c, nil
}

// CoversUntil is the last date whose bank holidays the calendar knows;
// after it only weekends are left out.
func (c *Calendar) CoversUntil() time.Time { return c.last }

// Holidays lists the calendar's bank holidays in date order, as
// "YYYY-MM-DD name".
func (c *Calendar) Holidays() []string {
	out := make([]string, 0, len(c.holidays))
	for d, name := range c.holidays {
		out = append(out, d+" "+name)
	}
	sort.Strings(out)
	return out
}

// IsWorkingDay reports whether the UK date of t is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	d := TodayLondon(t)
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, holiday := c.holidays[d.Format(time.DateOnly)]
	return !holiday
}

// AddWorkingDays returns the nth working day after the UK date of t, as
// midnight in London (n = 0: the date itself).
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	d := TodayLondon(t)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween counts the working days after the UK date of from, up
// to and including that of to (0 when to is not after from).
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	n := 0
	end := TodayLondon(to)
	for d := TodayLondon(from).AddDate(0, 0, 1); !d.After(end); d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

// SLA is the review service level: decide within WorkingDays UK working
// days of submission.
type SLA struct {
	WorkingDays int
	Calendar    *Calendar
}

// DefaultSLA is 2 working days on the England-and-Wales calendar.
var DefaultSLA = SLA{WorkingDays: DefaultReviewWorkingDays, Calendar: EnglandAndWales}

// Due is the UK date by the end of which an item submitted at submitted
// should be decided (midnight in London at its start).
func (s SLA) Due(submitted time.Time) time.Time {
	return s.Calendar.AddWorkingDays(submitted, s.WorkingDays)
}

// Overdue reports whether an item submitted at submitted is past its due
// date at now.
func (s SLA) Overdue(submitted, now time.Time) bool {
	return TodayLondon(now).After(s.Due(submitted))
}

// OverdueBefore is the instant before which every submission is overdue at
// now: items submitted before it are overdue, those at or after it are not.
// Because due dates never move backwards as submissions get later, this one
// instant answers "overdue?" for a whole table in SQL.
func (s SLA) OverdueBefore(now time.Time) time.Time {
	today := TodayLondon(now)
	// The earliest submission date that is not overdue is at most
	// WorkingDays working days before today; walk back from today until
	// the day before is overdue.
	d := today
	for {
		prev := d.AddDate(0, 0, -1)
		if s.Due(prev).Before(today) {
			return d
		}
		d = prev
	}
}

// DueStatus describes an item's time left, as a reviewer reads it.
type DueStatus struct {
	Due     time.Time // the due date (midnight in London at its start)
	Overdue bool
	// WorkingDaysLeft counts the working days after today up to the due
	// date; WorkingDaysLate those after the due date up to today.
	WorkingDaysLeft, WorkingDaysLate int
}

// Status is where an item submitted at submitted stands at now.
func (s SLA) Status(submitted, now time.Time) DueStatus {
	due := s.Due(submitted)
	today := TodayLondon(now)
	st := DueStatus{Due: due, Overdue: today.After(due)}
	if st.Overdue {
		st.WorkingDaysLate = s.Calendar.WorkingDaysBetween(due, today)
	} else {
		st.WorkingDaysLeft = s.Calendar.WorkingDaysBetween(today, due)
	}
	return st
}

// Text is the status in words: "Due today", "Due tomorrow, 3 March 2026",
// "Due by 4 March 2026", "Overdue since 4 March 2026".
func (d DueStatus) Text(now time.Time) string {
	today := TodayLondon(now)
	switch {
	case d.Overdue:
		return "Overdue: was due by " + FormatDate(d.Due)
	case d.Due.Equal(today):
		return "Due today"
	case d.Due.Equal(today.AddDate(0, 0, 1)):
		return "Due tomorrow, " + FormatDate(d.Due)
	}
	return "Due by " + FormatDate(d.Due)
}
