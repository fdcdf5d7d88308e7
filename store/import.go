package store

// Suppliers' catalogue writes (issue 10): a price list or one offering's
// edit form is planned against the catalogue in a read transaction (what
// would be created or changed, and every error), then applied in one short
// write transaction that first checks the catalogue has not moved since the
// plan (its catalogue version). Price changes dated later wait in
// offering_pending_prices for the sweeper (applyDuePrices); every price,
// discount and status change is written to the public change log
// (catalogue_changes) and every write to the audit trail. The apply is in
// import_apply.go.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Audit actions on offerings.
const (
	ActionCreateOffering Action = "create_offering"
	ActionImportOffering Action = "import_price_list"
	ActionEditOffering   Action = "edit_offering"
	ActionApplyPrice     Action = "apply_scheduled_price"
)

// PendingPrice is a price that takes effect on a later date.
type PendingPrice struct {
	EffectiveOn               time.Time // a UK date
	MonthlyPence, OneOffPence int64
	MouBP                     int64
}

// FieldChange is one change a row makes: the column, the old and new values
// as the price list writes them ("" old for a new offering) and, for a price
// column, the UK date it takes effect.
type FieldChange struct {
	Field       string
	Old, New    string
	EffectiveOn time.Time `json:",omitzero"`
}

// Row kinds.
const (
	RowCreate = "create"
	RowUpdate = "update"
)

// PlannedRow is one offering a price list or edit would change.
type PlannedRow struct {
	Line    int
	Slug    string
	Name    string
	Kind    string // RowCreate or RowUpdate
	Changes []FieldChange

	row        PriceRow
	offeringID int64
	agreement  int64
	category   int64
	current    Offering // RowUpdate
	pending    *PendingPrice
	schedule   bool // the prices wait for row.EffectiveOn
}

// Withdraws reports whether the row withdraws the offering.
func (r PlannedRow) Withdraws() bool {
	return slices.ContainsFunc(r.Changes, func(c FieldChange) bool { return c.Field == ColStatus && c.New == StatusWithdrawn })
}

// ImportPlan is a checked price list: what applying it would do, or every
// error that stops it.
type ImportPlan struct {
	SupplierID   int64
	SupplierName string
	// Version is the catalogue version the plan was made against; Apply
	// refuses it once the catalogue has moved.
	Version   int64
	CheckedAt time.Time
	Rows      []PlannedRow // the rows that change something, in file order
	Unchanged int          // rows that change nothing
	Errors    []ImportError
}

// Valid reports whether the plan may be applied.
func (p ImportPlan) Valid() bool { return len(p.Errors) == 0 }

// Counts returns how many offerings the plan creates, changes and withdraws.
func (p ImportPlan) Counts() (created, changed, withdrawn int) {
	for _, r := range p.Rows {
		switch {
		case r.Kind == RowCreate:
			created++
		case r.Withdraws():
			withdrawn++
		default:
			changed++
		}
	}
	return
}

