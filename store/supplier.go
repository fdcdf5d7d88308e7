package store

// The supplier area (issue 10): a supplier user's own offerings, the edit
// form, checked price lists waiting to be applied, and the public change
// log. Every method takes the signed-in user and keeps to their supplier:
// another supplier's offering or upload is ENOTFOUND.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"maps"
	"strconv"
	"strings"
	"time"
)

// UploadTTL is how long a checked price list may be applied.
const UploadTTL = 24 * time.Hour

func supplierOf(u *User) (int64, error) {
	if !u.Is(RoleSupplier) || u.SupplierID == 0 {
		return 0, Errorf(EFORBIDDEN, "Only a supplier's catalogue team can do this")
	}
	return u.SupplierID, nil
}

// CheckedUpload is a checked price list: its id (for the apply form) when
// it is valid, and the plan.
type CheckedUpload struct {
	ID       string
	Filename string
	Plan     ImportPlan
}

// CheckUpload checks a price list the user uploaded (a dry run). A valid
// one is kept for UploadTTL under a random id, to be applied with
// ApplyUpload; nothing else is written.
func (db *DB) CheckUpload(ctx context.Context, u *User, filename string, body []byte) (CheckedUpload, error) {
	sid, err := supplierOf(u)
	if err != nil {
		return CheckedUpload{}, err
	}
	name, fe := Text{Field: "file", Label: "The file name", Max: 255}.Check(filename)
	if fe != nil {
		name = "price list"
	}
	up := CheckedUpload{Filename: name}
	if up.Plan, err = db.PlanImport(ctx, sid, body); err != nil || !up.Plan.Valid() {
		return up, err
	}
	id := make([]byte, 16)
	rand.Read(id)
	up.ID = hex.EncodeToString(id)
	err = db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO price_list_uploads (id, supplier_id, user_id, filename, body, checked_at, catalogue_version, digest)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, up.ID, sid, u.ID, name, body, timestamp(up.Plan.CheckedAt), up.Plan.Version, up.Plan.Digest())
		return err
	})
	return up, err
}

// ApplyUpload applies the user's checked price list, all or nothing. If
// the catalogue has changed since the check, the file is checked again:
// when that finds anything different, nothing is applied and the error is
// ECONFLICT with the fresh check returned (kept under the same id, so it
// can be applied in turn).
func (db *DB) ApplyUpload(ctx context.Context, u *User, id string) (CheckedUpload, error) {
	sid, err := supplierOf(u)
	if err != nil {
		return CheckedUpload{}, err
	}
	up := CheckedUpload{ID: id}
	var body []byte
	var checkedAt, digest string
	var version int64
	var applied sql.NullString
	err = db.r.QueryRowContext(ctx, `SELECT filename, body, checked_at, catalogue_version, digest, applied_at
		FROM price_list_uploads WHERE id = ? AND user_id = ? AND supplier_id = ?`, id, u.ID, sid).
		Scan(&up.Filename, &body, &checkedAt, &version, &digest, &applied)
	if errors.Is(err, sql.ErrNoRows) {
		return up, Errorf(ENOTFOUND, "There is no such checked price list")
	} else if err != nil {
		return up, err
	}
	switch {
	case applied.Valid:
		return up, Errorf(ECONFLICT, "This price list was applied on %s", FormatDate(parseTimestamp(applied.String).In(London)))
	case db.Now().Sub(parseTimestamp(checkedAt)) > UploadTTL:
		return up, Errorf(ENOTFOUND, "This checked price list has expired (checked uploads are kept for 24 hours): upload it again")
	}
	for attempt := 0; attempt < 5; attempt++ {
		if up.Plan, err = db.PlanImport(ctx, sid, body); err != nil {
			return up, err
		}
		if fresh := up.Plan.Digest(); fresh != digest || !up.Plan.Valid() {
			// Keep the fresh check, so its report's apply form works.
			err := db.write(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE price_list_uploads SET catalogue_version = ?, digest = ? WHERE id = ?`,
					up.Plan.Version, fresh, id)
				return err
			})
			if err != nil {
				return up, err
			}
			return up, Errorf(ECONFLICT, "The catalogue has changed since you checked this price list, and applying it now would make different changes. Check the new report below before applying it.")
		}
		// Everything to write is worked out before the write transaction.
		b, err := buildApply(ActorOf(u), up.Plan, ActionImportOffering, db.Now())
		if err != nil {
			return up, err
		}
		err = db.write(ctx, func(tx *sql.Tx) error {
			if err := b.run(ctx, tx); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE price_list_uploads SET applied_at = ? WHERE id = ?`, timestamp(db.Now()), id)
			return err
		})
		if ErrorCode(err) != ECONFLICT {
			return up, err
		}
	}
	return up, Errorf(ECONFLICT, "The catalogue is changing too often to apply the price list now: try again in a minute")
}

