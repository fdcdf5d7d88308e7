package store

import (
	"database/sql"
	"strconv"
	"testing"
)

// TestBasketTimelineIsTheLatestEntries: the basket carries its latest
// BasketTimelineLimit audit entries, oldest first, and how many there are;
// BasketHistory has every one, for the organisation only; the decision
// behind a changes-requested state survives a long trail.
func TestBasketTimelineIsTheLatestEntries(t *testing.T) {
	f := openBasketDB(t)
	b := f.ready(t, f.north, "Busy basket") // create, add_line, set_requirements
	const edits = 30
	for i := range edits {
		got := f.get(t, f.north, b.ID)
		q := strconv.Itoa(2 + i)
		if err := f.db.UpdateLine(f.ctx, f.north, b.ID, got.Lines[0].ID, LineChange{q, "24", strconv.FormatInt(got.Version, 10)}); err != nil {
			t.Fatalf("edit %d: %v", i, err)
		}
	}
	total := 3 + edits

	got := f.get(t, f.north, b.ID)
	if got.EventsTotal != total {
		t.Errorf("EventsTotal %d, want %d", got.EventsTotal, total)
	}
	if len(got.Events) != BasketTimelineLimit {
		t.Fatalf("%d events, want the latest %d", len(got.Events), BasketTimelineLimit)
	}
	first, last := got.Events[0], got.Events[len(got.Events)-1]
	if last.Action != ActionUpdateLine || last.Details["quantity"] == nil {
		t.Errorf("last event %s %v, want the last edit", last.Action, last.Details)
	}
	if first.ID >= last.ID {
		t.Errorf("events run from id %d to %d, want oldest first", first.ID, last.ID)
	}

	h, all, err := f.db.BasketHistory(f.ctx, f.north2, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if h.Name != "Busy basket" || len(all) != total || all[0].Action != ActionCreate || all[total-1].ID != last.ID {
		t.Errorf("history of %q: %d events from %s, want %d from create to the last edit", h.Name, len(all), all[0].Action, total)
	}
	if _, _, err := f.db.BasketHistory(f.ctx, f.east, b.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("another organisation: %v, want ENOTFOUND", err)
	}
	if _, _, err := f.db.BasketHistory(f.ctx, nil, b.ID); ErrorCode(err) != EUNAUTHORIZED {
		t.Errorf("signed out: %v, want EUNAUTHORIZED", err)
	}

	t.Run("the decision behind the state, however long the trail", func(t *testing.T) {
		if got.Decision != nil {
			t.Fatalf("a never-submitted basket has decision %+v", got.Decision)
		}
		if _, _, err := f.db.Submit(f.ctx, f.north, b.ID); err != nil {
			t.Fatal(err)
		}
		err := f.db.write(f.ctx, func(tx *sql.Tx) error {
			return errOf(decide(f.ctx, tx, f.db.stmts, f.reviewer, b.ID, ActionRequestChanges, "Fewer SIMs please", 0, f.db.Now()))
		})
		if err != nil {
			t.Fatal(err)
		}
		got := f.get(t, f.north, b.ID)
		if got.Decision == nil || got.Decision.Action != ActionRequestChanges || got.Decision.Comment != "Fewer SIMs please" {
			t.Fatalf("decision %+v, want the request for changes", got.Decision)
		}
		if err := f.db.UpdateLine(f.ctx, f.north, b.ID, got.Lines[0].ID, LineChange{"3", "24", strconv.FormatInt(got.Version, 10)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.db.Submit(f.ctx, f.north, b.ID); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, f.north, b.ID); got.Decision != nil {
			t.Errorf("resubmitted: decision %+v, want none", got.Decision)
		}
	})
}
