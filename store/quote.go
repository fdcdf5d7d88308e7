package store

// Quotes (PRODUCT.md §4): submitting a basket issues an immutable quote
// version; versions are withdrawn, superseded, expire or are decided.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// QuoteValidDays is how long a quote is valid after its issue date.
const QuoteValidDays = 30

// TwoApproverGrossPence is the gross total from which a quote needs two
// different reviewers' approvals: £100,000.
const TwoApproverGrossPence = 10_000_000

// ApprovalsNeeded is how many different reviewers must approve a quote of
// the given gross total: two from £100,000.00 (PRODUCT.md §5), else one.
func ApprovalsNeeded(grossPence int64) int {
	if grossPence >= TwoApproverGrossPence {
		return 2
	}
	return 1
}

// QuoteOrg is the buying organisation as recorded on a quote.
type QuoteOrg struct {
	Name       string `json:"name"`
	Identifier string `json:"identifier"`
	Type       string `json:"type"`
}

// QuoteContact is the buyer who submitted the quote.
type QuoteContact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// QuoteAgreement is the agreement and its terms in force at issue.
type QuoteAgreement struct {
	Slug         string   `json:"slug"`
	CCSRef       string   `json:"ccs_ref"`
	Title        string   `json:"title"`
	Summary      string   `json:"summary"`
	Supplier     string   `json:"supplier"`
	SupplierSlug string   `json:"supplier_slug"`
	StartsOn     string   `json:"starts_on"`
	EndsOn       string   `json:"ends_on"`
	Tiers        []Tier   `json:"tiers"`
	TrialTerms   string   `json:"trial_terms"`
	SocialValue  []string `json:"social_value"`
}

// QuoteLine is one line of a quote with the prices it was issued at.
type QuoteLine struct {
	OfferingSlug string    `json:"offering_slug"`
	OfferingName string    `json:"offering_name"`
	Category     string    `json:"category"`
	Unit         string    `json:"unit"`
	MonthlyPence int64     `json:"monthly_pence"`
	OneOffPence  int64     `json:"one_off_pence"`
	MouBP        int64     `json:"mou_discount_bp"`
	Quantity     int64     `json:"quantity"`
	TermMonths   int64     `json:"term_months"`
	Price        LinePrice `json:"price"`
}

// QuoteSnapshot is everything a quote version fixes at issue.
type QuoteSnapshot struct {
	BasketName   string         `json:"basket_name"`
	Organisation QuoteOrg       `json:"organisation"`
	Contact      QuoteContact   `json:"contact"`
	Agreement    QuoteAgreement `json:"agreement"`
	Inlife       InlifeStatus   `json:"inlife"`
	Requirements Requirements   `json:"requirements"`
	Lines        []QuoteLine    `json:"lines"`
	Totals       Totals         `json:"totals"`
}

// Approval is one reviewer's approval of a quote version.
type Approval struct {
	Reviewer      string
	ReviewerEmail string
	At            time.Time
}

// QuoteVersion is one issued version of a quote.
type QuoteVersion struct {
	ID              int64
	Ref             string
	Version         int
	Latest          int // the quote's newest version number
	Status          QuoteStatus
	BasketID        int64
	BasketStatus    BasketStatus
	IssuedAt        time.Time
	IssuedBy        string
	ValidUntil      string // YYYY-MM-DD, UK date
	InlifeBP        int64
	ApprovalsNeeded int
	Approvals       []Approval
	DecidedAt       time.Time    // zero while undecided
	Events          []AuditEvent // the quote's history: its basket's audit rows about any version, oldest first
	QuoteSnapshot
}

// ValidUntilDate is the last day the quote is valid, as a UK date.
func (q QuoteVersion) ValidUntilDate() time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, q.ValidUntil, London)
	return t
}

// OverBudget reports whether the gross total is more than the budget.
func (q QuoteVersion) OverBudget() bool { return q.Totals.GrossPence > q.Requirements.BudgetPence }

// ValidUntil returns the valid-until date for a quote issued at now:
// the UK issue date plus QuoteValidDays.
func ValidUntil(now time.Time) string {
	return TodayLondon(now).AddDate(0, 0, QuoteValidDays).Format(time.DateOnly)
}

