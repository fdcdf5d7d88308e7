package store

// Synthetic submitted baskets, for the review queue's scale tests
// (`portal seed -baskets N`, make bench): N baskets from generated councils,
// each priced from the catalogue and submitted through the same steps as a
// buyer's, issued over the last few weeks so they are all still valid; about
// one in ten of those needing two approvals already has the first.

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// seedBasketBatch is how many baskets one transaction submits.
const seedBasketBatch = 500

// seedCouncils is how many synthetic councils the baskets come from.
const seedCouncils = 40

// SeedSubmittedBaskets adds n baskets awaiting a decision, from synthetic
// councils and their buyers (whose password nobody knows), over the catalogue's
// active offerings. The same seed on the same database gives the same
// baskets. It needs the demo catalogue and a reviewer (for first
// approvals), and returns how many it added.
func (db *DB) SeedSubmittedBaskets(ctx context.Context, n int, seed uint64) (int, error) {
	return db.seedBaskets(ctx, n, seed, false)
}

// seedRealAwards is how many approved quotes SeedApprovedQuotes makes
// through the real steps; the rest are copies of them.
const seedRealAwards = 2_000

// SeedApprovedQuotes adds n approved quotes from the same synthetic
// councils, for the transparency register's scale tests (`portal seed
// -awards N`, make bench), issued over the last two years. Up to
// seedRealAwards are submitted and approved (by both demo reviewers when
// they need two) through the same steps as a real one; the real steps slow
// down as councils' histories grow (about 500 a minute on this machine
// under load), so the rest are copies of those made in SQL, in batches:
// new baskets, quotes with new references, approved versions with the same
// snapshots and figures and their approvals, all moved back by a whole
// number of weeks (their audit trail is not copied). It needs the demo
// data.
func (db *DB) SeedApprovedQuotes(ctx context.Context, n int, seed uint64) (int, error) {
	real, err := db.seedBaskets(ctx, min(n, seedRealAwards), seed, true)
	if err != nil || real >= n {
		return real, err
	}
	copied, err := db.copyApprovedQuotes(ctx, real, n-real)
	return real + copied, err
}

