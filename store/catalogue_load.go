package store

import (
	"context"
	"database/sql"
	"encoding/json"
)

// Catalogue is a set of suppliers, categories, agreements and offerings to
// load in one go (the demo data, tests).
type Catalogue struct {
	Suppliers  []Supplier
	Categories []Category
	Agreements []NewAgreement
	Offerings  []NewOffering
}

// NewAgreement describes an agreement to create.
type NewAgreement struct {
	Slug, CCSRef, Title, Summary string
	SupplierSlug                 string
	StartsOn, EndsOn             string // YYYY-MM-DD
	Tiers                        []Tier
	Trials                       TrialTerms
	SocialValue                  []string
	LearningDevelopment          []string
	Evaluation                   []string
}

// NewOffering describes an offering to create.
type NewOffering struct {
	Slug, Name                  string
	CategorySlug, AgreementSlug string // the supplier is the agreement's
	Unit, Summary, Description  string
	MonthlyPence, OneOffPence   int64
	MouBP                       int64
	Terms                       []int
	Attributes                  []Attribute
	SocialValue                 []string
	PovTrial, SdwanTrial        bool
}

// LoadCatalogue inserts the whole catalogue in one transaction.
func (db *DB) LoadCatalogue(ctx context.Context, c Catalogue) error {
	return db.write(ctx, func(tx *sql.Tx) error { return loadCatalogue(ctx, tx, c) })
}

func loadCatalogue(ctx context.Context, tx *sql.Tx, c Catalogue) error {
	for _, s := range c.Suppliers {
		if _, err := tx.ExecContext(ctx, "INSERT INTO suppliers (slug, name, identifier) VALUES (?, ?, ?)", s.Slug, s.Name, s.Identifier); err != nil {
			return err
		}
	}
	for i, cat := range c.Categories {
		if _, err := tx.ExecContext(ctx, "INSERT INTO categories (slug, name, position, cpv) VALUES (?, ?, ?, ?)", cat.Slug, cat.Name, i, cat.CPV); err != nil {
			return err
		}
	}
	for _, a := range c.Agreements {
		if err := insertAgreement(ctx, tx, a); err != nil {
			return err
		}
	}
	ins, err := prepareOfferingInsert(ctx, tx)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, o := range c.Offerings {
		if err := ins.insert(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

func insertAgreement(ctx context.Context, tx *sql.Tx, a NewAgreement) error {
	social, _ := json.Marshal(nonNil(a.SocialValue))
	learning, _ := json.Marshal(nonNil(a.LearningDevelopment))
	evaluation, _ := json.Marshal(nonNil(a.Evaluation))
	t := a.Trials
	res, err := tx.ExecContext(ctx, `INSERT INTO agreements (slug, ccs_ref, title, summary, supplier_id, starts_on, ends_on,
		pov_min_sites, pov_max_sites, pov_min_days, pov_max_days, sdwan_min_sites, sdwan_max_sites, sdwan_min_days, sdwan_max_days,
		trial_terms, social_value, learning_development, evaluation)
		VALUES (?, ?, ?, ?, (SELECT id FROM suppliers WHERE slug = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Slug, a.CCSRef, a.Title, a.Summary, a.SupplierSlug, a.StartsOn, a.EndsOn,
		t.PovMinSites, t.PovMaxSites, t.PovMinDays, t.PovMaxDays, t.SdwanMinSites, t.SdwanMaxSites, t.SdwanMinDays, t.SdwanMaxDays,
		t.Text, string(social), string(learning), string(evaluation))
	if err != nil {
		return err
	}
	id, _ := res.LastInsertId()
	for _, tier := range a.Tiers {
		if _, err := tx.ExecContext(ctx, "INSERT INTO agreement_tiers (agreement_id, from_pence, bp) VALUES (?, ?, ?)", id, tier.FromPence, tier.BP); err != nil {
			return err
		}
	}
	return nil
}

// offeringInsert holds prepared statements for inserting many offerings.
type offeringInsert struct {
	offering, term *sql.Stmt
}

func prepareOfferingInsert(ctx context.Context, tx *sql.Tx) (*offeringInsert, error) {
	o, err := tx.PrepareContext(ctx, `INSERT INTO offerings (slug, name, category_id, supplier_id, agreement_id, unit, summary, description,
		monthly_pence, one_off_pence, mou_discount_bp, attributes, social_value, pov_trial, sdwan_trial)
		SELECT ?, ?, (SELECT id FROM categories WHERE slug = ?), a.supplier_id, a.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
		FROM agreements a WHERE a.slug = ?`)
	if err != nil {
		return nil, err
	}
	t, err := tx.PrepareContext(ctx, "INSERT INTO offering_terms (offering_id, months) VALUES (?, ?)")
	if err != nil {
		o.Close()
		return nil, err
	}
	return &offeringInsert{offering: o, term: t}, nil
}

func (p *offeringInsert) Close() {
	p.offering.Close()
	p.term.Close()
}

func (p *offeringInsert) insert(ctx context.Context, o NewOffering) error {
	if err := checkOfferingBounds(o.Slug, o.MonthlyPence, o.OneOffPence, o.Terms); err != nil {
		return err
	}
	attrs, social := offeringJSON(o.Attributes, o.SocialValue)
	res, err := p.offering.ExecContext(ctx, o.Slug, o.Name, o.CategorySlug, o.Unit, o.Summary, o.Description,
		o.MonthlyPence, o.OneOffPence, o.MouBP, attrs, social, o.PovTrial, o.SdwanTrial, o.AgreementSlug)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Errorf(EINVALID, "offering %s: no agreement %q", o.Slug, o.AgreementSlug)
	}
	id, _ := res.LastInsertId()
	for _, t := range o.Terms {
		if _, err := p.term.ExecContext(ctx, id, t); err != nil {
			return err
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