// expireDue expires overdue quotes, writing only when there is one. Reads
// call it first, so a page never shows a quote as awaiting a decision past
// its validity, whether or not the sweeper has run yet.
func (db *DB) expireDue(ctx context.Context) error {
	now := db.Now()
	var due bool
	if err := db.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM quote_versions WHERE status = 'submitted' AND valid_until < ?)`,
		TodayLondon(now).Format(time.DateOnly)).Scan(&due); err != nil {
		return err
	}
	if !due {
		return nil
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := expireQuotes(ctx, tx, db.stmts, db.Now())
		return err
	})
}

// expireQuotes marks every undecided quote version past its valid-until date
// (a UK date) expired and returns its basket to draft, so the buyer can
// resubmit at current prices; each expiry is one audit row by the portal.
// It reports how many versions expired.
func expireQuotes(ctx context.Context, tx *sql.Tx, st *stmts, now time.Time) (int, error) {
	today := TodayLondon(now).Format(time.DateOnly)
	rows, err := st.dueQuotes.rows(ctx, tx, today)
	if err != nil {
		return 0, err
	}
	type due struct {
		id, basket int64
		version    int
		validUntil string
	}
	var dues []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.version, &d.validUntil, &d.basket); err != nil {
			rows.Close()
			return 0, err
		}
		dues = append(dues, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, d := range dues {
		if _, err := tx.ExecContext(ctx, `UPDATE quote_versions SET status = 'expired', decided_at = ? WHERE id = ?`, timestamp(now), d.id); err != nil {
			return 0, err
		}
		b, err := scanBasketRow(st.basketByID.row(ctx, tx, d.basket))
		if err != nil {
			return 0, err
		}
		to, err := b.status.Next(ActionExpire)
		if err != nil {
			to = b.status // the basket has moved on; only the version expires
		} else if _, err := st.touch.exec(ctx, tx, string(to), b.agreementID, timestamp(now), b.id); err != nil {
			return 0, err
		}
		if err := audit(ctx, tx, AuditEvent{At: now, Actor: PortalActor, Subject: Subject{SubjectBasket, b.id}, OrgID: b.orgID,
			Action: ActionExpire, From: string(b.status), To: string(to), QuoteVersion: d.version,
			Comment: "The quote passed its valid-until date without a decision.",
			Details: Details{"quote_status": Change{string(QuoteSubmitted), string(QuoteExpired)}, "valid_until": d.validUntil}}); err != nil {
			return 0, err
		}
		if err := notifyExpired(ctx, tx, d.id, now); err != nil {
			return 0, err
		}
	}
	return len(dues), nil
}

// Submit issues a quote version for the basket and returns it. Submitting a
// basket whose latest version still awaits a decision changes nothing and
// returns that version (created=false), so double clicks and second tabs
// never make two versions.
func (db *DB) Submit(ctx context.Context, u *User, basketID int64) (ref QuoteRef, created bool, err error) {
	err = db.write(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		var err error
		if ref, created, err = submit(ctx, tx, db.stmts, u, basketID, now); err != nil || !created {
			return err
		}
		return notifySubmitted(ctx, tx, u, ref.versionID, db.ReviewSLA.Due(now), now)
	})
	return ref, created, err
}

func submit(ctx context.Context, tx *sql.Tx, st *stmts, u *User, basketID int64, now time.Time) (QuoteRef, bool, error) {
	op, err := openBasket(ctx, tx, st, u, basketRequest{Action: ActionSubmit, BasketID: basketID}, now)
	if err != nil {
		return QuoteRef{}, false, err
	}
	if op.unchanged {
		q, err := latestQuote(ctx, tx, op.b.id)
		if err != nil {
			return QuoteRef{}, false, err
		}
		return *q, false, nil
	}
	full, err := loadBasket(ctx, tx, u, op.b.id)
	if err != nil {
		return QuoteRef{}, false, err
	}
	var errs []FieldError
	if len(full.Lines) == 0 {
		errs = append(errs, FieldError{"lines", "Add at least one offering to the basket before you submit it"})
	}
	for _, l := range full.Lines {
		if !l.Offering.Active {
			errs = append(errs, FieldError{"lines", l.Offering.Name + " has been withdrawn: remove it from the basket before you submit it"})
		} else if !l.Offering.HasTerm(int(l.TermMonths)) {
			// The supplier changed its term options (PRODUCT.md §10).
			errs = append(errs, FieldError{"lines", l.Offering.Name + " is no longer offered on a " + strconv.FormatInt(l.TermMonths, 10) + "-month term: choose another term before you submit the basket"})
		}
	}
	if !full.HasRequirements {
		errs = append(errs, FieldError{"requirements", "Tell us what you need (the need, budget, sites, date and weights) before you submit the basket"})
	} else if full.Requirements.RequiredBy < TodayLondon(now).Format(time.DateOnly) {
		errs = append(errs, FieldError{"requirements", "The date you need it by has passed: change it before you submit the basket"})
	}
	if errs != nil {
		return QuoteRef{}, false, Invalid(errs...)
	}
	snap, err := snapshot(ctx, tx, u, full)
	if err != nil {
		return QuoteRef{}, false, err
	}
	body, err := json.Marshal(snap)
	if err != nil {
		return QuoteRef{}, false, err
	}

	// The quote: one per basket, with its reference.
	var quoteID int64
	var refStr string
	err = tx.QueryRowContext(ctx, `SELECT id, ref FROM quotes WHERE basket_id = ?`, op.b.id).Scan(&quoteID, &refStr)
	if errors.Is(err, sql.ErrNoRows) {
		if refStr, err = nextRef(ctx, tx, now); err != nil {
			return QuoteRef{}, false, err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO quotes (ref, basket_id, org_id, agreement_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			refStr, op.b.id, op.b.orgID, full.Agreement.ID, timestamp(now)).Scan(&quoteID)
	}
	if err != nil {
		return QuoteRef{}, false, err
	}
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) + 1 FROM quote_versions WHERE quote_id = ?`, quoteID).Scan(&version); err != nil {
		return QuoteRef{}, false, err
	}
	// Issuing v(n+1) supersedes a version still open; withdrawn and expired
	// versions keep the status that says what happened to them.
	var superseded []int
	rows, err := tx.QueryContext(ctx, `UPDATE quote_versions SET status = 'superseded' WHERE quote_id = ? AND status IN ('submitted', 'changes_requested') RETURNING version`, quoteID)
	if err != nil {
		return QuoteRef{}, false, err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return QuoteRef{}, false, err
		}
		superseded = append(superseded, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return QuoteRef{}, false, err
	}
	t := full.Totals
	needed := ApprovalsNeeded(t.GrossPence)
	validUntil := ValidUntil(now)
	var versionID int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO quote_versions (quote_id, version, status, issued_by, issued_at, valid_until, inlife_bp,
		list_total_pence, net_total_pence, vat_pence, gross_total_pence, savings_pence, approvals_needed, snapshot)
		VALUES (?, ?, 'submitted', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		quoteID, version, u.ID, timestamp(now), validUntil, full.Inlife.Tier.BP,
		t.ListPence, t.NetPence, t.VATPence, t.GrossPence, t.SavingsPence, needed, string(body)).Scan(&versionID); err != nil {
		return QuoteRef{}, false, err
	}
	details := Details{"quote": refStr, "net_total_pence": t.NetPence, "gross_total_pence": t.GrossPence, "inlife_bp": full.Inlife.Tier.BP,
		"valid_until": validUntil, "approvals_needed": needed}
	if len(superseded) > 0 {
		details["superseded_versions"] = superseded
	}
	op.quoteVersion = version
	if err := op.done(ctx, "", details); err != nil {
		return QuoteRef{}, false, err
	}
	return QuoteRef{Ref: refStr, Version: version, Status: QuoteSubmitted, IssuedAt: now, ValidUntil: validUntil, ApprovalsNeeded: needed, versionID: versionID}, true, nil
}

