package store

// Transparency (PRODUCT.md §7): the public register of approved quotes, the
// open data built from the same query (CSV and OCDS), the publication
// duties a contract triggers, and a local authority's spend lines.

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Publication thresholds (PRODUCT.md §7).
const (
	// NoticeCentralPence is the Procurement Act 2023 contract details
	// notice threshold for central government: £12,000 including VAT.
	NoticeCentralPence = 1_200_000
	// NoticeOtherPence is the same threshold for every other public body:
	// £30,000 including VAT.
	NoticeOtherPence = 3_000_000
	// SpendLinePence is the Local Government Transparency Code's spend
	// threshold: local authorities publish every item over £500 net of VAT.
	SpendLinePence = 50_000
)

// IsLocalAuthority reports whether an organisation of this type is a local
// authority, bound by the Local Government Transparency Code.
func IsLocalAuthority(orgType string) bool {
	switch orgType {
	case OrgCountyCouncil, OrgDistrictCouncil, OrgUnitaryAuthority:
		return true
	}
	return false
}

// SpendLineDue reports whether a contract of this net value (excluding
// VAT) is an item of spend that an organisation of this type publishes
// under the Local Government Transparency Code: the one rule behind the
// quote page's duty and the spend CSV.
func SpendLineDue(orgType string, netPence int64) bool {
	return IsLocalAuthority(orgType) && netPence > SpendLinePence
}

// noticeThreshold is the contract details notice threshold for an
// organisation of this type, and whom it applies to.
func noticeThreshold(orgType string) (int64, string) {
	if orgType == OrgCentralGovernment {
		return NoticeCentralPence, "central government"
	}
	return NoticeOtherPence, "public bodies other than central government"
}

// NoticeDue reports whether a contract of this gross value (including
// VAT) needs a Procurement Act 2023 contract details notice from an
// organisation of this type.
func NoticeDue(orgType string, grossPence int64) bool {
	threshold, _ := noticeThreshold(orgType)
	return grossPence >= threshold
}

// PublicationDuties lists the publication duties that a contract with
// these totals triggers for an organisation of the given type: the
// contract details notice on the gross value, the spend line on the net.
func PublicationDuties(orgType string, t Totals) []string {
	var out []string
	if NoticeDue(orgType, t.GrossPence) {
		threshold, who := noticeThreshold(orgType)
		out = append(out, "Procurement Act 2023: publish a contract details notice, because the contract is worth "+
			FormatPence(threshold)+" or more including VAT (the threshold for "+who+").")
	}
	if SpendLineDue(orgType, t.NetPence) {
		out = append(out, "Local Government Transparency Code: publish this spend, because it is over "+
			FormatPence(SpendLinePence)+" net of VAT.")
	}
	return out
}

// Register sorts and page size.
const (
	AwardSortDate  = "date"  // newest approval first (the default)
	AwardSortValue = "value" // largest gross value first
	// AwardsPerPage is how many awards a register page lists.
	AwardsPerPage = 50
	// RegisterMaxPage is the last page number the register lists (the
	// newest 5,000 awards of a filter, in its order). A page is found by
	// skipping the entries before it, so page 2,000 would read 100,000 of
	// them; beyond this page the register asks the visitor to narrow the
	// filter (dates, organisation, agreement, value band) or download the
	// CSV, which holds every award.
	RegisterMaxPage = 100
)

// earliestAwardDate is the earliest date filter accepted.
var earliestAwardDate = time.Date(2000, 1, 1, 0, 0, 0, 0, London)

// AwardQuery is the register's and the open data's filters, sort and page:
// one parser (ParseAwardQuery) reads it for the page, the CSV and OCDS, so
// the three always hold the same awards in the same order.
type AwardQuery struct {
	Agreement    string // an agreement's slug; "" for all
	Organisation string // a buyer organisation's identifier; "" for all
	From, To     string // UK approval dates, YYYY-MM-DD, inclusive; "" for open
	Band         string // a ValueBands value on the gross; "" for all
	Sort         string // AwardSortDate ("" too) or AwardSortValue
	Page         int    // the register's page, from 1 (the exports take every page)
}

