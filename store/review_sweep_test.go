package store

import (
	"strings"
	"testing"
	"time"
)

func (f *basketFixture) sweep(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range f.db.Sweep(f.ctx) {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Job, r.Err)
		}
		out[r.Job] = r.Changed
	}
	return out
}

func (f *basketFixture) kinds(t *testing.T, u *User) []string {
	t.Helper()
	rows, err := f.db.r.QueryContext(f.ctx, `SELECT kind FROM messages WHERE user_id = ? ORDER BY id`, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		out = append(out, k)
	}
	rows.Close()
	return out
}

func TestSweeperRemindsAndReportsOverdueReviewsOnce(t *testing.T) {
	f := openBasketDB(t)
	*f.now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // Monday; valid until 1 April, due by Wednesday 4 March
	id, ref := f.submitted(t, f.east, "Waiting", "business-unlimited-5g-sim", 10, 24)
	at := func(s string) { *f.now = uk(t, s) }

	at("2026-03-04 23:59")
	if got := f.sweep(t); got["review-overdue"] != 0 || got["quote-expiry-reminders"] != 0 {
		t.Fatalf("on its due date: got %v, want nothing", got)
	}
	at("2026-03-05 00:00")
	if got := f.sweep(t); got["review-overdue"] != 1 {
		t.Fatalf("the day after: got %v, want one overdue item", got)
	}
	if got := f.sweep(t); got["review-overdue"] != 0 {
		t.Fatalf("swept again: got %v, want nothing new", got)
	}
	for _, r := range []*User{f.reviewer, f.reviewer2} {
		if k := f.kinds(t, r); strings.Join(k, ",") != MsgReviewRequested+","+MsgReviewOverdue {
			t.Fatalf("%s: got %v, want the request and one overdue message", r.Email, k)
		}
	}
	mp, _ := f.db.Messages(f.ctx, f.reviewer, 1)
	if m := mp.Messages[0]; !strings.Contains(m.Body, "was due for a decision by 4 March 2026") || m.Path != ReviewPath(id) {
		t.Fatalf("got %+v", m)
	}

	at("2026-03-24 23:00") // 8 days before its last valid day (1 April)
	if got := f.sweep(t); got["quote-expiry-reminders"] != 0 {
		t.Fatalf("8 days before: got %v", got)
	}
	at("2026-03-25 08:00")
	if got := f.sweep(t); got["quote-expiry-reminders"] != 1 {
		t.Fatalf("7 days before: got %v, want one reminder", got)
	}
	f.sweep(t)
	buyer := f.kinds(t, f.east)
	if strings.Count(strings.Join(buyer, ","), MsgQuoteExpiring) != 1 {
		t.Fatalf("buyer: got %v, want one reminder", buyer)
	}
	mp, _ = f.db.Messages(f.ctx, f.east, 1)
	if m := mp.Messages[0]; m.Kind != MsgQuoteExpiring || !strings.Contains(m.Title, "in 7 days") || !strings.Contains(m.Body, "1 April 2026") {
		t.Fatalf("got %+v", m)
	}

	at("2026-04-02 00:30")
	if got := f.sweep(t); got["expire-quotes"] != 1 {
		t.Fatalf("the day after its last: got %v, want it expired", got)
	}
	f.sweep(t)
	if got := f.kinds(t, f.east); got[len(got)-1] != MsgQuoteExpired || strings.Count(strings.Join(got, ","), MsgQuoteExpired) != 1 {
		t.Fatalf("buyer: got %v, want one expiry message last", got)
	}
	if q := f.quoteStatus(t, ref.Ref, 1); q.Status != QuoteExpired {
		t.Fatalf("got %s", q.Status)
	}
}

func TestExpiryFoundByARequestIsMessagedToo(t *testing.T) {
	f := openBasketDB(t)
	id, _ := f.submitted(t, f.east, "Lapsed", "business-unlimited-5g-sim", 10, 24)
	*f.now = f.now.AddDate(0, 0, QuoteValidDays+1)
	f.get(t, f.east, id) // a read expires it, before any sweep
	if got := f.kinds(t, f.east); got[len(got)-1] != MsgQuoteExpired {
		t.Fatalf("got %v, want the expiry message", got)
	}
	f.sweep(t)
	if got := f.kinds(t, f.east); strings.Count(strings.Join(got, ","), MsgQuoteExpired) != 1 {
		t.Fatalf("after a sweep: got %v, want still one", got)
	}
}