// nextRef allocates the next reference of the issue year: Q-YYYY-NNNNNN.
func nextRef(ctx context.Context, tx *sql.Tx, now time.Time) (string, error) {
	prefix := "Q-" + strconv.Itoa(now.In(London).Year()) + "-"
	var last sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT max(ref) FROM quotes WHERE ref LIKE ? || '%'`, prefix).Scan(&last); err != nil {
		return "", err
	}
	n := 0
	if last.Valid {
		n, _ = strconv.Atoi(strings.TrimPrefix(last.String, prefix))
	}
	if n >= 999999 {
		return "", fmt.Errorf("quote references for %s are used up", prefix)
	}
	return fmt.Sprintf("%s%06d", prefix, n+1), nil
}

// snapshot records what a quote version fixes: prices, tier, requirements,
// agreement terms, the organisation and the contact.
func snapshot(ctx context.Context, tx *sql.Tx, u *User, b Basket) (QuoteSnapshot, error) {
	s := QuoteSnapshot{BasketName: b.Name, Inlife: b.Inlife, Requirements: b.Requirements, Totals: b.Totals}
	if err := tx.QueryRowContext(ctx, `SELECT name, identifier, type FROM organisations WHERE id = ?`, b.OrgID).
		Scan(&s.Organisation.Name, &s.Organisation.Identifier, &s.Organisation.Type); err != nil {
		return s, err
	}
	s.Contact = QuoteContact{Name: u.Name, Email: u.Email}
	a := b.Agreement
	s.Agreement = QuoteAgreement{Slug: a.Slug, CCSRef: a.CCSRef, Title: a.Title, Summary: a.Summary, Supplier: a.Supplier.Name,
		SupplierSlug: a.Supplier.Slug, StartsOn: a.StartsOn, EndsOn: a.EndsOn, Tiers: a.Tiers, TrialTerms: a.Trials.Text,
		SocialValue: a.SocialValue}
	for _, l := range b.Lines {
		o := l.Offering
		s.Lines = append(s.Lines, QuoteLine{OfferingSlug: o.Slug, OfferingName: o.Name, Category: o.Category.Name, Unit: o.Unit,
			MonthlyPence: o.MonthlyPence, OneOffPence: o.OneOffPence, MouBP: o.MouBP, Quantity: l.Quantity, TermMonths: l.TermMonths, Price: l.Price})
	}
	return s, nil
}

// Withdraw takes a submitted basket back to draft and marks its awaiting
// version withdrawn.
func (db *DB) Withdraw(ctx context.Context, u *User, basketID int64) (QuoteRef, error) {
	var ref QuoteRef
	err := db.write(ctx, func(tx *sql.Tx) error {
		op, err := db.openBasket(ctx, tx, u, basketRequest{Action: ActionWithdraw, BasketID: basketID})
		if err != nil {
			return err
		}
		v := op.awaiting
		if _, err := tx.ExecContext(ctx, `UPDATE quote_versions SET status = 'withdrawn', decided_at = ? WHERE id = ?`, timestamp(op.now), v.id); err != nil {
			return err
		}
		if err := op.done(ctx, "", Details{"quote": v.ref, "quote_status": Change{string(QuoteSubmitted), string(QuoteWithdrawn)}}); err != nil {
			return err
		}
		if err := notifyWithdrawn(ctx, tx, u, v.id, op.now); err != nil {
			return err
		}
		q, err := latestQuote(ctx, tx, op.b.id)
		if err == nil {
			ref = *q
		}
		return err
	})
	return ref, err
}

// Quote returns one version of a quote, for the buyer's own organisation or
// a reviewer. Version 0 means the latest.
func (db *DB) Quote(ctx context.Context, u *User, ref string, version int) (QuoteVersion, error) {
	if u == nil {
		return QuoteVersion{}, Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	if err := db.expireDue(ctx); err != nil {
		return QuoteVersion{}, err
	}
	var q QuoteVersion
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		q, err = loadQuote(ctx, tx, u, ref, version)
		return err
	})
	return q, err
}

// loadQuote loads version version (0: the latest) of quote ref, if u may
// see it: the scope is in the query.
func loadQuote(ctx context.Context, tx *sql.Tx, u *User, ref string, version int) (QuoteVersion, error) {
	var q QuoteVersion
	var quoteID int64
	scope, args := viewScope(u, "q.org_id")
	err := tx.QueryRowContext(ctx, `SELECT q.id, q.basket_id, b.status, (SELECT max(version) FROM quote_versions WHERE quote_id = q.id)
		FROM quotes q JOIN baskets b ON b.id = q.basket_id WHERE q.ref = ? AND `+scope, append([]any{ref}, args...)...).
		Scan(&quoteID, &q.BasketID, &q.BasketStatus, &q.Latest)
	if errors.Is(err, sql.ErrNoRows) {
		return q, Errorf(ENOTFOUND, "There is no such quote.")
	} else if err != nil {
		return q, err
	}
	if version == 0 {
		version = q.Latest
	}
	var issued, body string
	var decided sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT v.id, v.version, v.status, v.issued_at, u.name, v.valid_until, v.inlife_bp, v.approvals_needed, v.snapshot, v.decided_at
		FROM quote_versions v JOIN users u ON u.id = v.issued_by WHERE v.quote_id = ? AND v.version = ?`, quoteID, version).
		Scan(&q.ID, &q.Version, &q.Status, &issued, &q.IssuedBy, &q.ValidUntil, &q.InlifeBP, &q.ApprovalsNeeded, &body, &decided)
	if errors.Is(err, sql.ErrNoRows) {
		return q, Errorf(ENOTFOUND, "Quote %s has no version %d.", ref, version)
	} else if err != nil {
		return q, err
	}
	q.Ref = ref
	q.IssuedAt = parseTimestamp(issued)
	if decided.Valid {
		q.DecidedAt = parseTimestamp(decided.String)
	}
	if err := json.Unmarshal([]byte(body), &q.QuoteSnapshot); err != nil {
		return q, fmt.Errorf("quote %s v%d snapshot: %w", ref, version, err)
	}
	if q.Approvals, err = quoteApprovals(ctx, tx, q.ID); err != nil {
		return q, err
	}
	q.Events, err = auditTrail(ctx, tx, Subject{SubjectBasket, q.BasketID}, "e.quote_version IS NOT NULL")
	return q, err
}

