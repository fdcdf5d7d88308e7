package store

// Demo quote history (PRODUCT.md §9): Northshire County Council's approved
// MoU quotes, dated in the past, worth about £180,000 net in all, which put
// it in the MoU's 150 bp in-life tier. They are made through the same
// basket, submit and approve steps as real quotes.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

type demoLine struct {
	slug     string
	quantity int
	term     int
}

type demoQuote struct {
	name      string
	daysAgo   int
	need      string
	budget    string
	sites     string
	lines     []demoLine
	approvers []string
}

var demoQuotes = []demoQuote{
	{
		name: "Corporate mobile refresh", daysAgo: 300,
		need:   "Replace 180 ageing handsets' SIM contracts for social workers and highways staff, and move 120 office users to cloud telephony.",
		budget: "130000", sites: "6",
		lines:     []demoLine{{"business-unlimited-5g-sim", 180, 24}, {"cloud-phone-system-user", 120, 12}},
		approvers: []string{"reviewer@ccs.example", "reviewer2@ccs.example"},
	},
	{
		name: "Library broadband", daysAgo: 180,
		need:   "Full fibre for 20 branch libraries with 4G backup, so public computers stay online during outages.",
		budget: "47000", sites: "20",
		lines:     []demoLine{{"business-full-fibre-150", 20, 36}, {"4g-broadband-backup", 20, 36}},
		approvers: []string{"reviewer@ccs.example"},
	},
	{
		name: "Care home sensors", daysAgo: 60,
		need:   "Connectivity for fall-detection and temperature sensors in the council's residential care homes.",
		budget: "48000", sites: "11",
		lines:     []demoLine{{"iot-sim-1gb", 220, 24}},
		approvers: []string{"reviewer@ccs.example"},
	},
}

// demoUser finds a demo account by email.
func demoUser(ctx context.Context, tx *sql.Tx, email string) (*User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+`WHERE u.email = ?`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("demo quotes: no account %s", email)
	}
	return &u, err
}

// loadDemoQuotes creates Northshire's approved quote history in tx. The demo
// catalogue and accounts must already be loaded.
func loadDemoQuotes(ctx context.Context, tx *sql.Tx, st *stmts) error {
	var users int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
		return err
	}
	if users == 0 {
		return nil // no demo accounts in this load: no one to have bought anything
	}
	buyer, err := demoUser(ctx, tx, "buyer@northshire.example")
	if err != nil {
		return err
	}
	today := TodayLondon(time.Now())
	for _, d := range demoQuotes {
		// Mid-morning UK time on the day, so the dates read naturally.
		issued := today.AddDate(0, 0, -d.daysAgo).Add(10 * time.Hour)
		id, err := createBasket(ctx, tx, buyer, BasketNameText, d.name, issued)
		if err != nil {
			return err
		}
		for _, l := range d.lines {
			if _, err := addLine(ctx, tx, st, buyer, id, LineForm{Offering: l.slug, Quantity: strconv.Itoa(l.quantity), TermMonths: strconv.Itoa(l.term)}, issued); err != nil {
				return fmt.Errorf("demo quote %q: %w", d.name, err)
			}
		}
		req := RequirementsForm{Need: d.need, Budget: d.budget, Sites: d.sites,
			RequiredBy: DateInput{ISO: issued.AddDate(0, 2, 0).Format(time.DateOnly)}, WeightPrice: "50", WeightQuality: "35", WeightSocial: "15"}
		if err := setRequirements(ctx, tx, st, buyer, id, req, issued); err != nil {
			return fmt.Errorf("demo quote %q: %w", d.name, err)
		}
		if _, _, err := submit(ctx, tx, st, buyer, id, issued); err != nil {
			return fmt.Errorf("demo quote %q: %w", d.name, err)
		}
		for i, email := range d.approvers {
			r, err := demoUser(ctx, tx, email)
			if err != nil {
				return err
			}
			at := issued.AddDate(0, 0, 3+i).Add(4 * time.Hour)
			if _, err := approve(ctx, tx, st, r, id, "", 0, at); err != nil {
				return fmt.Errorf("demo quote %q: %w", d.name, err)
			}
		}
	}
	return nil
}
