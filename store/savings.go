package store

// The savings dashboard (issue 11 point 5): what the agreements saved public
// bodies, computed from the approved quote versions themselves — the same
// rows the transparency register publishes — so the dashboard and the
// register always agree. Savings against list are list price minus what was
// paid (net of VAT), from each approved version's own snapshot: Σ(mou +
// inlife) of PRODUCT.md §3.

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"
)

// SavingsMonths is how many months the by-month series covers: the months
// up to and including the latest approval's (UK dates).
const SavingsMonths = 12

// SavingsFigures are the sums over a set of approved quote versions.
type SavingsFigures struct {
	Quotes       int   // approved quote versions
	ListPence    int64 // Σ list price
	NetPence     int64 // Σ net: what was paid, before VAT
	SavingsPence int64 // Σ (mou + inlife) = list − net
}

// Share is the savings as a share of list, with one decimal place.
func (f SavingsFigures) Share() string { return Percent(f.SavingsPence, f.ListPence) }

func (f *SavingsFigures) add(list, net, savings int64) {
	f.ListPence += list
	f.NetPence += net
	f.SavingsPence += savings
}

// SavingsGroup is the savings of one agreement, category or month.
type SavingsGroup struct {
	Label string
	SavingsFigures
}

// SavingsMonth is the savings of the quotes approved in one UK month.
type SavingsMonth struct {
	Month time.Time // the first day of the month, in London
	SavingsFigures
}

// Savings is the savings dashboard's data.
type Savings struct {
	Total SavingsFigures
	// ByAgreement is by agreement title, largest savings first.
	ByAgreement []SavingsGroup
	// ByCategory is by the category each line was bought in (as the
	// approved snapshot names it), largest savings first; a quote with lines
	// in two categories counts in both, its figures split by line.
	ByCategory []SavingsGroup
	// ByMonth is the SavingsMonths months up to the latest approval's, by
	// UK month of approval, oldest first; months without approvals are zero.
	// Empty when nothing is approved.
	ByMonth []SavingsMonth
	// Latest is the time of the latest approval (zero when none).
	Latest time.Time
	// Trials are the trial numbers (store.TrialStats) of the same scope.
	Trials TrialStats
}

// SavingsFilter narrows Savings; a zero field means all.
type SavingsFilter struct {
	OrgID int64
}

// Savings returns the savings of every approved quote version (or of one
// organisation's), and the trial numbers of the same scope. It is public
// data: callers scope it (OrgSavings does for a buyer).
func (db *DB) Savings(ctx context.Context, f SavingsFilter) (Savings, error) {
	var s Savings
	err := db.read(ctx, func(tx *sql.Tx) error {
		if err := savingsByQuote(ctx, tx, f, &s); err != nil {
			return err
		}
		return savingsByCategory(ctx, tx, f, &s)
	})
	if err != nil {
		return s, err
	}
	s.Trials, err = db.TrialStats(ctx, TrialStatsFilter{OrgID: f.OrgID})
	return s, err
}