// ParseAwardQuery reads the register's query string. Refused values come
// back as field errors and are left out of the query. An agreement or
// organisation that does not exist is not an error: it matches nothing.
func ParseAwardQuery(v url.Values) (AwardQuery, []FieldError) {
	q := AwardQuery{Agreement: strings.TrimSpace(v.Get("agreement")), Organisation: strings.TrimSpace(v.Get("organisation")),
		Band: v.Get("band"), Sort: v.Get("sort"), Page: 1}
	var errs []FieldError
	if _, fe := (Text{Field: "agreement", Label: "Agreement", Max: MaxName}).Check(q.Agreement); fe != nil {
		errs = append(errs, FieldError{"agreement", "Choose an agreement from the list"})
		q.Agreement = ""
	}
	if _, fe := (Text{Field: "organisation", Label: "Organisation", Max: MaxIdentifier}).Check(q.Organisation); fe != nil {
		errs = append(errs, FieldError{"organisation", "Choose an organisation from the list"})
		q.Organisation = ""
	}
	var from, to time.Time
	for _, d := range []struct {
		field, label string
		val          *string
		at           *time.Time
	}{{"from", "Approved from", &q.From, &from}, {"to", "Approved to", &q.To, &to}} {
		s := strings.TrimSpace(v.Get(d.field))
		if s == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, s, London)
		if err != nil || t.Format(time.DateOnly) != s {
			errs = append(errs, FieldError{d.field, d.label + " must be a real date as YYYY-MM-DD, for example 2026-04-01"})
			continue
		}
		if t.Before(earliestAwardDate) || t.Year() > 2100 {
			errs = append(errs, FieldError{d.field, d.label + " must be between 2000 and 2100"})
			continue
		}
		*d.val, *d.at = s, t
	}
	if q.From != "" && q.To != "" && to.Before(from) {
		errs = append(errs, FieldError{"to", "Approved to must be the same as or after approved from"})
		q.To = ""
	}
	if q.Band != "" && !validChoice(ValueBands, q.Band) {
		errs = append(errs, FieldError{"band", "Choose a value band from the list"})
		q.Band = ""
	}
	if q.Sort != "" && q.Sort != AwardSortDate && q.Sort != AwardSortValue {
		errs = append(errs, FieldError{"sort", "Sort by approval date or by value"})
		q.Sort = ""
	}
	if n, fe := parsePage(v); fe != nil {
		errs = append(errs, *fe)
	} else {
		q.Page = n
	}
	return q, errs
}

