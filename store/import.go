package store

// Suppliers' catalogue writes (issue 10): a price list or one offering's
// edit form is planned against the catalogue in a read transaction (what
// would be created or changed, and every error), then applied in one short
// write transaction that first checks the catalogue has not moved since the
// plan (its catalogue version). Price changes dated later wait in
// offering_pending_prices for the sweeper (applyDuePrices); every price,
// discount and status change is written to the public change log
// (catalogue_changes) and every write to the audit trail.

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
	pending := map[int64]*PendingPrice{}
	for start := 0; start < len(slugs); start += 5000 {
		chunk := slugs[start:min(start+5000, len(slugs))]
		args := make([]any, len(chunk))
		for i, s := range chunk {
			args[i] = s
		}
		in := "(?" + strings.Repeat(",?", len(chunk)-1) + ")"
		rows, err := tx.QueryContext(ctx, "SELECT "+offeringColumns+offeringFrom+" WHERE o.slug IN "+in, args...)
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
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
		prow, err := tx.QueryContext(ctx, `SELECT p.offering_id, p.effective_on, p.monthly_pence, p.one_off_pence, p.mou_discount_bp
			FROM offering_pending_prices p JOIN offerings o ON o.id = p.offering_id WHERE o.slug IN `+in, args...)
		if err != nil {
			return nil, nil, err
		}
		for prow.Next() {
			var id int64
			var p PendingPrice
			var on string
			if err := prow.Scan(&id, &on, &p.MonthlyPence, &p.OneOffPence, &p.MouBP); err != nil {
				prow.Close()
				return nil, nil, err
			}
			p.EffectiveOn, _ = time.ParseInLocation(time.DateOnly, on, London)
			pending[id] = &p
		}
		prow.Close()
		if err := prow.Err(); err != nil {
			return nil, nil, err
		}
	}
	return found, pending, nil
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
	return db.write(ctx, func(tx *sql.Tx) error { return applyPlanTx(ctx, tx, actor, plan, action, db.Now()) })
}

// applyPlanTx applies the plan inside tx, or returns ECONFLICT when the
// catalogue version is no longer the plan's.
func applyPlanTx(ctx context.Context, tx *sql.Tx, actor Actor, plan ImportPlan, action Action, now time.Time) error {
	var v int64
	if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'catalogue_version'").Scan(&v); err != nil {
		return err
	}
	if v != plan.Version {
		return Errorf(ECONFLICT, "The catalogue has changed since the price list was checked")
	}
	ap, err := prepareApply(ctx, tx)
	if err != nil {
		return err
	}
	defer ap.close()
	for _, r := range plan.Rows {
		if err := ap.apply(ctx, actor, r, action, now); err != nil {
			return fmt.Errorf("line %d (%s): %w", r.Line, r.Slug, err)
		}
	}
	return nil
}

// applier holds the statements of one apply transaction.
type applier struct {
	tx                                      *sql.Tx
	insert                                  *offeringInsert
	text, update, prices, delTerms, pending *sql.Stmt
	replaced, audit                         *sql.Stmt
	change                                  *sql.Stmt
}