// copyApprovedQuotes adds n copies of the last m approved quote versions.
func (db *DB) copyApprovedQuotes(ctx context.Context, m, n int) (int, error) {
	done := 0
	for batch := 1; done < n; batch++ {
		k := min(m, n-done)
		shift := fmt.Sprintf("-%d days", 7*(1+batch%100))
		err := db.write(ctx, func(tx *sql.Tx) error {
			stmts := []string{
				`CREATE TEMP TABLE IF NOT EXISTS seed_tpl (rn INTEGER PRIMARY KEY, vid INTEGER, qid INTEGER, bid INTEGER)`,
				`DELETE FROM temp.seed_tpl`,
				`INSERT INTO temp.seed_tpl (vid, qid, bid) SELECT v.id, q.id, q.basket_id FROM quote_versions v JOIN quotes q ON q.id = v.quote_id
					WHERE v.status = 'approved' AND v.id IN (SELECT id FROM quote_versions WHERE status = 'approved' ORDER BY id DESC LIMIT :m)
					ORDER BY v.id LIMIT :k`,
				`INSERT INTO baskets (id, org_id, owner_id, name, agreement_id, status, version, has_requirements, need, budget_pence, sites,
					required_by, weight_price, weight_quality, weight_social, created_at, updated_at)
					SELECT :ob + t.rn, b.org_id, b.owner_id, b.name, b.agreement_id, b.status, b.version, b.has_requirements, b.need, b.budget_pence,
					b.sites, b.required_by, b.weight_price, b.weight_quality, b.weight_social,
					strftime('%Y-%m-%dT%H:%M:%SZ', b.created_at, :shift), strftime('%Y-%m-%dT%H:%M:%SZ', b.updated_at, :shift)
					FROM temp.seed_tpl t JOIN baskets b ON b.id = t.bid`,
				`INSERT INTO quotes (id, ref, basket_id, org_id, agreement_id, created_at)
					SELECT :oq + t.rn, printf('Q-%s-%06d', strftime('%Y', q.created_at, :shift), 500000 + :oq + t.rn), :ob + t.rn, q.org_id, q.agreement_id,
					strftime('%Y-%m-%dT%H:%M:%SZ', q.created_at, :shift)
					FROM temp.seed_tpl t JOIN quotes q ON q.id = t.qid`,
				`INSERT INTO quote_versions (id, quote_id, version, status, issued_by, issued_at, valid_until, inlife_bp, list_total_pence,
					net_total_pence, vat_pence, gross_total_pence, savings_pence, approvals_needed, snapshot, decided_at)
					SELECT :ov + t.rn, :oq + t.rn, 1, 'approved', v.issued_by, strftime('%Y-%m-%dT%H:%M:%SZ', v.issued_at, :shift), date(v.valid_until, :shift),
					v.inlife_bp, v.list_total_pence, v.net_total_pence, v.vat_pence, v.gross_total_pence, v.savings_pence, v.approvals_needed, v.snapshot,
					strftime('%Y-%m-%dT%H:%M:%SZ', v.decided_at, :shift)
					FROM temp.seed_tpl t JOIN quote_versions v ON v.id = t.vid`,
				`INSERT INTO quote_approvals (quote_version_id, reviewer_id, at)
					SELECT :ov + t.rn, a.reviewer_id, strftime('%Y-%m-%dT%H:%M:%SZ', a.at, :shift)
					FROM temp.seed_tpl t JOIN quote_approvals a ON a.quote_version_id = t.vid ORDER BY a.id`,
			}
			var ob, oq, ov int64
			if err := tx.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(id), 0) FROM baskets), (SELECT coalesce(max(id), 0) FROM quotes),
				(SELECT coalesce(max(id), 0) FROM quote_versions)`).Scan(&ob, &oq, &ov); err != nil {
				return err
			}
			args := []any{sql.Named("m", m), sql.Named("k", k), sql.Named("ob", ob), sql.Named("oq", oq), sql.Named("ov", ov), sql.Named("shift", shift)}
			for _, q := range stmts {
				if _, err := tx.ExecContext(ctx, q, args...); err != nil {
					return fmt.Errorf("copy approved quotes: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return done, err
		}
		done += k
	}
	return done, nil
}

// seedBaskets adds n submitted baskets, approved when approveAll.
func (db *DB) seedBaskets(ctx context.Context, n int, seed uint64, approveAll bool) (int, error) {
	if n <= 0 {
		return 0, nil
	}
	r := rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
	var offerings []struct {
		slug  string
		terms []int
	}
	var buyers []*User
	var reviewer, reviewer2 *User
	// The synthetic buyers' password is random and thrown away: nobody
	// signs in as them.
	hash, err := hashPassword(ctx, crand.Text())
	if err != nil {
		return 0, err
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT o.slug, (SELECT group_concat(months, '|') FROM offering_terms t WHERE t.offering_id = o.id)
			FROM offerings o JOIN agreements a ON a.id = o.agreement_id WHERE o.active = 1 AND a.slug = ? ORDER BY o.id LIMIT 200`, DemoAgreementMoU)
		if err != nil {
			return err
		}
		for rows.Next() {
			var slug string
			var terms sql.NullString
			if err := rows.Scan(&slug, &terms); err != nil {
				rows.Close()
				return err
			}
			o := struct {
				slug  string
				terms []int
			}{slug: slug}
			o.terms = splitTerms(terms.String)
			if len(o.terms) > 0 {
				offerings = append(offerings, o)
			}
		}
		rows.Close()
		if len(offerings) == 0 {
			return Errorf(EINVALID, "Cannot seed baskets: the catalogue has no active MoU offerings (load the demo catalogue first)")
		}
		if reviewer, err = demoUser(ctx, tx, "reviewer@ccs.example"); err != nil {
			return Errorf(EINVALID, "Cannot seed baskets: they need the demo reviewer (load the demo data first)")
		}
		if reviewer2, err = demoUser(ctx, tx, "reviewer2@ccs.example"); err != nil {
			return Errorf(EINVALID, "Cannot seed baskets: they need the demo reviewers (load the demo data first)")
		}
		now := db.Now()
		for i := range seedCouncils {
			name := fmt.Sprintf("Seeded District Council %d", i+1)
			var orgID int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM organisations WHERE name = ?`, name).Scan(&orgID)
			if err == sql.ErrNoRows {
				o, err := createOrganisation(ctx, tx, NewOrganisation{Name: name, Type: OrgDistrictCouncil,
					Identifier: fmt.Sprintf("GB-SEED-%04d", i+1)}, now)
				if err != nil {
					return err
				}
				orgID = o.ID
				if _, err := createUser(ctx, tx, NewUser{Name: "Buyer " + strconv.Itoa(i+1), Email: fmt.Sprintf("buyer%d@seeded-%d.example", i+1, i+1),
					OrgID: orgID, Role: RoleBuyer}, hash, now); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
			u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+`WHERE u.org_id = ? AND u.role = 'buyer' ORDER BY u.id LIMIT 1`, orgID))
			if err != nil {
				return err
			}
			buyers = append(buyers, &u)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	today := db.Now()
	span := 25 * 24 * time.Hour
	if approveAll {
		span = 730 * 24 * time.Hour
	}
	done := 0
	for done < n {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		k := min(seedBasketBatch, n-done)
		err := db.write(ctx, func(tx *sql.Tx) error {
			for i := range k {
				u := buyers[r.IntN(len(buyers))]
				// Issued over the span (25 days awaiting review, two years
				// approved), oldest first.
				at := today.Add(-time.Duration(float64(span) * float64(n-done-i) / float64(n))).Add(-time.Duration(r.IntN(3600)) * time.Second)
				id, err := createBasket(ctx, tx, u, BasketNameText, fmt.Sprintf("Seeded basket %d", done+i+1), at)
				if err != nil {
					return err
				}
				for range 1 + r.IntN(3) {
					o := offerings[r.IntN(len(offerings))]
					q := []int{1, 5, 20, 80, 250, 1200}[r.IntN(6)]
					if _, err := addLine(ctx, tx, db.stmts, u, id, LineForm{Offering: o.slug, Quantity: strconv.Itoa(q),
						TermMonths: strconv.Itoa(o.terms[r.IntN(len(o.terms))])}, at); err != nil {
						return err
					}
				}
				req := RequirementsForm{Need: "Seeded need", Budget: strconv.Itoa(5_000 + r.IntN(400_000)), Sites: strconv.Itoa(1 + r.IntN(30)),
					RequiredBy: DateInput{ISO: at.AddDate(0, 3, 0).Format(time.DateOnly)}, WeightPrice: "50", WeightQuality: "35", WeightSocial: "15"}
				if err := setRequirements(ctx, tx, db.stmts, u, id, req, at); err != nil {
					return err
				}
				ref, _, err := submit(ctx, tx, db.stmts, u, id, at)
				if err != nil {
					return err
				}
				switch {
				case approveAll:
					for k, rv := range []*User{reviewer, reviewer2}[:ref.ApprovalsNeeded] {
						if _, err := approve(ctx, tx, db.stmts, rv, id, "", ref.Version, at.Add(time.Duration(k+1)*time.Hour)); err != nil {
							return err
						}
					}
				case ref.ApprovalsNeeded == 2 && r.IntN(10) == 0:
					if _, err := approve(ctx, tx, db.stmts, reviewer, id, "", ref.Version, at.Add(time.Hour)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("seed baskets: %w", err)
		}
		done += k
	}
	return done, nil
}

func splitTerms(s string) []int {
	var out []int
	for _, p := range strings.Split(s, "|") {
		if n, err := strconv.Atoi(p); err == nil {
			out = append(out, n)
		}
	}
	return out
}
