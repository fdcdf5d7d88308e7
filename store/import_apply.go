package store

// Applying a checked price list or edit (import.go plans it). Everything a
// plan will write is worked out before the write transaction (applyBatch,
// plain Go: no database), so the transaction itself is a handful of
// set-based statements per batch of up to 500 rows — the creates, the
// updates by kind, terms, scheduled prices, the change log and the audit
// trail — instead of several statements per offering. The write lock is
// held for that alone (README, "Supplier price-list import").

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"
)

// applyBatch is a plan as the rows its apply transaction writes, each
// slice one set-based statement (in batches), in the order they run.
type applyBatch struct {
	version int64  // the catalogue version the plan was made against
	today   string // YYYY-MM-DD
	creates [][]any
	// createRefs are, by slug, what waits for a created offering's id.
	createRefs map[string]*createRef
	text       [][]any // id, name, category_id, summary, description
	update     [][]any // id, unit, attributes, social_value, pov_trial, sdwan_trial, active, updated_at
	delTerms   [][]any // id
	terms      [][]any // offering_id, months
	replaced   [][]any // id: its earlier scheduled changes are replaced
	pending    [][]any // offering_id, effective_on, monthly, one-off, discount, scheduled_at
	prices     [][]any // id, monthly, one-off, discount, updated_at
	changes    [][]any // catalogue_changes rows
	audit      [][]any // audit_events rows (auditArgs)
}

// createRef is where a created offering's id goes once it exists: its term
// rows, change-log rows and audit row.
type createRef struct {
	terms   []int
	changes []int // indexes into applyBatch.changes
	audit   int   // index into applyBatch.audit
}

// Column positions of rows that take a created offering's id.
const (
	changeOfferingCol = 0
	auditSubjectCol   = 6 // auditArgs: at, actor_id, actor_name, actor_role, actor_org_id, subject_kind, subject_id, …
)

// loggedFields are the changes the public change log shows.
var loggedFields = append(priceFields[:], ColStatus)

// offeringJSON is how offerings store attributes and social value.
func offeringJSON(attributes []Attribute, social []string) (attrs, soc string) {
	pairs := make([][2]string, len(attributes))
	for i, a := range attributes {
		pairs[i] = [2]string{a.Key, a.Value}
	}
	a, _ := json.Marshal(pairs)
	s, _ := json.Marshal(nonNil(social))
	return string(a), string(s)
}

// buildApply works out every row applying plan writes, as actor at now.
func buildApply(actor Actor, plan ImportPlan, action Action, now time.Time) (*applyBatch, error) {
	b := &applyBatch{version: plan.Version, today: TodayLondon(now).Format(time.DateOnly), createRefs: map[string]*createRef{}}
	at := timestamp(now)
	for _, r := range plan.Rows {
		if err := b.add(actor, plan.SupplierID, r, action, now, at); err != nil {
			return nil, fmt.Errorf("line %d (%s): %w", r.Line, r.Slug, err)
		}
	}
	return b, nil
}