func prepareApply(ctx context.Context, tx *sql.Tx) (*applier, error) {
	ins, err := prepareOfferingInsert(ctx, tx)
	if err != nil {
		return nil, err
	}
	ap := &applier{tx: tx, insert: ins}
	for _, p := range []struct {
		st  **sql.Stmt
		sql string
	}{
		{&ap.text, `UPDATE offerings SET name = ?, category_id = ?, summary = ?, description = ? WHERE id = ?`},
		{&ap.update, `UPDATE offerings SET unit = ?, attributes = ?, social_value = ?, pov_trial = ?, sdwan_trial = ?, active = ?, updated_at = ? WHERE id = ?`},
		{&ap.prices, `UPDATE offerings SET monthly_pence = ?, one_off_pence = ?, mou_discount_bp = ?, updated_at = ? WHERE id = ?`},
		{&ap.delTerms, `DELETE FROM offering_terms WHERE offering_id = ?`},
		{&ap.pending, `INSERT INTO offering_pending_prices (offering_id, effective_on, monthly_pence, one_off_pence, mou_discount_bp, scheduled_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (offering_id) DO UPDATE SET effective_on = excluded.effective_on,
			monthly_pence = excluded.monthly_pence, one_off_pence = excluded.one_off_pence,
			mou_discount_bp = excluded.mou_discount_bp, scheduled_at = excluded.scheduled_at`},
		{&ap.replaced, `UPDATE catalogue_changes SET replaced = 1
			WHERE offering_id = ? AND replaced = 0 AND field <> 'status' AND effective_on > ?`},
		{&ap.audit, auditInsert},
		{&ap.change, `INSERT INTO catalogue_changes (offering_id, agreement_id, made_at, effective_on, field, old_value, new_value, actor_id, actor_name)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	} {
		if *p.st, err = tx.PrepareContext(ctx, p.sql); err != nil {
			ap.close()
			return nil, err
		}
	}
	return ap, nil
}

func (ap *applier) close() {
	ap.insert.Close()
	for _, st := range []*sql.Stmt{ap.text, ap.update, ap.prices, ap.delTerms, ap.pending, ap.replaced, ap.change, ap.audit} {
		if st != nil {
			st.Close()
		}
	}
}

// loggedFields are the changes the public change log shows.
var loggedFields = []string{"monthly_pence", "one_off_pence", "mou_discount_bp", ColStatus}

func (ap *applier) apply(ctx context.Context, actor Actor, r PlannedRow, action Action, now time.Time) error {
	row, today := r.row, TodayLondon(now)
	id := r.offeringID
	if r.Kind == RowCreate {
		if err := ap.insert.insert(ctx, NewOffering{Slug: row.Slug, Name: row.Name, CategorySlug: row.Category, AgreementSlug: row.AgreementSlug,
			Unit: row.Unit, Summary: row.Summary, Description: row.Description, MonthlyPence: row.MonthlyPence, OneOffPence: row.OneOffPence,
			MouBP: row.MouBP, Terms: row.Terms, Attributes: row.Attributes, SocialValue: row.SocialValue,
			PovTrial: row.PovTrial, SdwanTrial: row.SdwanTrial}); err != nil {
			return err
		}
		if err := ap.tx.QueryRowContext(ctx, "SELECT id FROM offerings WHERE slug = ?", row.Slug).Scan(&id); err != nil {
			return err
		}
		if !row.Active {
			if _, err := ap.tx.ExecContext(ctx, "UPDATE offerings SET active = 0 WHERE id = ?", id); err != nil {
				return err
			}
		}
		action = ActionCreateOffering
	} else {
		cur := r.current
		if !row.Details {
			row.Summary, row.Description, row.Attributes, row.SocialValue = cur.Summary, cur.Description, cur.Attributes, cur.SocialValue
		}
		pairs := make([][2]string, len(row.Attributes))
		for i, a := range row.Attributes {
			pairs[i] = [2]string{a.Key, a.Value}
		}
		attrs, _ := json.Marshal(pairs)
		social, _ := json.Marshal(nonNil(row.SocialValue))
		// Each statement only when its columns change: the search
		// index's triggers fire on name, summary, description and
		// category, so a price-only row leaves the index alone.
		changed := func(fields ...string) bool {
			return slices.ContainsFunc(r.Changes, func(c FieldChange) bool { return slices.Contains(fields, c.Field) })
		}
		if changed("name", "category", "summary", "description") {
			if _, err := ap.text.ExecContext(ctx, row.Name, r.category, row.Summary, row.Description, id); err != nil {
				return err
			}
		}
		if changed("unit", "attributes", "social_value", "pov_trial", "sdwan_trial", ColStatus) {
			if _, err := ap.update.ExecContext(ctx, row.Unit, string(attrs), string(social), row.PovTrial, row.SdwanTrial, row.Active, timestamp(now), id); err != nil {
				return err
			}
		}
		if !slices.Equal(cur.Terms, row.Terms) {
			if _, err := ap.delTerms.ExecContext(ctx, id); err != nil {
				return err
			}
			for _, t := range row.Terms {
				if _, err := ap.insert.term.ExecContext(ctx, id, t); err != nil {
					return err
				}
			}
		}
		pricesChanged := slices.ContainsFunc(r.Changes, func(c FieldChange) bool { return strings.HasSuffix(c.Field, "_pence") || c.Field == "mou_discount_bp" })
		switch {
		case r.schedule:
			if _, err := ap.replaced.ExecContext(ctx, id, today.Format(time.DateOnly)); err != nil {
				return err
			}
			if _, err := ap.pending.ExecContext(ctx, id, row.EffectiveOn.Format(time.DateOnly), row.MonthlyPence, row.OneOffPence, row.MouBP, timestamp(now)); err != nil {
				return err
			}
		case pricesChanged:
			if _, err := ap.prices.ExecContext(ctx, row.MonthlyPence, row.OneOffPence, row.MouBP, timestamp(now), id); err != nil {
				return err
			}
		}
	}
	details := Details{}
	for _, c := range r.Changes {
		details[c.Field] = Change{c.Old, c.New}
		if !slices.Contains(loggedFields, c.Field) {
			continue
		}
		on := today
		if !c.EffectiveOn.IsZero() {
			on = c.EffectiveOn
		}
		if _, err := ap.change.ExecContext(ctx, id, r.agreement, timestamp(now), on.Format(time.DateOnly), c.Field, c.Old, c.New,
			nullID(actor.UserID), actor.Name); err != nil {
			return err
		}
	}
	if r.schedule {
		details["effective_on"] = row.EffectiveOn.Format(time.DateOnly)
	}
	from, to := "", statusOf(row.Active)
	if r.Kind == RowUpdate {
		from = statusOf(r.current.Active)
	}
	args, err := auditArgs(AuditEvent{At: now, Actor: actor, Subject: Subject{SubjectOffering, id},
		Action: action, From: from, To: to, Details: details})
	if err != nil {
		return err
	}
	_, err = ap.audit.ExecContext(ctx, args...)
	return err
}

// applyDuePrices is the sweeper's job for effective-dated prices: every
// pending price whose date has come (UK date at now) becomes the offering's
// price, audited as the portal. Idempotent: an applied price is no longer
// pending.
func applyDuePrices(ctx context.Context, db *DB, tx *sql.Tx, now time.Time) (int, error) {
	today := TodayLondon(now).Format(time.DateOnly)
	rows, err := tx.QueryContext(ctx, `SELECT p.offering_id, p.effective_on, p.monthly_pence, p.one_off_pence, p.mou_discount_bp,
		o.monthly_pence, o.one_off_pence, o.mou_discount_bp, o.active
		FROM offering_pending_prices p JOIN offerings o ON o.id = p.offering_id
		WHERE p.effective_on <= ? ORDER BY p.offering_id`, today)
	if err != nil {
		return 0, err
	}
	type due struct {
		id       int64
		on       string
		new, old [3]int64
		active   bool
	}
	var all []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.on, &d.new[0], &d.new[1], &d.new[2], &d.old[0], &d.old[1], &d.old[2], &d.active); err != nil {
			rows.Close()
			return 0, err
		}
		all = append(all, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, d := range all {
		if _, err := tx.ExecContext(ctx, `UPDATE offerings SET monthly_pence = ?, one_off_pence = ?, mou_discount_bp = ?, updated_at = ? WHERE id = ?`,
			d.new[0], d.new[1], d.new[2], timestamp(now), d.id); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM offering_pending_prices WHERE offering_id = ?`, d.id); err != nil {
			return 0, err
		}
		details := Details{"effective_on": d.on}
		for i, f := range []string{"monthly_pence", "one_off_pence", "mou_discount_bp"} {
			if d.old[i] != d.new[i] {
				details[f] = Change{strconv.FormatInt(d.old[i], 10), strconv.FormatInt(d.new[i], 10)}
			}
		}
		st := statusOf(d.active)
		if err := audit(ctx, tx, AuditEvent{At: now, Actor: PortalActor, Subject: Subject{SubjectOffering, d.id},
			Action: ActionApplyPrice, From: st, To: st, Details: details}); err != nil {
			return 0, err
		}
	}
	return len(all), nil
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