// Digest identifies what the plan would do (and the errors it found): two
// checks of one file against different catalogue versions have the same
// digest exactly when they would make the same changes.
func (p ImportPlan) Digest() string {
	type entry struct {
		Slug, Kind string
		Changes    []FieldChange
	}
	e := make([]entry, len(p.Rows))
	for i, r := range p.Rows {
		e[i] = entry{r.Slug, r.Kind, r.Changes}
	}
	b, _ := json.Marshal(struct {
		Rows   []entry
		Errors []ImportError
	}{e, p.Errors})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ErrorLines are the plan's errors as `portal import` prints them.
func (p ImportPlan) ErrorLines() []string {
	out := make([]string, len(p.Errors))
	for i, e := range p.Errors {
		out[i] = e.String()
	}
	return out
}

// supplierCatalogue is what planning needs to know about the catalogue.
type supplierCatalogue struct {
	supplier   Supplier
	version    int64
	agreements map[string]int64 // the supplier's, by slug
	categories map[string]int64
}

func loadSupplierCatalogue(ctx context.Context, tx *sql.Tx, supplierID int64) (supplierCatalogue, error) {
	sc := supplierCatalogue{agreements: map[string]int64{}, categories: map[string]int64{}}
	err := tx.QueryRowContext(ctx, "SELECT id, slug, name FROM suppliers WHERE id = ?", supplierID).Scan(&sc.supplier.ID, &sc.supplier.Slug, &sc.supplier.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return sc, Errorf(ENOTFOUND, "There is no such supplier")
	} else if err != nil {
		return sc, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'catalogue_version'").Scan(&sc.version); err != nil {
		return sc, err
	}
	for _, q := range []struct {
		sql  string
		into map[string]int64
		args []any
	}{
		{"SELECT slug, id FROM agreements WHERE supplier_id = ?", sc.agreements, []any{supplierID}},
		{"SELECT slug, id FROM categories", sc.categories, nil},
	} {
		rows, err := tx.QueryContext(ctx, q.sql, q.args...)
		if err != nil {
			return sc, err
		}
		for rows.Next() {
			var slug string
			var id int64
			if err := rows.Scan(&slug, &id); err != nil {
				rows.Close()
				return sc, err
			}
			q.into[slug] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return sc, err
		}
	}
	return sc, nil
}

// loadBySlug reads the offerings with the given slugs (any supplier's) and
// their pending prices.
func loadBySlug(ctx context.Context, tx *sql.Tx, slugs []string) (map[string]Offering, map[int64]*PendingPrice, error) {
	found := map[string]Offering{}
	var ids []int64
	for start := 0; start < len(slugs); start += 5000 {
		chunk := slugs[start:min(start+5000, len(slugs))]
		args := make([]any, len(chunk))
		for i, s := range chunk {
			args[i] = s
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+offeringColumns+offeringFrom+" WHERE o.slug IN (?"+strings.Repeat(",?", len(chunk)-1)+")", args...)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			o, err := scanOffering(rows)
			if err != nil {
				rows.Close()
				return nil, nil, err
			}
			found[o.Slug] = o
			ids = append(ids, o.ID)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	pending, err := pendingPrices(ctx, tx, ids)
	return found, pending, err
}

// PlanImport checks a price list for the supplier against the catalogue as
// it is now, in a read transaction: nothing is written.
func (db *DB) PlanImport(ctx context.Context, supplierID int64, body []byte) (ImportPlan, error) {
	now := db.Now()
	rows, errs := ParsePriceList(body, now)
	plan, err := db.plan(ctx, supplierID, rows, now)
	if err != nil {
		return plan, err
	}
	// File order: the cell errors and the catalogue errors merged by line.
	plan.Errors = append(errs, plan.Errors...)
	slices.SortStableFunc(plan.Errors, func(a, b ImportError) int { return a.Line - b.Line })
	return plan, nil
}

func (db *DB) plan(ctx context.Context, supplierID int64, rows []PriceRow, now time.Time) (ImportPlan, error) {
	plan := ImportPlan{SupplierID: supplierID, CheckedAt: now}
	err := db.read(ctx, func(tx *sql.Tx) error {
		sc, err := loadSupplierCatalogue(ctx, tx, supplierID)
		if err != nil {
			return err
		}
		plan.Version, plan.SupplierName = sc.version, sc.supplier.Name
		slugs := make([]string, len(rows))
		for i, r := range rows {
			slugs[i] = r.Slug
		}
		found, pending, err := loadBySlug(ctx, tx, slugs)
		if err != nil {
			return err
		}
		today := TodayLondon(now)
		for _, r := range rows {
			pr, errs := sc.planRow(r, found, pending, today)
			plan.Errors = append(plan.Errors, errs...)
			switch {
			case len(errs) > 0:
			case len(pr.Changes) == 0:
				plan.Unchanged++
			default:
				plan.Rows = append(plan.Rows, pr)
			}
		}
		return nil
	})
	return plan, err
}

// planRow checks one row against the catalogue and works out its changes.
func (sc supplierCatalogue) planRow(r PriceRow, found map[string]Offering, pending map[int64]*PendingPrice, today time.Time) (PlannedRow, []ImportError) {
	pr := PlannedRow{Line: r.Line, Slug: r.Slug, Name: r.Name, row: r}
	var errs []ImportError
	bad := func(col, msg string, args ...any) {
		errs = append(errs, ImportError{Line: r.Line, Column: col, Message: fmt.Sprintf(msg, args...)})
	}
	cur, exists := found[r.Slug]
	if exists && cur.Supplier.ID != sc.supplier.ID {
		bad("slug", "The slug %s belongs to another supplier's offering: choose another slug", r.Slug)
		return pr, errs
	}
	if r.SupplierSlug != sc.supplier.Slug {
		bad("supplier", "supplier must be %s (the supplier importing this price list), not %q", sc.supplier.Slug, r.SupplierSlug)
	}
	var ok bool
	if pr.agreement, ok = sc.agreements[r.AgreementSlug]; !ok {
		bad("agreement", "%q is not an agreement that %s sells under", r.AgreementSlug, sc.supplier.Name)
	} else if exists && cur.Agreement.ID != pr.agreement {
		bad("agreement", "The offering is sold under %s and cannot move to another agreement (a basket is for one agreement): add it under a new slug instead", cur.Agreement.Slug)
	}
	if pr.category, ok = sc.categories[r.Category]; !ok {
		bad("category", "%q is not a category of the catalogue", r.Category)
	}
	scheduled := !r.EffectiveOn.IsZero() && r.EffectiveOn.After(today)
	if !exists && scheduled {
		bad(ColEffectiveFrom, "A new offering's prices apply at once: leave effective_from empty for a new slug")
	}
	if len(errs) > 0 {
		return pr, errs
	}
	price := func(field string, old, new int64, on time.Time) {
		if old != new {
			pr.Changes = append(pr.Changes, FieldChange{Field: field, Old: strconv.FormatInt(old, 10), New: strconv.FormatInt(new, 10), EffectiveOn: on})
		}
	}
	at := func(field, old, new string) {
		if old != new {
			pr.Changes = append(pr.Changes, FieldChange{Field: field, Old: old, New: new})
		}
	}
	if !exists {
		pr.Kind = RowCreate
		at("name", "", r.Name)
		for _, c := range []struct {
			field string
			v     int64
		}{{"monthly_pence", r.MonthlyPence}, {"one_off_pence", r.OneOffPence}, {"mou_discount_bp", r.MouBP}} {
			pr.Changes = append(pr.Changes, FieldChange{Field: c.field, New: strconv.FormatInt(c.v, 10), EffectiveOn: today})
		}
		at("term_options", "", joinTerms(r.Terms))
		at(ColStatus, "", statusOf(r.Active))
		return pr, nil
	}
	pr.Kind, pr.offeringID, pr.current, pr.pending = RowUpdate, cur.ID, cur, pending[cur.ID]
	at("name", cur.Name, r.Name)
	if cur.Category.ID != pr.category {
		at("category", cur.Category.Slug, r.Category)
	}
	at("unit", cur.Unit, r.Unit)
	at("term_options", cur.TermsString(), joinTerms(r.Terms))
	at("pov_trial", strconv.FormatBool(cur.PovTrial), strconv.FormatBool(r.PovTrial))
	at("sdwan_trial", strconv.FormatBool(cur.SdwanTrial), strconv.FormatBool(r.SdwanTrial))
	if r.Details {
		at("summary", cur.Summary, r.Summary)
		at("description", cur.Description, r.Description)
		at("attributes", FormatAttributes(cur.Attributes), FormatAttributes(r.Attributes))
		at("social_value", strings.Join(cur.SocialValue, "\n"), strings.Join(r.SocialValue, "\n"))
	}
	newPrice := PendingPrice{EffectiveOn: r.EffectiveOn, MonthlyPence: r.MonthlyPence, OneOffPence: r.OneOffPence, MouBP: r.MouBP}
	samePrice := func(p PendingPrice) bool {
		return p.MonthlyPence == r.MonthlyPence && p.OneOffPence == r.OneOffPence && p.MouBP == r.MouBP
	}
	curPrice := PendingPrice{MonthlyPence: cur.MonthlyPence, OneOffPence: cur.OneOffPence, MouBP: cur.MouBP}
	switch {
	case !scheduled:
		price("monthly_pence", cur.MonthlyPence, r.MonthlyPence, today)
		price("one_off_pence", cur.OneOffPence, r.OneOffPence, today)
		price("mou_discount_bp", cur.MouBP, r.MouBP, today)
	case samePrice(curPrice):
		// A later date for today's prices changes nothing (a pending
		// price, if any, stays).
	case pr.pending != nil && samePrice(*pr.pending) && pr.pending.EffectiveOn.Equal(r.EffectiveOn):
		// Already scheduled exactly so.
	default:
		pr.schedule = true
		price("monthly_pence", cur.MonthlyPence, newPrice.MonthlyPence, r.EffectiveOn)
		price("one_off_pence", cur.OneOffPence, newPrice.OneOffPence, r.EffectiveOn)
		price("mou_discount_bp", cur.MouBP, newPrice.MouBP, r.EffectiveOn)
	}
	at(ColStatus, statusOf(cur.Active), statusOf(r.Active))
	return pr, nil
}

func statusOf(active bool) string {
	if active {
		return StatusActive
	}
	return StatusWithdrawn
}

func joinTerms(terms []int) string { return Offering{Terms: terms}.TermsString() }

// FormatAttributes writes attributes one a line, "Key: Value".
func FormatAttributes(attrs []Attribute) string {
	lines := make([]string, len(attrs))
	for i, a := range attrs {
		lines[i] = a.Key + ": " + a.Value
	}
	return strings.Join(lines, "\n")
}

// ApplyImport applies a valid plan in one write transaction, as actor. If
// the catalogue has moved since the plan was made it changes nothing and
// returns ECONFLICT: plan again and compare.
func (db *DB) ApplyImport(ctx context.Context, actor Actor, plan ImportPlan, action Action) error {
	if !plan.Valid() {
		return Errorf(EINVALID, "The price list has errors and cannot be applied")
	}
	b, err := buildApply(actor, plan, action, db.Now())
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error { return b.run(ctx, tx) })
}

// priceFields are an offering's three price columns.
var priceFields = [3]string{"monthly_pence", "one_off_pence", "mou_discount_bp"}

// applyDuePrices is the sweeper's job for effective-dated prices: every
// pending price whose date has come (UK date at now) becomes the offering's
// price, audited as the portal. Idempotent: an applied price is no longer
// pending. Set-based, like an import's apply: a price list that scheduled
// 10 000 prices for one date holds the write lock as briefly on that date.
func applyDuePrices(ctx context.Context, db *DB, tx *sql.Tx, now time.Time) (int, error) {
	today := TodayLondon(now).Format(time.DateOnly)
	due, err := readPending(ctx, tx, "effective_on <= ?", today)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	// The prices and status they replace, for the audit trail.
	rows, err := tx.QueryContext(ctx, `SELECT id, monthly_pence, one_off_pence, mou_discount_bp, active FROM offerings
		WHERE id IN (SELECT offering_id FROM offering_pending_prices WHERE effective_on <= ?) ORDER BY id`, today)
	if err != nil {
		return 0, err
	}
	var events [][]any
	for rows.Next() {
		var id int64
		var old [3]int64
		var active bool
		if err := rows.Scan(&id, &old[0], &old[1], &old[2], &active); err != nil {
			rows.Close()
			return 0, err
		}
		p := due[id]
		details := Details{"effective_on": p.EffectiveOn.Format(time.DateOnly)}
		for i, n := range [3]int64{p.MonthlyPence, p.OneOffPence, p.MouBP} {
			if old[i] != n {
				details[priceFields[i]] = Change{strconv.FormatInt(old[i], 10), strconv.FormatInt(n, 10)}
			}
		}
		st := statusOf(active)
		args, err := auditArgs(AuditEvent{At: now, Actor: PortalActor, Subject: Subject{SubjectOffering, id},
			Action: ActionApplyPrice, From: st, To: st, Details: details})
		if err != nil {
			rows.Close()
			return 0, err
		}
		events = append(events, args)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE offerings SET monthly_pence = p.monthly_pence, one_off_pence = p.one_off_pence,
		mou_discount_bp = p.mou_discount_bp, updated_at = ?
		FROM offering_pending_prices p WHERE p.offering_id = offerings.id AND p.effective_on <= ?`, timestamp(now), today); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM offering_pending_prices WHERE effective_on <= ?`, today); err != nil {
		return 0, err
	}
	if err := execValues(ctx, tx, applyAudit, events); err != nil {
		return 0, err
	}
	return len(due), nil
}

// ImportPriceList is the command line's import: check the file and, unless
// dryRun, apply it at once (checking again if the catalogue moves between
// the check and the write). The plan tells what was (or would be) done;
// with errors nothing is written.
func (db *DB) ImportPriceList(ctx context.Context, supplierSlug string, body []byte, dryRun bool) (ImportPlan, error) {
	var id int64
	err := db.r.QueryRowContext(ctx, "SELECT id FROM suppliers WHERE slug = ?", supplierSlug).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return ImportPlan{}, Errorf(ENOTFOUND, "There is no supplier %q", supplierSlug)
	} else if err != nil {
		return ImportPlan{}, err
	}
	for attempt := 0; ; attempt++ {
		plan, err := db.PlanImport(ctx, id, body)
		if err != nil || !plan.Valid() || dryRun {
			return plan, err
		}
		err = db.ApplyImport(ctx, Actor{Name: CommandLineName()}, plan, ActionImportOffering)
		if ErrorCode(err) == ECONFLICT && attempt < 5 {
			continue // another writer moved the catalogue: check again
		}
		return plan, err
	}
}