func (b *applyBatch) add(actor Actor, supplierID int64, r PlannedRow, action Action, now time.Time, at string) error {
	row, id := r.row, r.offeringID
	var ref *createRef
	if r.Kind == RowCreate {
		if err := checkOfferingBounds(row.Slug, row.MonthlyPence, row.OneOffPence, row.Terms); err != nil {
			return err
		}
		attrs, social := offeringJSON(row.Attributes, row.SocialValue)
		b.creates = append(b.creates, []any{row.Slug, row.Name, r.category, supplierID, r.agreement, row.Unit, row.Summary, row.Description,
			row.MonthlyPence, row.OneOffPence, row.MouBP, attrs, social, row.PovTrial, row.SdwanTrial, row.Active})
		ref = &createRef{terms: row.Terms}
		b.createRefs[row.Slug] = ref
		action = ActionCreateOffering
	} else {
		cur := r.current
		if !row.Details {
			row.Summary, row.Description, row.Attributes, row.SocialValue = cur.Summary, cur.Description, cur.Attributes, cur.SocialValue
		}
		attrs, social := offeringJSON(row.Attributes, row.SocialValue)
		// Each statement only for the rows whose columns it changes: the
		// search index's triggers fire on name, summary, description and
		// category, so a price-only row leaves the index alone.
		changed := func(fields ...string) bool {
			return slices.ContainsFunc(r.Changes, func(c FieldChange) bool { return slices.Contains(fields, c.Field) })
		}
		if changed("name", "category", "summary", "description") {
			b.text = append(b.text, []any{id, row.Name, r.category, row.Summary, row.Description})
		}
		if changed("unit", "attributes", "social_value", "pov_trial", "sdwan_trial", ColStatus) {
			b.update = append(b.update, []any{id, row.Unit, attrs, social, row.PovTrial, row.SdwanTrial, row.Active, at})
		}
		if !slices.Equal(cur.Terms, row.Terms) {
			b.delTerms = append(b.delTerms, []any{id})
			for _, t := range row.Terms {
				b.terms = append(b.terms, []any{id, t})
			}
		}
		pricesChanged := changed(priceFields[:]...)
		switch {
		case r.schedule:
			b.replaced = append(b.replaced, []any{id})
			b.pending = append(b.pending, []any{id, row.EffectiveOn.Format(time.DateOnly), row.MonthlyPence, row.OneOffPence, row.MouBP, at})
		case pricesChanged:
			b.prices = append(b.prices, []any{id, row.MonthlyPence, row.OneOffPence, row.MouBP, at})
		}
	}
	details := Details{}
	for _, c := range r.Changes {
		details[c.Field] = Change{c.Old, c.New}
		if !slices.Contains(loggedFields, c.Field) {
			continue
		}
		on := b.today
		if !c.EffectiveOn.IsZero() {
			on = c.EffectiveOn.Format(time.DateOnly)
		}
		if ref != nil {
			ref.changes = append(ref.changes, len(b.changes))
		}
		b.changes = append(b.changes, []any{id, r.agreement, at, on, c.Field, c.Old, c.New, nullID(actor.UserID), actor.Name})
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
	if ref != nil {
		ref.audit = len(b.audit)
	}
	b.audit = append(b.audit, args)
	return nil
}

// The set-based statements; %s is a VALUES list of the batch's rows.
const (
	applyCreate = `INSERT INTO offerings (slug, name, category_id, supplier_id, agreement_id, unit, summary, description,
		monthly_pence, one_off_pence, mou_discount_bp, attributes, social_value, pov_trial, sdwan_trial, active)
		VALUES %s RETURNING id, slug`
	applyText = `WITH v (id, name, category_id, summary, description) AS (VALUES %s)
		UPDATE offerings SET name = v.name, category_id = v.category_id, summary = v.summary, description = v.description
		FROM v WHERE offerings.id = v.id`
	applyUpdate = `WITH v (id, unit, attributes, social_value, pov_trial, sdwan_trial, active, updated_at) AS (VALUES %s)
		UPDATE offerings SET unit = v.unit, attributes = v.attributes, social_value = v.social_value, pov_trial = v.pov_trial,
			sdwan_trial = v.sdwan_trial, active = v.active, updated_at = v.updated_at
		FROM v WHERE offerings.id = v.id`
	applyDelTerms = `WITH v (id) AS (VALUES %s) DELETE FROM offering_terms WHERE offering_id IN (SELECT id FROM v)`
	applyTerms    = `INSERT INTO offering_terms (offering_id, months) VALUES %s`
	// A newer schedule replaces the offering's earlier ones (their
	// change-log rows are kept, marked); the trailing ? is today.
	applyReplaced = `WITH v (id) AS (VALUES %s) UPDATE catalogue_changes SET replaced = 1
		WHERE offering_id IN (SELECT id FROM v) AND replaced = 0 AND field <> 'status' AND effective_on > ?`
	applyPending = `INSERT INTO offering_pending_prices (offering_id, effective_on, monthly_pence, one_off_pence, mou_discount_bp, scheduled_at)
		VALUES %s ON CONFLICT (offering_id) DO UPDATE SET effective_on = excluded.effective_on,
		monthly_pence = excluded.monthly_pence, one_off_pence = excluded.one_off_pence,
		mou_discount_bp = excluded.mou_discount_bp, scheduled_at = excluded.scheduled_at`
	applyPrices = `WITH v (id, monthly_pence, one_off_pence, mou_discount_bp, updated_at) AS (VALUES %s)
		UPDATE offerings SET monthly_pence = v.monthly_pence, one_off_pence = v.one_off_pence,
			mou_discount_bp = v.mou_discount_bp, updated_at = v.updated_at
		FROM v WHERE offerings.id = v.id`
	applyChanges = `INSERT INTO catalogue_changes (offering_id, agreement_id, made_at, effective_on, field, old_value, new_value, actor_id, actor_name)
		VALUES %s`
	applyAudit = auditInsertHead + `%s`
)

// run writes the batch inside tx, or returns ECONFLICT when the catalogue
// version is no longer the plan's.
func (b *applyBatch) run(ctx context.Context, tx *sql.Tx) error {
	var v int64
	if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'catalogue_version'").Scan(&v); err != nil {
		return err
	}
	if v != b.version {
		return Errorf(ECONFLICT, "The catalogue has changed since the price list was checked")
	}
	newTerms, err := b.create(ctx, tx)
	if err != nil {
		return fmt.Errorf("create offerings: %w", err)
	}
	for _, s := range []struct {
		name, sql string
		rows      [][]any
		extra     []any
	}{
		{"names and categories", applyText, b.text, nil},
		{"offerings", applyUpdate, b.update, nil},
		{"terms", applyDelTerms, b.delTerms, nil},
		{"terms", applyTerms, append(slices.Clip(b.terms), newTerms...), nil},
		{"replaced schedules", applyReplaced, b.replaced, []any{b.today}},
		{"scheduled prices", applyPending, b.pending, nil},
		{"prices", applyPrices, b.prices, nil},
		{"change log", applyChanges, b.changes, nil},
		{"audit trail", applyAudit, b.audit, nil},
	} {
		if err := execValues(ctx, tx, s.sql, s.rows, s.extra...); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// create inserts the new offerings, gives their ids to the change-log and
// audit rows that wait for them and returns their term rows.
func (b *applyBatch) create(ctx context.Context, tx *sql.Tx) (terms [][]any, err error) {
	for batch := range valueBatches(b.creates) {
		rows, err := tx.QueryContext(ctx, fmt.Sprintf(applyCreate, valuesList(len(batch), len(batch[0]))), flatten(batch)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var slug string
			if err := rows.Scan(&id, &slug); err != nil {
				rows.Close()
				return nil, err
			}
			ref := b.createRefs[slug]
			for _, t := range ref.terms {
				terms = append(terms, []any{id, t})
			}
			for _, i := range ref.changes {
				b.changes[i][changeOfferingCol] = id
			}
			b.audit[ref.audit][auditSubjectCol] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return terms, nil
}

// maxBatchRows is the most rows one set-based statement writes; SQLite
// also limits a statement to 32,766 parameters.
const (
	maxBatchRows = 500
	maxParams    = 32766
)

// valueBatches splits rows (all of one width) into batches that fit one
// statement.
func valueBatches(rows [][]any) iter.Seq[[][]any] {
	return func(yield func([][]any) bool) {
		if len(rows) == 0 {
			return
		}
		n := batchRows(rows)
		for start := 0; start < len(rows); start += n {
			if !yield(rows[start:min(start+n, len(rows))]) {
				return
			}
		}
	}
}

// batchRows is how many of rows one statement writes.
func batchRows(rows [][]any) int {
	return min(maxBatchRows, (maxParams-1)/len(rows[0])) // one spare for a trailing argument
}

// execValues runs query, its %s replaced by a VALUES list, once for each
// batch of rows, with extra arguments after the rows'. Full batches share
// one prepared statement (parsing thousands of parameters costs more than
// running them).
func execValues(ctx context.Context, tx *sql.Tx, query string, rows [][]any, extra ...any) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for batch := range valueBatches(rows) {
		args := append(flatten(batch), extra...)
		text := fmt.Sprintf(query, valuesList(len(batch), len(batch[0])))
		if len(batch) < batchRows(rows) {
			if _, err := tx.ExecContext(ctx, text, args...); err != nil {
				return err
			}
			continue
		}
		if full == nil {
			var err error
			if full, err = tx.PrepareContext(ctx, text); err != nil {
				return err
			}
		}
		if _, err := full.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// valuesList is "(?, ?), (?, ?)" for rows rows of cols columns.
func valuesList(rows, cols int) string {
	one := "(?" + strings.Repeat(", ?", cols-1) + ")"
	return one + strings.Repeat(", "+one, rows-1)
}

func flatten(rows [][]any) []any {
	out := make([]any, 0, len(rows)*len(rows[0]))
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}