// expireUploads is the sweeper's job that deletes checked price lists older
// than UploadTTL (applied or not: the audit trail keeps what was done).
func expireUploads(ctx context.Context, db *DB, tx *sql.Tx, now time.Time) (int, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM price_list_uploads WHERE checked_at < ?`, timestamp(now.Add(-UploadTTL)))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// SupplierRow is one line of the supplier's offerings list.
type SupplierRow struct {
	Offering
	Pending     *PendingPrice
	LastChanged time.Time
}

// SupplierPageSize is how many offerings a page of /supplier lists.
const SupplierPageSize = 50

// SupplierOfferings returns a page (1-based) of the user's supplier's
// offerings by name, those whose name or slug contains q, and how many match.
func (db *DB) SupplierOfferings(ctx context.Context, u *User, q string, page int) ([]SupplierRow, int, error) {
	sid, err := supplierOf(u)
	if err != nil {
		return nil, 0, err
	}
	q = CleanSearch(q)
	where := "o.supplier_id = ?"
	args := []any{sid}
	if q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		where += ` AND (o.name LIKE ? ESCAPE '\' OR o.slug LIKE ? ESCAPE '\')`
		args = append(args, like, like)
	}
	page = max(page, 1)
	var out []SupplierRow
	var total int
	err = db.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM offerings o WHERE "+where, args...).Scan(&total); err != nil {
			return err
		}
		ids, err := scanIDs(tx.QueryContext(ctx, "SELECT o.id FROM offerings o WHERE "+where+" ORDER BY o.name COLLATE NOCASE, o.id LIMIT ? OFFSET ?",
			append(args, SupplierPageSize, (page-1)*SupplierPageSize)...))
		if err != nil || len(ids) == 0 {
			return err
		}
		offerings, err := offeringsByID(ctx, tx, ids)
		if err != nil {
			return err
		}
		pending, err := pendingPrices(ctx, tx, ids)
		if err != nil {
			return err
		}
		for _, o := range offerings {
			out = append(out, SupplierRow{Offering: o, Pending: pending[o.ID], LastChanged: o.UpdatedAt})
		}
		return nil
	})
	return out, total, err
}

