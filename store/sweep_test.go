package store

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"testing"
	"time"
)

func TestNextSweep(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		now      string
		interval time.Duration
		want     string
	}{
		{"the interval comes first", "2026-06-10T12:00:00Z", 5 * time.Minute, "2026-06-10T12:05:00Z"},
		{"midnight BST comes first", "2026-06-10T22:58:00Z", 5 * time.Minute, "2026-06-10T23:00:00Z"},
		{"midnight GMT", "2026-12-01T23:58:00Z", 5 * time.Minute, "2026-12-02T00:00:00Z"},
		{"the day the clocks go back has 25 hours", "2026-10-24T23:00:00Z", 48 * time.Hour, "2026-10-26T00:00:00Z"},
		{"the day the clocks go forward has 23 hours", "2026-03-29T00:00:00Z", 48 * time.Hour, "2026-03-29T23:00:00Z"},
		{"just after midnight", "2026-10-26T00:00:00Z", 48 * time.Hour, "2026-10-27T00:00:00Z"},
	}
	for _, tt := range tests {
		if got := NextSweep(utc(tt.now), tt.interval); !got.Equal(utc(tt.want)) {
			t.Errorf("%s: got %s, want %s", tt.name, got.UTC().Format(time.RFC3339), tt.want)
		}
	}
}

// TestSweeperExpiresQuoteAtUKMidnightAcrossClockChange: a quote valid until
// 25 October 2026 — the day British Summer Time ends, 25 hours long —
// expires at midnight at its end (00:00 GMT on the 26th), by the sweeper,
// with nobody reading anything.
func TestSweeperExpiresQuoteAtUKMidnightAcrossClockChange(t *testing.T) {
	f := openBasketDB(t)
	clock := NewManualClock(time.Date(2026, 9, 25, 9, 0, 0, 0, time.UTC)) // 10:00 BST, 25 September
	f.db.Now = clock.Now
	b := f.basket(t, f.north, "Autumn")
	f.add(t, f.north, b.ID, "business-unlimited-5g-sim", 10, 24)
	req := f.requirements()
	req.RequiredBy = DateInput{ISO: "2026-12-01"}
	if err := f.db.SetRequirements(f.ctx, f.north, b.ID, req); err != nil {
		t.Fatal(err)
	}
	ref, _, err := f.db.Submit(f.ctx, f.north, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ref.ValidUntil != "2026-10-25" {
		t.Fatalf("got valid until %s, want 2026-10-25", ref.ValidUntil)
	}
	// state reads the quote and basket straight from the tables: no store
	// read path (which would expire the quote itself) is involved.
	state := func() (QuoteStatus, BasketStatus, int) {
		t.Helper()
		var qs QuoteStatus
		var bs BasketStatus
		var expiries int
		if err := f.db.r.QueryRow(`SELECT v.status, b.status, (SELECT count(*) FROM audit_events WHERE action = 'expire' AND actor_id IS NULL)
			FROM quote_versions v JOIN quotes q ON q.id = v.quote_id JOIN baskets b ON b.id = q.basket_id WHERE q.ref = ?`, ref.Ref).
			Scan(&qs, &bs, &expiries); err != nil {
			t.Fatal(err)
		}
		return qs, bs, expiries
	}
	nextWait := func() time.Time { t.Helper(); return awaitSweep(t, clock) }

	// Midday GMT on the 25th, after the clocks went back at 02:00 BST.
	clock.Set(time.Date(2026, 10, 25, 12, 0, 0, 0, time.UTC))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.db.RunSweeper(ctx, SweeperConfig{Interval: 24 * time.Hour, Clock: clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	defer func() { cancel(); <-done }()

	wake := nextWait() // the start-up run is done
	if qs, _, _ := state(); qs != QuoteSubmitted {
		t.Fatalf("after the start-up run on its last day: got %s, want submitted", qs)
	}
	midnight := time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC) // 00:00 GMT: 25 hours after the 25th began
	if !wake.Equal(midnight) {
		t.Fatalf("the sweeper will wake at %s, want UK midnight %s", wake.UTC(), midnight)
	}

	clock.Set(midnight.Add(-time.Second)) // 23:59:59 GMT, still the 25th
	if qs, _, _ := state(); qs != QuoteSubmitted {
		t.Fatalf("a second before midnight: got %s, want submitted", qs)
	}
	clock.Set(midnight)
	if next := nextWait(); !next.Equal(midnight.AddDate(0, 0, 1)) {
		t.Fatalf("after the midnight run: the sweeper will wake at %s, want the next midnight", next.UTC())
	}
	qs, bs, expiries := state()
	if qs != QuoteExpired || bs != BasketDraft || expiries != 1 {
		t.Fatalf("after UK midnight: got quote %s, basket %s, %d expiries audited by the portal; want expired, draft, 1", qs, bs, expiries)
	}
	var at string
	if err := f.db.r.QueryRow(`SELECT at FROM audit_events WHERE action = 'expire'`).Scan(&at); err != nil || at != "2026-10-26T00:00:00Z" {
		t.Fatalf("the expiry is recorded at %q (%v), want 2026-10-26T00:00:00Z", at, err)
	}
}

// awaitSweep waits until the sweeper running on clock has finished a run
// and waits for the next, and returns when that next run is due.
func awaitSweep(t *testing.T, clock *ManualClock) time.Time {
	t.Helper()
	select {
	case at := <-clock.Waits():
		return at
	case <-time.After(time.Minute):
		t.Fatal("the sweeper did not finish its run and wait within a minute")
		return time.Time{}
	}
}

func TestSweepRunsEachJobAndReportsFailures(t *testing.T) {
	f := openBasketDB(t)
	// A job that fails does not stop the others, and its changes roll back.
	saved := sweepJobs
	t.Cleanup(func() { sweepJobs = saved })
	ran := 0
	sweepJobs = []SweepJob{
		{Name: "broken", Run: func(ctx context.Context, db *DB, tx *sql.Tx, now time.Time) (int, error) {
			if _, err := tx.ExecContext(ctx, `UPDATE meta SET value = 99 WHERE key = 'demo'`); err != nil {
				return 0, err
			}
			return 1, Errorf(EINTERNAL, "broken on purpose")
		}},
		{Name: "fine", Run: func(ctx context.Context, db *DB, tx *sql.Tx, now time.Time) (int, error) { ran++; return 2, nil }},
	}
	res := f.db.Sweep(f.ctx)
	if len(res) != 2 || res[0].Err == nil || res[0].Changed != 0 || res[1].Err != nil || res[1].Changed != 2 || ran != 1 {
		t.Fatalf("got %+v (fine ran %d times), want the broken job's error and the fine job's 2 changes", res, ran)
	}
	var demo int
	if err := f.db.r.QueryRow(`SELECT value FROM meta WHERE key = 'demo'`).Scan(&demo); err != nil || demo == 99 {
		t.Fatalf("got demo = %d (%v), want the failed job's change rolled back", demo, err)
	}
}
