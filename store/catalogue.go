package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Supplier sells offerings under one or more agreements.
type Supplier struct {
	ID   int64
	Slug string
	Name string
	// Identifier is its Companies House number as an org-id
	// (GB-COH-01234567), "" when not known.
	Identifier string
}

// Category groups offerings in the catalogue.
type Category struct {
	ID   int64
	Slug string
	Name string
	// CPV is its Common Procurement Vocabulary code (PRODUCT.md §7), which
	// classifies its items in OCDS; "" when not set.
	CPV string
}

// TrialTerms are an agreement's limits for free trials (PRODUCT.md §6).
type TrialTerms struct {
	PovMinSites, PovMaxSites, PovMinDays, PovMaxDays         int
	SdwanMinSites, SdwanMaxSites, SdwanMinDays, SdwanMaxDays int
	Text                                                     string
}

// Agreement is a CCS agreement (MoU or framework) with one supplier.
type Agreement struct {
	ID          int64
	Slug        string
	CCSRef      string
	Title       string
	Summary     string
	Supplier    Supplier
	StartsOn    string // YYYY-MM-DD
	EndsOn      string // YYYY-MM-DD
	Tiers       []Tier
	Trials      TrialTerms
	SocialValue []string
	// LearningDevelopment are the supplier's learning-and-development
	// commitments under the agreement.
	LearningDevelopment []string
	// Evaluation is what the agreement itself says about how quotes under
	// it are evaluated (paragraphs), besides the portal's rules that apply
	// to every agreement (EvaluationRules).
	Evaluation []string
}

// Attribute is one named fact about an offering, such as "Data allowance".
type Attribute struct {
	Key   string
	Value string
}

// AgreementRef names the agreement an offering is sold under.
type AgreementRef struct {
	ID    int64
	Slug  string
	Title string
}

// Offering is one product in the catalogue.
type Offering struct {
	ID           int64
	Slug         string
	Name         string
	Category     Category
	Supplier     Supplier
	Agreement    AgreementRef
	Unit         string
	Summary      string
	Description  string
	MonthlyPence int64
	OneOffPence  int64
	MouBP        int64
	Terms        []int
	Attributes   []Attribute
	SocialValue  []string
	PovTrial     bool
	SdwanTrial   bool
	Active       bool
	UpdatedAt    time.Time
}

// TermsString returns the term options as in the CSV: "12|24|36".
func (o Offering) TermsString() string {
	s := make([]string, len(o.Terms))
	for i, t := range o.Terms {
		s[i] = strconv.Itoa(t)
	}
	return strings.Join(s, "|")
}

// HasTerm reports whether months is one of the offering's term options.
func (o Offering) HasTerm(months int) bool {
	for _, t := range o.Terms {
		if t == months {
			return true
		}
	}
	return false
}