// Values is the query as URL parameters in canonical form (defaults left
// out).
func (q AwardQuery) Values() url.Values {
	v := url.Values{}
	for _, p := range [][2]string{{"agreement", q.Agreement}, {"organisation", q.Organisation}, {"from", q.From}, {"to", q.To}, {"band", q.Band}} {
		if p[1] != "" {
			v.Set(p[0], p[1])
		}
	}
	if q.Sort == AwardSortValue {
		v.Set("sort", q.Sort)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// URL is path with the query (the page dropped for an export).
func (q AwardQuery) URL(path string) string {
	if e := q.Values().Encode(); e != "" {
		return path + "?" + e
	}
	return path
}

// With returns the query changed by fn, back on page 1 unless fn sets one.
func (q AwardQuery) With(fn func(*AwardQuery)) AwardQuery {
	q.Page = 1
	fn(&q)
	return q
}

// SortLabel says the query's order in words: "newest" or "highest value".
func (q AwardQuery) SortLabel() string {
	if q.Sort == AwardSortValue {
		return "highest value"
	}
	return "newest"
}

// Filtered reports whether any filter is set.
func (q AwardQuery) Filtered() bool {
	return q.Agreement != "" || q.Organisation != "" || q.From != "" || q.To != "" || q.Band != ""
}

// AwardParty is a buyer or supplier as published.
type AwardParty struct {
	Name       string
	Identifier string // an org-id such as GB-LAC-E10000014; "" when not known
	Type       string // an organisation type (buyers only)
}

// Award is one approved quote version as the register publishes it.
type Award struct {
	ID         int64 // the quote version's id
	Ref        string
	Version    int
	ApprovedAt time.Time // the approval that made it approved
	Buyer      AwardParty
	BuyerID    int64 // the buyer organisation's id
	Supplier   AwardParty
	Agreement  struct{ Slug, Title, CCSRef string }
	// Totals has the list, net, VAT, gross and savings (not the discount
	// split, which the snapshot has).
	Totals Totals
	// Snapshot is the quote as issued, loaded only when asked for (OCDS).
	Snapshot *QuoteSnapshot
}

// Duties are the publication duties the award triggers, in short: the
// register's column (PublicationDuties says them in full).
func (a Award) Duties() []string {
	var out []string
	if NoticeDue(a.Buyer.Type, a.Totals.GrossPence) {
		out = append(out, "Contract details notice")
	}
	if SpendLineDue(a.Buyer.Type, a.Totals.NetPence) {
		out = append(out, "Spend over £500")
	}
	return out
}

// ApprovedOn is the UK approval date, YYYY-MM-DD.
func (a Award) ApprovedOn() string { return a.ApprovedAt.In(London).Format(time.DateOnly) }

// AwardTotals sums the awards matching a query.
type AwardTotals struct {
	Count                                 int
	NetPence, VATPence, GrossPence, Saved int64
	// Latest is the latest approval among them (zero when none): open
	// data's publishedDate and Last-Modified.
	Latest time.Time
}

// AwardRegister is one page of the register.
type AwardRegister struct {
	Query       AwardQuery
	Awards      []Award
	Totals      AwardTotals // for every award matching the filters
	Page, Pages int
	// The filters' choices: agreements, and the buyer organisations with
	// an approved award (value: identifier).
	Agreements    []Choice
	Organisations []Choice
}

// fewAgreementAwards is how many awards an agreement may have and still
// have a register page read from its quotes and sorted, rather than by
// walking every award in order for its own.
var fewAgreementAwards = 5_000

// ListedPages is how many pages of the register's filter are listed: all
// of them up to RegisterMaxPage.
func (r AwardRegister) ListedPages() int { return min(r.Pages, RegisterMaxPage) }

// Unlisted reports whether the page asked for is past RegisterMaxPage
// (and then the register holds no awards).
func (r AwardRegister) Unlisted() bool { return r.Page > RegisterMaxPage }

// awardFilter is the FROM and WHERE clauses and arguments shared by the
// register, its totals and the exports: the one reading of an AwardQuery's
// filters. The FROM clause names quote_versions v, and quotes q when
// withQuotes (the columns of awardJoins need it).
//
// SQLite's planner, without statistics, prefers the review queue's index on
// status, which would read every approved row from the table and sort it;
// so the plan is chosen here: for one organisation, or when fromQuotes
// (an agreement with few awards), from the quotes (a few thousand at
// most), else along the approved versions' partial index in the order
// asked for (dates and values are ranges of it, and a page stops after its
// rows).
func awardFilter(q AwardQuery, withQuotes, fromQuotes bool) (from, where string, args []any) {
	conds := []string{"v.status = 'approved'"}
	fromQuotes = fromQuotes || q.Organisation != ""
	if fromQuotes {
		from = ` FROM quotes q CROSS JOIN quote_versions v INDEXED BY quote_versions_approved_quote ON v.quote_id = q.id`
	} else {
		index := "quote_versions_approved_date"
		if q.Sort == AwardSortValue {
			index = "quote_versions_approved_value"
		}
		from = ` FROM quote_versions v INDEXED BY ` + index
		if withQuotes {
			from += ` JOIN quotes q ON q.id = v.quote_id`
		}
	}
	if q.Organisation != "" {
		conds = append(conds, "q.org_id = (SELECT id FROM organisations WHERE identifier = :org COLLATE NOCASE)")
		args = append(args, sql.Named("org", q.Organisation))
	}
	if q.Agreement != "" {
		// Along the index, each version's quote is looked up by its key
		// (an IN list of the agreement's quotes would first be built
		// whole: 100,000 of them for the main agreement).
		quoteAgreement := "(SELECT aq.agreement_id FROM quotes aq WHERE aq.id = v.quote_id)"
		if withQuotes || fromQuotes {
			quoteAgreement = "q.agreement_id"
		}
		conds = append(conds, quoteAgreement+" = (SELECT id FROM agreements WHERE slug = :agreement)")
		args = append(args, sql.Named("agreement", q.Agreement))
	}
	// Approval times are stored as RFC 3339 UTC, so the UK days' bounds
	// compare as text.
	if t, err := time.ParseInLocation(time.DateOnly, q.From, London); err == nil {
		conds = append(conds, "v.decided_at >= :from")
		args = append(args, sql.Named("from", timestamp(t)))
	}
	if t, err := time.ParseInLocation(time.DateOnly, q.To, London); err == nil {
		conds = append(conds, "v.decided_at < :to")
		args = append(args, sql.Named("to", timestamp(t.AddDate(0, 0, 1))))
	}
	if c := bandCondition(q.Band, "v.gross_total_pence"); c != "" {
		conds = append(conds, c)
	}
	return from, " WHERE " + strings.Join(conds, " AND "), args
}

func awardOrder(q AwardQuery) string {
	if q.Sort == AwardSortValue {
		return " ORDER BY v.gross_total_pence DESC, v.id DESC"
	}
	return " ORDER BY v.decided_at DESC, v.id DESC"
}

const awardColumns = `v.id, q.ref, v.version, v.decided_at, o.id, o.name, o.identifier, o.type, s.name, s.identifier,
	a.slug, a.title, a.ccs_ref, v.list_total_pence, v.net_total_pence, v.vat_pence, v.gross_total_pence, v.savings_pence`

const awardJoins = ` JOIN organisations o ON o.id = q.org_id JOIN agreements a ON a.id = q.agreement_id JOIN suppliers s ON s.id = a.supplier_id`

func scanAward(r scanner, withSnapshot bool) (Award, error) {
	var a Award
	var at string
	var snapshot []byte
	dest := []any{&a.ID, &a.Ref, &a.Version, &at, &a.BuyerID, &a.Buyer.Name, &a.Buyer.Identifier, &a.Buyer.Type,
		&a.Supplier.Name, &a.Supplier.Identifier, &a.Agreement.Slug, &a.Agreement.Title, &a.Agreement.CCSRef,
		&a.Totals.ListPence, &a.Totals.NetPence, &a.Totals.VATPence, &a.Totals.GrossPence, &a.Totals.SavingsPence}
	if withSnapshot {
		dest = append(dest, &snapshot)
	}
	if err := r.Scan(dest...); err != nil {
		return a, err
	}
	a.ApprovedAt = parseTimestamp(at)
	if withSnapshot {
		a.Snapshot = new(QuoteSnapshot)
		if err := json.Unmarshal(snapshot, a.Snapshot); err != nil {
			return a, err
		}
	}
	return a, nil
}

// awardTotals sums the awards matching q: from the day totals
// (award_day_totals, kept by triggers) when the filters are all ones they
// hold (agreement, whole UK days, value band), else from the versions.
func awardTotals(ctx context.Context, tx *sql.Tx, q AwardQuery) (AwardTotals, error) {
	if q.Organisation != "" {
		return awardTotalsFromVersions(ctx, tx, q)
	}
	var t AwardTotals
	conds := []string{"1"}
	var args []any
	if q.Agreement != "" {
		conds = append(conds, "agreement_id = (SELECT id FROM agreements WHERE slug = :agreement)")
		args = append(args, sql.Named("agreement", q.Agreement))
	}
	// The same dates awardFilter reads (an unreadable one is no filter).
	if t, err := time.ParseInLocation(time.DateOnly, q.From, London); err == nil {
		conds = append(conds, "day >= :from")
		args = append(args, sql.Named("from", t.Format(time.DateOnly)))
	}
	if t, err := time.ParseInLocation(time.DateOnly, q.To, London); err == nil {
		conds = append(conds, "day <= :to")
		args = append(args, sql.Named("to", t.Format(time.DateOnly)))
	}
	if q.Band != "" {
		conds = append(conds, "band = :band")
		args = append(args, sql.Named("band", q.Band))
	}
	var lastDay sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(awards), 0), coalesce(sum(net_pence), 0), coalesce(sum(vat_pence), 0),
		coalesce(sum(gross_pence), 0), coalesce(sum(savings_pence), 0), max(day) FROM award_day_totals WHERE `+strings.Join(conds, " AND "), args...).
		Scan(&t.Count, &t.NetPence, &t.VATPence, &t.GrossPence, &t.Saved, &lastDay); err != nil || t.Count == 0 {
		return t, err
	}
	// The latest approval is on the last day with an award: read that
	// day's few versions.
	day := q
	day.From, day.To = lastDay.String, lastDay.String
	latest, err := awardTotalsFromVersions(ctx, tx, day)
	t.Latest = latest.Latest
	return t, err
}

// awardTotalsFromVersions sums the awards matching q from the approved
// versions themselves.
func awardTotalsFromVersions(ctx context.Context, tx *sql.Tx, q AwardQuery) (AwardTotals, error) {
	var t AwardTotals
	var latest sql.NullString
	// Totals read the date index (or one organisation's quotes): the
	// order does not matter, and the date filters are ranges of it.
	q.Sort = AwardSortDate
	from, where, args := awardFilter(q, false, false)
	err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(v.net_total_pence), 0), coalesce(sum(v.vat_pence), 0),
		coalesce(sum(v.gross_total_pence), 0), coalesce(sum(v.savings_pence), 0), max(v.decided_at)`+from+where, args...).
		Scan(&t.Count, &t.NetPence, &t.VATPence, &t.GrossPence, &t.Saved, &latest)
	t.Latest = parseTimestamp(latest.String)
	return t, err
}