func quoteApprovals(ctx context.Context, tx *sql.Tx, versionID int64) ([]Approval, error) {
	rows, err := tx.QueryContext(ctx, `SELECT u.name, u.email, a.at FROM quote_approvals a JOIN users u ON u.id = a.reviewer_id
		WHERE a.quote_version_id = ? ORDER BY a.id`, versionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		var a Approval
		var at string
		if err := rows.Scan(&a.Reviewer, &a.ReviewerEmail, &at); err != nil {
			return nil, err
		}
		a.At = parseTimestamp(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// QuoteSummary is a quote's latest version in a list.
type QuoteSummary struct {
	QuoteRef
	BasketID   int64
	BasketName string
	Agreement  string
	NetPence   int64
	GrossPence int64
}

// RecentQuotes lists the buyer's organisation's quotes by latest issue, newest first.
func (db *DB) RecentQuotes(ctx context.Context, u *User, limit int) ([]QuoteSummary, error) {
	if !u.Is(RoleBuyer) {
		return nil, Errorf(EFORBIDDEN, "Only buyers have quotes.")
	}
	if err := db.expireDue(ctx); err != nil {
		return nil, err
	}
	var out []QuoteSummary
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT q.ref, v.version, v.status, v.issued_at, v.valid_until, b.id, b.name, a.title, v.net_total_pence, v.gross_total_pence
			FROM quotes q JOIN quote_versions v ON v.quote_id = q.id JOIN baskets b ON b.id = q.basket_id JOIN agreements a ON a.id = q.agreement_id
			WHERE q.org_id = ? AND v.version = (SELECT max(version) FROM quote_versions WHERE quote_id = q.id)
			ORDER BY v.issued_at DESC, q.id DESC LIMIT ?`, u.OrgID, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s QuoteSummary
			var issued string
			if err := rows.Scan(&s.Ref, &s.Version, &s.Status, &issued, &s.ValidUntil, &s.BasketID, &s.BasketName, &s.Agreement, &s.NetPence, &s.GrossPence); err != nil {
				return err
			}
			s.IssuedAt = parseTimestamp(issued)
			out = append(out, s)
		}
		return rows.Err()
	})
	return out, err
}

// PreviewQuote prices a basket as its quote would be issued now, without
// issuing anything.
func (db *DB) PreviewQuote(ctx context.Context, u *User, basketID int64) (QuoteVersion, error) {
	if u == nil {
		return QuoteVersion{}, Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	if err := db.expireDue(ctx); err != nil {
		return QuoteVersion{}, err
	}
	var q QuoteVersion
	err := db.read(ctx, func(tx *sql.Tx) error {
		b, err := loadBasket(ctx, tx, u, basketID)
		if err != nil {
			return err
		}
		if b.Agreement == nil {
			return Errorf(EINVALID, "The basket is empty: add an offering to preview its quote.")
		}
		q.QuoteSnapshot, err = snapshot(ctx, tx, u, b)
		q.BasketID, q.BasketStatus, q.InlifeBP = b.ID, b.Status, b.Inlife.Tier.BP
		q.IssuedAt = db.Now()
		q.ValidUntil = ValidUntil(q.IssuedAt)
		return err
	})
	return q, err
}