// Attribute returns the value of the named attribute, or "".
func (o Offering) Attribute(key string) string {
	for _, a := range o.Attributes {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

// PricePoint is the offering's price on one term, for one unit.
type PricePoint struct {
	Months int
	// Monthly is the waterfall of one month's charge (no one-off).
	Monthly LinePrice
	// Term is the waterfall of the whole term including the one-off charge.
	Term LinePrice
}

// PricePoints prices one unit of the offering on each of its terms at the
// given in-life discount.
func (o Offering) PricePoints(inlifeBP int64) []PricePoint {
	pts := make([]PricePoint, len(o.Terms))
	for i, t := range o.Terms {
		pts[i] = PricePoint{
			Months:  t,
			Monthly: MonthlyPrice(o.MonthlyPence, o.MouBP, inlifeBP),
			Term: PriceLine(LineInput{MonthlyPence: o.MonthlyPence, OneOffPence: o.OneOffPence,
				MouBP: o.MouBP, InlifeBP: inlifeBP, Quantity: 1, TermMonths: int64(t)}),
		}
	}
	return pts
}

// PriceChange is one entry of an offering's price history.
type PriceChange struct {
	At           time.Time
	MonthlyPence int64
	OneOffPence  int64
	MouBP        int64
}

const offeringColumns = `o.id, o.slug, o.name, c.id, c.slug, c.name, s.id, s.slug, s.name,
	a.id, a.slug, a.title, o.unit, o.summary, o.description, o.monthly_pence, o.one_off_pence,
	o.mou_discount_bp, o.attributes, o.social_value, o.pov_trial, o.sdwan_trial, o.active, o.updated_at,
	(SELECT group_concat(months, '|') FROM (SELECT months FROM offering_terms t WHERE t.offering_id = o.id ORDER BY months))`

const offeringFrom = ` FROM offerings o
	JOIN categories c ON c.id = o.category_id
	JOIN suppliers s ON s.id = o.supplier_id
	JOIN agreements a ON a.id = o.agreement_id`

type scanner interface{ Scan(dest ...any) error }

func scanOffering(row scanner) (Offering, error) {
	var o Offering
	var attrs, social, updated string
	var terms sql.NullString
	err := row.Scan(&o.ID, &o.Slug, &o.Name, &o.Category.ID, &o.Category.Slug, &o.Category.Name,
		&o.Supplier.ID, &o.Supplier.Slug, &o.Supplier.Name, &o.Agreement.ID, &o.Agreement.Slug, &o.Agreement.Title,
		&o.Unit, &o.Summary, &o.Description, &o.MonthlyPence, &o.OneOffPence, &o.MouBP,
		&attrs, &social, &o.PovTrial, &o.SdwanTrial, &o.Active, &updated, &terms)
	if err != nil {
		return o, err
	}
	var pairs [][2]string
	if err := json.Unmarshal([]byte(attrs), &pairs); err != nil {
		return o, fmt.Errorf("offering %s attributes: %w", o.Slug, err)
	}
	o.Attributes = make([]Attribute, len(pairs))
	for i, p := range pairs {
		o.Attributes[i] = Attribute{Key: p[0], Value: p[1]}
	}
	if err := json.Unmarshal([]byte(social), &o.SocialValue); err != nil {
		return o, fmt.Errorf("offering %s social value: %w", o.Slug, err)
	}
	o.UpdatedAt, _ = time.Parse(time.RFC3339, updated)
	if terms.Valid {
		for _, t := range strings.Split(terms.String, "|") {
			n, _ := strconv.Atoi(t)
			o.Terms = append(o.Terms, n)
		}
	}
	return o, nil
}

// offeringBySlug is the query of the offering page and compare columns.
const offeringBySlug = "SELECT " + offeringColumns + offeringFrom + " WHERE o.slug = ?"

// Offering returns the offering with the given slug, active or withdrawn.
func (db *DB) Offering(ctx context.Context, slug string) (Offering, error) {
	o, err := scanOffering(db.readRow(ctx, nil, offeringBySlug, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return o, Errorf(ENOTFOUND, "There is no such offering")
	}
	return o, err
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func findOffering(ctx context.Context, q querier, where string, args ...any) (Offering, error) {
	o, err := scanOffering(q.QueryRowContext(ctx, "SELECT "+offeringColumns+offeringFrom+" WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return o, Errorf(ENOTFOUND, "There is no such offering")
	}
	return o, err
}

// OfferingsBySlug returns the named offerings in the order asked; an unknown
// slug is ENOTFOUND.
func (db *DB) OfferingsBySlug(ctx context.Context, slugs []string) ([]Offering, error) {
	out := make([]Offering, 0, len(slugs))
	err := db.read(ctx, func(tx *sql.Tx) error {
		for _, s := range slugs {
			o, err := scanOffering(db.readRow(ctx, tx, offeringBySlug, s))
			if errors.Is(err, sql.ErrNoRows) {
				return Errorf(ENOTFOUND, "There is no offering called %q", s)
			} else if err != nil {
				return err
			}
			out = append(out, o)
		}
		return nil
	})
	return out, err
}

// PriceHistory returns the offering's prices, newest first.
func (db *DB) PriceHistory(ctx context.Context, offeringID int64) ([]PriceChange, error) {
	rows, err := db.readRows(ctx, nil, `SELECT changed_at, monthly_pence, one_off_pence, mou_discount_bp
		FROM offering_prices WHERE offering_id = ? ORDER BY id DESC`, offeringID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PriceChange
	for rows.Next() {
		var p PriceChange
		var at string
		if err := rows.Scan(&at, &p.MonthlyPence, &p.OneOffPence, &p.MouBP); err != nil {
			return nil, err
		}
		p.At, _ = time.Parse(time.RFC3339, at)
		out = append(out, p)
	}
	return out, rows.Err()
}

const agreementColumns = `a.id, a.slug, a.ccs_ref, a.title, a.summary, s.id, s.slug, s.name, a.starts_on, a.ends_on,
	a.pov_min_sites, a.pov_max_sites, a.pov_min_days, a.pov_max_days,
	a.sdwan_min_sites, a.sdwan_max_sites, a.sdwan_min_days, a.sdwan_max_days, a.trial_terms, a.social_value,
	a.learning_development, a.evaluation
	FROM agreements a JOIN suppliers s ON s.id = a.supplier_id`

func scanAgreement(row scanner) (Agreement, error) {
	var a Agreement
	var social, learning, evaluation string
	t := &a.Trials
	err := row.Scan(&a.ID, &a.Slug, &a.CCSRef, &a.Title, &a.Summary, &a.Supplier.ID, &a.Supplier.Slug, &a.Supplier.Name,
		&a.StartsOn, &a.EndsOn, &t.PovMinSites, &t.PovMaxSites, &t.PovMinDays, &t.PovMaxDays,
		&t.SdwanMinSites, &t.SdwanMaxSites, &t.SdwanMinDays, &t.SdwanMaxDays, &t.Text, &social, &learning, &evaluation)
	if err != nil {
		return a, err
	}
	return a, errors.Join(json.Unmarshal([]byte(social), &a.SocialValue), json.Unmarshal([]byte(learning), &a.LearningDevelopment),
		json.Unmarshal([]byte(evaluation), &a.Evaluation))
}

func loadTiers(ctx context.Context, q querier, a *Agreement) error {
	rows, err := q.QueryContext(ctx, `SELECT from_pence, bp FROM agreement_tiers WHERE agreement_id = ? ORDER BY from_pence`, a.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	a.Tiers = nil
	for rows.Next() {
		var t Tier
		if err := rows.Scan(&t.FromPence, &t.BP); err != nil {
			return err
		}
		a.Tiers = append(a.Tiers, t)
	}
	return rows.Err()
}

// Agreement returns the agreement with the given slug, with its tiers.
func (db *DB) Agreement(ctx context.Context, slug string) (Agreement, error) {
	refs, err := db.catalogueRefs(ctx)
	if err != nil {
		return Agreement{}, err
	}
	i, ok := refs.bySlug[slug]
	if !ok {
		return Agreement{}, Errorf(ENOTFOUND, "There is no such agreement")
	}
	return refs.agreements[i].clone(), nil
}

// Agreements returns every agreement, with tiers, by title.
func (db *DB) Agreements(ctx context.Context) ([]Agreement, error) {
	refs, err := db.catalogueRefs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Agreement, len(refs.agreements))
	for i, a := range refs.agreements {
		out[i] = a.clone()
	}
	return out, nil
}

// clone copies the agreement's slices, so that callers never share them
// with the cached copy.
func (a Agreement) clone() Agreement {
	a.Tiers = slices.Clone(a.Tiers)
	a.SocialValue = slices.Clone(a.SocialValue)
	a.LearningDevelopment = slices.Clone(a.LearningDevelopment)
	a.Evaluation = slices.Clone(a.Evaluation)
	return a
}

// refs are the catalogue's agreements and categories: few, read on most
// pages, and changed only with the catalogue, so they are read once per
// catalogue version.
type refs struct {
	version    int64
	agreements []Agreement // by title
	bySlug     map[string]int
	categories []Category // in display order
}

// catalogueRefs returns the agreements and categories for the catalogue
// version this process knows (or a newer one).
func (db *DB) catalogueRefs(ctx context.Context) (*refs, error) {
	v := db.Versions()[DataCatalogue]
	if r := db.refs.Load(); r != nil && r.version >= v {
		return r, nil
	}
	r := &refs{bySlug: map[string]int{}}
	err := db.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'catalogue_version'").Scan(&r.version); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+agreementColumns+" ORDER BY a.title")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAgreement(rows)
			if err != nil {
				return err
			}
			r.bySlug[a.Slug] = len(r.agreements)
			r.agreements = append(r.agreements, a)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range r.agreements {
			if err := loadTiers(ctx, tx, &r.agreements[i]); err != nil {
				return err
			}
		}
		r.categories, err = categories(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Keep the newest of concurrent loads.
	for {
		old := db.refs.Load()
		if old != nil && old.version >= r.version {
			return old, nil
		}
		if db.refs.CompareAndSwap(old, r) {
			return r, nil
		}
	}
}

// AgreementOfferings returns the active offerings sold under an agreement, by category then name.
func (db *DB) AgreementOfferings(ctx context.Context, agreementID int64) ([]Offering, error) {
	out, _, err := db.AgreementOfferingsUpTo(ctx, agreementID, -1)
	return out, err
}

// AgreementOfferingsUpTo returns at most limit (negative: all) of the active
// offerings sold under an agreement, by category then name, and how many
// there are in all, so pages stay small on a large catalogue. The ids come
// in order from the schedule index, category by category, and only those
// offerings are then read whole.
func (db *DB) AgreementOfferingsUpTo(ctx context.Context, agreementID int64, limit int) ([]Offering, int, error) {
	var total int
	var out []Offering
	err := db.read(ctx, func(tx *sql.Tx) error {
		cats, err := db.scheduleCategories(ctx, tx, agreementID)
		if err != nil {
			return err
		}
		var ids []int64
		for _, c := range cats {
			total += c.Count
			if limit >= 0 && len(ids) >= limit {
				continue
			}
			n := c.Count
			if limit >= 0 {
				n = min(n, limit-len(ids))
			}
			more, err := scanIDs(db.readRows(ctx, tx, scheduleIDsQuery, agreementID, c.Category.ID, n))
			if err != nil {
				return err
			}
			ids = append(ids, more...)
		}
		out, err = offeringsByID(ctx, tx, ids)
		return err
	})
	return out, total, err
}

// scanIDs reads a query's single integer column (a query result passed
// straight in) and closes the rows.
func scanIDs(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// offeringsByID loads the offerings with the given ids, in that order.
func offeringsByID(ctx context.Context, q querier, ids []int64) ([]Offering, error) {
	out := make([]Offering, len(ids))
	at := make(map[int64]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	// Chunks stay under SQLite's parameter limit.
	for start := 0; start < len(ids); start += 5000 {
		chunk := ids[start:min(start+5000, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, "SELECT "+offeringColumns+offeringFrom+
			" WHERE o.id IN (?"+strings.Repeat(",?", len(chunk)-1)+")", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			o, err := scanOffering(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[at[o.ID]] = o
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ScheduleEntry is one offering in an agreement's discount schedule.
type ScheduleEntry struct {
	Slug, Name   string
	MonthlyPence int64
	MouBP        int64
}

// ScheduleCategory is one category of an agreement's discount schedule:
// how many active offerings it has, the range of their MoU discounts, and
// the first of them by name.
type ScheduleCategory struct {
	Category     Category
	Count        int
	MinBP, MaxBP int64
	Offerings    []ScheduleEntry
}

// Schedule is an agreement's discount schedule: its categories in display
// order (those with active offerings), and how many offerings it has in all
// and how many of them are listed.
type Schedule struct {
	Categories []ScheduleCategory
	Total      int
	Listed     int
}

// AgreementSchedule returns an agreement's discount schedule, listing at
// most limit offerings (by category, then name). Every query reads the
// offerings_agreement_schedule index alone, in its order, so the page stays
// cheap however many offerings the agreement has.
func (db *DB) AgreementSchedule(ctx context.Context, agreementID int64, limit int) (Schedule, error) {
	var s Schedule
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		if s.Categories, err = db.scheduleCategories(ctx, tx, agreementID); err != nil {
			return err
		}
		for _, c := range s.Categories {
			s.Total += c.Count
		}
		for i := range s.Categories {
			if s.Listed >= limit {
				break
			}
			sc := &s.Categories[i]
			if sc.Offerings, err = db.scheduleEntries(ctx, tx, agreementID, sc.Category.ID, limit-s.Listed); err != nil {
				return err
			}
			s.Listed += len(sc.Offerings)
		}
		return nil
	})
	return s, err
}

// scheduleCategories are the categories with active offerings under the
// agreement, in display order, with their counts and discount ranges.
func (db *DB) scheduleCategories(ctx context.Context, tx *sql.Tx, agreementID int64) ([]ScheduleCategory, error) {
	rows, err := db.readRows(ctx, tx, scheduleCategoriesQuery, agreementID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ScheduleCategory
	for rows.Next() {
		var sc ScheduleCategory
		if err := rows.Scan(&sc.Category.ID, &sc.Category.Slug, &sc.Category.Name, &sc.Count, &sc.MinBP, &sc.MaxBP); err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

const (
	scheduleIDsQuery = `SELECT id FROM offerings
		WHERE agreement_id = ? AND active = 1 AND category_id = ? ORDER BY name LIMIT ?`
	scheduleCategoriesQuery = `SELECT c.id, c.slug, c.name, g.n, g.lo, g.hi
		FROM (SELECT category_id, count(*) AS n, min(mou_discount_bp) AS lo, max(mou_discount_bp) AS hi
		      FROM offerings WHERE agreement_id = ? AND active = 1 GROUP BY category_id) g
		JOIN categories c ON c.id = g.category_id
		ORDER BY c.position, c.name`
	scheduleEntriesQuery = `SELECT slug, name, monthly_pence, mou_discount_bp FROM offerings
		WHERE agreement_id = ? AND active = 1 AND category_id = ? ORDER BY name LIMIT ?`
)

func (db *DB) scheduleEntries(ctx context.Context, tx *sql.Tx, agreementID, categoryID int64, limit int) ([]ScheduleEntry, error) {
	rows, err := db.readRows(ctx, tx, scheduleEntriesQuery, agreementID, categoryID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ScheduleEntry
	for rows.Next() {
		var e ScheduleEntry
		if err := rows.Scan(&e.Slug, &e.Name, &e.MonthlyPence, &e.MouBP); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Categories returns every category in display order.
func (db *DB) Categories(ctx context.Context) ([]Category, error) {
	refs, err := db.catalogueRefs(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(refs.categories), nil
}

func categories(ctx context.Context, q querier) ([]Category, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, slug, name FROM categories ORDER BY position, name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Category
	for rows.Next() {
		var c Category
		if err := rows.Scan(&c.ID, &c.Slug, &c.Name); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// HasDemoData reports whether the demo data set was loaded into this database.
func (db *DB) HasDemoData(ctx context.Context) (bool, error) {
	var v int64
	err := db.r.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'demo'").Scan(&v)
	return v == 1, err
}

// DiscountName is what an agreement's supply-chain discount is called on
// prices: "MoU discount" under a Memorandum of Understanding, otherwise
// "Agreement discount" (a framework's discount is not an MoU's).
func DiscountName(agreementTitle string) string {
	if strings.Contains(agreementTitle, "Memorandum of Understanding") || strings.Contains(agreementTitle, "MoU") {
		return "MoU discount"
	}
	return "Agreement discount"
}