// AwardRegister returns one page of the register for q: the approved quote
// versions matching its filters, in its order, with their totals. Anyone
// may read it.
func (db *DB) AwardRegister(ctx context.Context, q AwardQuery) (AwardRegister, error) {
	r := AwardRegister{Query: q, Page: max(q.Page, 1)}
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		if r.Agreements, err = agreementChoices(ctx, tx); err != nil {
			return err
		}
		if r.Organisations, err = collect(ctx, tx, scanChoice, `SELECT o.identifier, o.name FROM organisations o
			WHERE EXISTS (SELECT 1 FROM quotes q CROSS JOIN quote_versions v INDEXED BY quote_versions_approved_quote ON v.quote_id = q.id
				WHERE q.org_id = o.id AND v.status = 'approved')
			ORDER BY o.name COLLATE NOCASE`); err != nil {
			return err
		}
		if r.Totals, err = awardTotals(ctx, tx, q); err != nil {
			return err
		}
		r.Pages = max(1, (r.Totals.Count+AwardsPerPage-1)/AwardsPerPage)
		if r.Page > RegisterMaxPage {
			return nil // not listed: the page says how to narrow the filter
		}
		// An agreement with few awards is read from its quotes: along
		// the index, its awards could be anywhere among all the others.
		var fromQuotes bool
		if q.Agreement != "" && q.Organisation == "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(awards), 0) FROM award_day_totals
				WHERE agreement_id = (SELECT id FROM agreements WHERE slug = ?)`, q.Agreement).Scan(&n); err != nil {
				return err
			}
			fromQuotes = n <= fewAgreementAwards
		}
		// The page's versions first, from the index alone, then their
		// details: a deep page skips index entries, not joined rows.
		from, where, args := awardFilter(q, false, fromQuotes)
		args = append(args, sql.Named("limit", AwardsPerPage), sql.Named("offset", (r.Page-1)*AwardsPerPage))
		r.Awards, err = collect(ctx, tx, func(s scanner) (Award, error) { return scanAward(s, false) },
			`SELECT `+awardColumns+` FROM (SELECT v.id`+from+where+awardOrder(q)+` LIMIT :limit OFFSET :offset) p
			JOIN quote_versions v ON v.id = p.id JOIN quotes q ON q.id = v.quote_id`+awardJoins+awardOrder(q), args...)
		return err
	})
	return r, err
}

// AwardsSummary returns the totals of the awards matching q (the page is
// ignored): how many, and the latest approval, for the exports' headers.
func (db *DB) AwardsSummary(ctx context.Context, q AwardQuery) (AwardTotals, error) {
	var t AwardTotals
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = awardTotals(ctx, tx, q)
		return err
	})
	return t, err
}

// EachAward calls fn with every award matching q (all pages), in q's order,
// reading them one row at a time in one read transaction, so an export of
// any size holds one award in memory and is one consistent picture. With
// snapshots, each award carries its quote as issued. fn's error stops it.
func (db *DB) EachAward(ctx context.Context, q AwardQuery, snapshots bool, fn func(Award) error) error {
	cols := awardColumns
	if snapshots {
		cols += ", v.snapshot"
	}
	from, where, args := awardFilter(q, true, false)
	return db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+cols+from+awardJoins+where+awardOrder(q), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAward(rows, snapshots)
			if err != nil {
				return err
			}
			if err := fn(a); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// CategoryCPVs maps each category's name, as quotes record it, to its CPV
// code, for classifying OCDS items.
func (db *DB) CategoryCPVs(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := db.read(ctx, func(tx *sql.Tx) error {
		cs, err := collect(ctx, tx, scanChoice, `SELECT name, cpv FROM categories WHERE cpv <> ''`)
		for _, c := range cs {
			out[c.Value] = c.Label
		}
		return err
	})
	return out, err
}

// SpendOrganisation returns the organisation whose spend lines u may
// download: u's own, when u is one of its buyers and it is a local
// authority. Any other organisation is not found, so the answer says
// nothing about organisations that are not the buyer's.
func (db *DB) SpendOrganisation(ctx context.Context, u *User, orgID int64) (Organisation, error) {
	if !u.Is(RoleBuyer) || u.OrgID != orgID {
		return Organisation{}, Errorf(ENOTFOUND, "There are no spend lines for you here: a buyer can download only their own organisation’s spend lines.")
	}
	var o Organisation
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations o WHERE o.id = ?`, orgID))
		return err
	})
	if err == sql.ErrNoRows {
		return o, Errorf(ENOTFOUND, "Organisation not found.")
	}
	if err == nil && !IsLocalAuthority(o.Type) {
		return o, Errorf(ENOTFOUND, "Only local authorities publish spend lines under the Local Government Transparency Code; %s is not one.", o.Name)
	}
	return o, err
}

// EachSpendLine calls fn, oldest approval first, with every approved quote
// of u's organisation that is an item of spend the Local Government
// Transparency Code publishes (SpendLineDue), with its snapshot (its
// categories name the expense type).
func (db *DB) EachSpendLine(ctx context.Context, u *User, orgID int64, fn func(Award) error) error {
	o, err := db.SpendOrganisation(ctx, u, orgID)
	if err != nil {
		return err
	}
	return db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+awardColumns+`, v.snapshot FROM quotes q CROSS JOIN quote_versions v INDEXED BY quote_versions_approved_quote ON v.quote_id = q.id`+awardJoins+`
			WHERE v.status = 'approved' AND q.org_id = ? ORDER BY v.decided_at, v.id`, o.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAward(rows, true)
			if err != nil {
				return err
			}
			if !SpendLineDue(a.Buyer.Type, a.Totals.NetPence) {
				continue
			}
			if err := fn(a); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