// readPending is the one reader of scheduled prices: the rows of
// offering_pending_prices that match where (with args), by offering.
func readPending(ctx context.Context, q querier, where string, args ...any) (map[int64]*PendingPrice, error) {
	rows, err := q.QueryContext(ctx, `SELECT offering_id, effective_on, monthly_pence, one_off_pence, mou_discount_bp
		FROM offering_pending_prices WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*PendingPrice{}
	for rows.Next() {
		var id int64
		var on string
		var p PendingPrice
		if err := rows.Scan(&id, &on, &p.MonthlyPence, &p.OneOffPence, &p.MouBP); err != nil {
			return nil, err
		}
		p.EffectiveOn, _ = time.ParseInLocation(time.DateOnly, on, London)
		out[id] = &p
	}
	return out, rows.Err()
}

// pendingPrices returns the scheduled prices of the offerings ids.
func pendingPrices(ctx context.Context, q querier, ids []int64) (map[int64]*PendingPrice, error) {
	out := map[int64]*PendingPrice{}
	for start := 0; start < len(ids); start += 5000 {
		chunk := ids[start:min(start+5000, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		got, err := readPending(ctx, q, "offering_id IN (?"+strings.Repeat(",?", len(chunk)-1)+")", args...)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, got)
	}
	return out, nil
}

// PendingPrices returns the scheduled prices of the given offerings.
func (db *DB) PendingPrices(ctx context.Context, ids []int64) (map[int64]*PendingPrice, error) {
	if len(ids) == 0 {
		return map[int64]*PendingPrice{}, nil
	}
	return pendingPrices(ctx, db.r, ids)
}

// SupplierOffering returns one of the user's supplier's offerings (another
// supplier's is ENOTFOUND) with its pending price.
func (db *DB) SupplierOffering(ctx context.Context, u *User, slug string) (Offering, *PendingPrice, error) {
	sid, err := supplierOf(u)
	if err != nil {
		return Offering{}, nil, err
	}
	o, err := findOffering(ctx, db.r, "o.slug = ? AND o.supplier_id = ?", slug, sid)
	if err != nil {
		return o, nil, err
	}
	p, err := pendingPrices(ctx, db.r, []int64{o.ID})
	return o, p[o.ID], err
}

// OfferingForm is the supplier's edit form, as typed.
type OfferingForm struct {
	Name, Unit, Category    string
	Summary, Description    string
	Attributes, SocialValue string // one a line; attributes "Key: Value"
	PovTrial, SdwanTrial    bool
	Terms                   string // "12|24|36" (commas and spaces also allowed)
	Monthly, OneOff         string // pounds
	MouBP                   string // basis points
	EffectiveFrom           DateInput
	Status                  string
}

// OfferingFormOf fills the form from an offering (and its pending price,
// which the form shows as the price to edit).
func OfferingFormOf(o Offering, p *PendingPrice) OfferingForm {
	f := OfferingForm{Name: o.Name, Unit: o.Unit, Category: o.Category.Slug, Summary: o.Summary, Description: o.Description,
		Attributes: FormatAttributes(o.Attributes), SocialValue: strings.Join(o.SocialValue, "\n"),
		PovTrial: o.PovTrial, SdwanTrial: o.SdwanTrial, Terms: o.TermsString(),
		Monthly: FormatPounds(o.MonthlyPence), OneOff: FormatPounds(o.OneOffPence), MouBP: strconv.FormatInt(o.MouBP, 10),
		Status: statusOf(o.Active), EffectiveFrom: DateInput{Parts: true}}
	if p != nil {
		f.Monthly, f.OneOff, f.MouBP = FormatPounds(p.MonthlyPence), FormatPounds(p.OneOffPence), strconv.FormatInt(p.MouBP, 10)
		f.EffectiveFrom = DateInputOf(p.EffectiveOn)
	}
	return f
}

// formFields maps the columns of the shared row checks to the edit form's
// fields.
var formFields = map[string]string{"monthly_pence": "monthly", "one_off_pence": "one_off", ColEffectiveFrom: "effective_from", ColStatus: "status"}

// EditOffering changes one of the user's supplier's offerings from the edit
// form: the same checks and the same apply as a one-row price list.
func (db *DB) EditOffering(ctx context.Context, u *User, slug string, f OfferingForm) error {
	o, _, err := db.SupplierOffering(ctx, u, slug)
	if err != nil {
		return err
	}
	now := db.Now()
	row := PriceRow{Slug: o.Slug, SupplierSlug: o.Supplier.Slug, AgreementSlug: o.Agreement.Slug, Details: true}
	var errs []FieldError
	add := func(fe *FieldError) {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	var fe *FieldError
	row.Name, fe = offeringName.For("name").Check(f.Name)
	add(fe)
	row.Summary, fe = SummaryText.Check(f.Summary)
	add(fe)
	row.Description, fe = DescriptionText.Check(f.Description)
	add(fe)
	row.Unit, fe = unitText.Check(f.Unit)
	add(fe)
	row.Category, fe = refText("category").Check(f.Category)
	add(fe)
	row.Attributes, fe = parseAttributes(f.Attributes)
	add(fe)
	row.SocialValue, fe = parseLines("social_value", "Social value commitment", f.SocialValue)
	add(fe)
	row.PovTrial, row.SdwanTrial = f.PovTrial, f.SdwanTrial
	row.Terms, fe = ParseTerms("term_options", strings.NewReplacer(",", "|", " ", "").Replace(f.Terms))
	add(fe)
	row.MonthlyPence, fe = Money{Field: "monthly", Label: "Monthly price", Empty: "Enter the monthly price"}.Check(f.Monthly)
	if fe == nil && row.MonthlyPence > MaxMonthlyPence {
		fe = &FieldError{"monthly", "Monthly price must be " + FormatPounds(MaxMonthlyPence) + " or less"}
	}
	add(fe)
	row.OneOffPence, fe = Money{Field: "one_off", Label: "One-off price", Empty: "Enter the one-off price (0 for none)"}.Check(f.OneOff)
	if fe == nil && row.OneOffPence > MaxOneOffPence {
		fe = &FieldError{"one_off", "One-off price must be " + FormatPounds(MaxOneOffPence) + " or less"}
	}
	add(fe)
	row.MouBP, fe = discountCount.Check(f.MouBP)
	add(fe)
	if in := f.EffectiveFrom; strings.TrimSpace(in.Day+in.Month+in.Year+in.ISO) != "" {
		row.EffectiveOn, fe = EffectiveDate("effective_from", now).Check(in)
		add(fe)
	}
	switch f.Status {
	case StatusActive, StatusWithdrawn:
		row.Active = f.Status == StatusActive
	default:
		add(&FieldError{"status", "Choose whether the offering is available or withdrawn"})
	}
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	for attempt := 0; attempt < 5; attempt++ {
		plan, err := db.plan(ctx, u.SupplierID, []PriceRow{row}, now)
		if err != nil {
			return err
		}
		if !plan.Valid() {
			for _, e := range plan.Errors {
				field := e.Column
				if f, ok := formFields[field]; ok {
					field = f
				}
				errs = append(errs, FieldError{field, e.Message})
			}
			return Invalid(errs...)
		}
		if len(plan.Rows) == 0 {
			return nil // nothing changed
		}
		err = db.ApplyImport(ctx, ActorOf(u), plan, ActionEditOffering)
		if ErrorCode(err) != ECONFLICT {
			return err
		}
	}
	return Errorf(ECONFLICT, "The catalogue is changing too often to save now: try again in a minute")
}

func parseLines(field, label, s string) ([]string, *FieldError) {
	s, fe := Text{Field: field, Label: label + "s", Max: MaxNeed, Multiline: true}.Check(s)
	if fe != nil {
		return nil, fe
	}
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if len([]rune(l)) > MaxComment {
				return nil, &FieldError{field, label + "s must be 2,000 characters or fewer each"}
			}
			out = append(out, l)
		}
	}
	return out, nil
}

func parseAttributes(s string) ([]Attribute, *FieldError) {
	lines, fe := parseLines("attributes", "Attribute", s)
	if fe != nil {
		return nil, fe
	}
	out := make([]Attribute, 0, len(lines))
	for _, l := range lines {
		k, v, ok := strings.Cut(l, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, &FieldError{"attributes", "Write each attribute on its own line as name: value, like “Data allowance: 10 GB”"}
		}
		out = append(out, Attribute{Key: k, Value: v})
	}
	return out, nil
}

// CatalogueChange is one entry of the public change log.
type CatalogueChange struct {
	ID           int64
	OfferingSlug string
	OfferingName string
	MadeAt       time.Time
	EffectiveOn  time.Time
	Field        string // monthly_pence, one_off_pence, mou_discount_bp or status
	Old, New     string
	Actor        string // only for reviewers (empty otherwise)
	Replaced     bool   // a scheduled change replaced before its date
}

// ChangeLogPageSize is how many changes a page of the log shows.
const ChangeLogPageSize = 50

// ChangeLog returns a page (1-based) of the changes under an agreement, or
// of one offering (offeringID ≠ 0), newest first, and how many there are.
// Only reviewers see who made each change.
func (db *DB) ChangeLog(ctx context.Context, u *User, agreementID, offeringID int64, page, size int) ([]CatalogueChange, int, error) {
	where, arg := "c.agreement_id = ?", agreementID
	if offeringID != 0 {
		where, arg = "c.offering_id = ?", offeringID
	}
	page = max(page, 1)
	var out []CatalogueChange
	var total int
	err := db.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM catalogue_changes c WHERE "+where, arg).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT c.id, o.slug, o.name, c.made_at, c.effective_on, c.field, c.old_value, c.new_value, c.actor_name, c.replaced
			FROM catalogue_changes c JOIN offerings o ON o.id = c.offering_id WHERE `+where+` ORDER BY c.id DESC LIMIT ? OFFSET ?`,
			arg, size, (page-1)*size)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c CatalogueChange
			var made, on string
			if err := rows.Scan(&c.ID, &c.OfferingSlug, &c.OfferingName, &made, &on, &c.Field, &c.Old, &c.New, &c.Actor, &c.Replaced); err != nil {
				return err
			}
			c.MadeAt = parseTimestamp(made)
			c.EffectiveOn, _ = time.ParseInLocation(time.DateOnly, on, London)
			if !u.Is(RoleReviewer) {
				c.Actor = ""
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, total, err
}
