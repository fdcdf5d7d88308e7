package store

import (
	"context"
	"database/sql"
	"testing"
)

// bumped reports which data sets' versions went up between two readings.
func bumped(before, after Versions) map[DataSet]bool {
	m := map[DataSet]bool{}
	for d := range numDataSets {
		if after[d] > before[d] {
			m[d] = true
		}
		if after[d] < before[d] {
			m[d] = true // reported as a change; the tests below want none going back
		}
	}
	return m
}

func TestDataVersions(t *testing.T) {
	f := openBasketDB(t)
	db, ctx := f.db, f.ctx
	for d := range numDataSets {
		if v := db.Versions()[d]; v < 1 {
			t.Errorf("%s version after opening: got %d, want at least 1 (read from the database)", d, v)
		}
	}
	for _, tc := range []struct {
		name  string
		write func(t *testing.T)
		want  []DataSet
	}{
		{"a price edit bumps the catalogue only", func(t *testing.T) {
			testExec(t, db, "UPDATE offerings SET monthly_pence = monthly_pence + 1 WHERE slug = 'business-unlimited-5g-sim'")
		}, []DataSet{DataCatalogue}},
		{"a new in-life tier bumps the catalogue (the agreement page shows tiers)", func(t *testing.T) {
			testExec(t, db, "INSERT INTO agreement_tiers (agreement_id, from_pence, bp) VALUES (?, 500000000, 900)", f.mouID)
		}, []DataSet{DataCatalogue}},
		{"removing a category bumps the catalogue", func(t *testing.T) {
			testExec(t, db, "INSERT INTO categories (slug, name) VALUES ('spare', 'Spare')")
			before := db.Versions()
			testExec(t, db, "DELETE FROM categories WHERE slug = 'spare'")
			if db.Versions()[DataCatalogue] <= before[DataCatalogue] {
				t.Errorf("delete: catalogue version did not go up")
			}
		}, []DataSet{DataCatalogue}},
		{"building and submitting a basket changes no public data", func(t *testing.T) {
			b := f.ready(t, f.north, "Versions probe")
			if _, _, err := db.Submit(ctx, f.north, b.ID); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"an approval bumps approvals only", func(t *testing.T) {
			b := f.ready(t, f.east, "Approved probe")
			if _, _, err := db.Submit(ctx, f.east, b.ID); err != nil {
				t.Fatal(err)
			}
			f.approveAll(t, b.ID)
			if got := f.get(t, f.east, b.ID).Status; got != BasketApproved {
				t.Fatalf("basket status: got %s, want approved", got)
			}
		}, []DataSet{DataApprovals}},
		{"renaming a buyer organisation bumps approvals (awards name it)", func(t *testing.T) {
			testExec(t, db, "UPDATE organisations SET name = 'Northshire Council' WHERE id = ?", f.northOrg)
		}, []DataSet{DataApprovals}},
		{"a failed write changes no version", func(t *testing.T) {
			err := db.write(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, "UPDATE offerings SET monthly_pence = 5 WHERE slug = 'business-unlimited-5g-sim'"); err != nil {
					return err
				}
				return Errorf(EINVALID, "changed my mind")
			})
			if ErrorCode(err) != EINVALID {
				t.Fatalf("got %v, want the EINVALID", err)
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := db.Versions()
			tc.write(t)
			got := bumped(before, db.Versions())
			for d := range numDataSets {
				want := false
				for _, w := range tc.want {
					want = want || w == d
				}
				if got[d] != want {
					t.Errorf("%s version: got %d → %d (changed %v), want changed %v", d, before[d], db.Versions()[d], got[d], want)
				}
			}
			// What the process publishes is what the database holds.
			var inDB Versions
			inDB, err := scanVersions(db.r.QueryRowContext(ctx, versionsQuery))
			if err != nil || inDB != db.Versions() {
				t.Errorf("published %v, database holds %v (%v)", db.Versions(), inDB, err)
			}
		})
	}

	t.Run("another process's write is seen after a refresh", func(t *testing.T) {
		other, err := Open(ctx, db.path)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		before := db.Versions()
		testExec(t, other, "UPDATE offerings SET monthly_pence = monthly_pence + 1 WHERE slug = 'business-unlimited-5g-sim'")
		if db.Versions() != before {
			t.Fatalf("before a refresh: got %v, want the versions unchanged at %v (no query per read)", db.Versions(), before)
		}
		if err := db.RefreshVersions(ctx); err != nil {
			t.Fatal(err)
		}
		if got := db.Versions(); got[DataCatalogue] <= before[DataCatalogue] || got[DataApprovals] != before[DataApprovals] {
			t.Errorf("after a refresh: got %v, want the catalogue above %v and approvals unchanged", got, before)
		}
	})

	t.Run("versions never go back", func(t *testing.T) {
		now := db.Versions()
		var older Versions
		db.publishVersions(older)
		if db.Versions() != now {
			t.Errorf("after publishing older versions: got %v, want %v kept", db.Versions(), now)
		}
	})

	t.Run("every data set has a meta row", func(t *testing.T) {
		for d := range numDataSets {
			var v int64
			if err := db.r.QueryRowContext(context.Background(), "SELECT value FROM meta WHERE key = ?", dataSetKeys[d]).Scan(&v); err != nil {
				t.Errorf("%s: %v", dataSetKeys[d], err)
			}
		}
	})
}