// savingsByQuote sums the approved versions' totals: overall, by agreement
// and by UK month of approval.
func savingsByQuote(ctx context.Context, tx *sql.Tx, f SavingsFilter, s *Savings) error {
	rows, err := tx.QueryContext(ctx, `SELECT a.title, v.decided_at, v.list_total_pence, v.net_total_pence, v.savings_pence
		FROM quote_versions v INDEXED BY quote_versions_approved_savings JOIN quotes q ON q.id = v.quote_id JOIN agreements a ON a.id = q.agreement_id
		WHERE v.status = 'approved' AND (:org = 0 OR q.org_id = :org)`, sql.Named("org", f.OrgID))
	if err != nil {
		return err
	}
	defer rows.Close()
	byAgreement := map[string]*SavingsFigures{}
	byMonth := map[time.Time]*SavingsFigures{}
	for rows.Next() {
		var title string
		var decided sql.NullString // set by every approval; NULL only in hand-made data
		var list, net, savings int64
		if err := rows.Scan(&title, &decided, &list, &net, &savings); err != nil {
			return err
		}
		at := parseTimestamp(decided.String)
		if at.After(s.Latest) {
			s.Latest = at
		}
		for _, g := range []*SavingsFigures{&s.Total, group(byAgreement, title), group(byMonth, monthOf(at))} {
			g.Quotes++
			g.add(list, net, savings)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.ByAgreement = sortedGroups(byAgreement)
	if s.Total.Quotes > 0 {
		last := monthOf(s.Latest)
		for i := SavingsMonths - 1; i >= 0; i-- {
			m := SavingsMonth{Month: last.AddDate(0, -i, 0)}
			if g := byMonth[m.Month]; g != nil {
				m.SavingsFigures = *g
			}
			s.ByMonth = append(s.ByMonth, m)
		}
	}
	return nil
}

// savingsByCategory sums the approved versions' lines by the category
// their snapshot names (quote_version_categories, filled from each
// snapshot when the version is issued).
func savingsByCategory(ctx context.Context, tx *sql.Tx, f SavingsFilter, s *Savings) error {
	rows, err := tx.QueryContext(ctx, `SELECT c.category, count(*), sum(c.list_pence), sum(c.net_pence), sum(c.savings_pence)
		FROM quote_versions v JOIN quotes q ON q.id = v.quote_id JOIN quote_version_categories c ON c.quote_version_id = v.id
		WHERE v.status = 'approved' AND (:org = 0 OR q.org_id = :org)
		GROUP BY c.category`, sql.Named("org", f.OrgID))
	if err != nil {
		return err
	}
	defer rows.Close()
	byCategory := map[string]*SavingsFigures{}
	for rows.Next() {
		var name string
		var g SavingsFigures
		if err := rows.Scan(&name, &g.Quotes, &g.ListPence, &g.NetPence, &g.SavingsPence); err != nil {
			return err
		}
		byCategory[name] = &g
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.ByCategory = sortedGroups(byCategory)
	return nil
}

// monthOf is the first day of t's month in London.
func monthOf(t time.Time) time.Time {
	l := t.In(London)
	return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, London)
}

func group[K comparable](m map[K]*SavingsFigures, k K) *SavingsFigures {
	g := m[k]
	if g == nil {
		g = &SavingsFigures{}
		m[k] = g
	}
	return g
}

// sortedGroups lists groups by savings, largest first, then by label.
func sortedGroups(m map[string]*SavingsFigures) []SavingsGroup {
	out := make([]SavingsGroup, 0, len(m))
	for label, g := range m {
		out = append(out, SavingsGroup{Label: label, SavingsFigures: *g})
	}
	slices.SortFunc(out, func(a, b SavingsGroup) int {
		if c := cmp.Compare(b.SavingsPence, a.SavingsPence); c != 0 {
			return c
		}
		return cmp.Compare(a.Label, b.Label)
	})
	return out
}

// TierProgress is where an organisation stands on one agreement's in-life
// tiers.
type TierProgress struct {
	Agreement AgreementRef
	InlifeStatus
}

// OrgSavings is a buyer's home page figures: their own organisation's
// savings and trial numbers, and its progress to the next in-life tier
// under every agreement.
type OrgSavings struct {
	Savings
	Tiers []TierProgress
}

// OrgSavings returns the savings of the buyer's own organisation. Only
// buyers have one.
func (db *DB) OrgSavings(ctx context.Context, u *User) (OrgSavings, error) {
	var out OrgSavings
	if !u.Is(RoleBuyer) {
		return out, Errorf(EFORBIDDEN, "Only buyers see their organisation's savings")
	}
	var err error
	if out.Savings, err = db.Savings(ctx, SavingsFilter{OrgID: u.OrgID}); err != nil {
		return out, err
	}
	agreements, err := db.Agreements(ctx)
	if err != nil {
		return out, err
	}
	err = db.read(ctx, func(tx *sql.Tx) error {
		for _, a := range agreements {
			st, err := inlifeStatus(ctx, tx, u.OrgID, a.ID, 0)
			if err != nil {
				return err
			}
			out.Tiers = append(out.Tiers, TierProgress{Agreement: AgreementRef{ID: a.ID, Slug: a.Slug, Title: a.Title}, InlifeStatus: st})
		}
		return nil
	})
	return out, err
}
