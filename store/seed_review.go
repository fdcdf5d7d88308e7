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

// SeedApprovedQuotes adds n approved quotes from the same synthetic
// councils, for the transparency register's scale tests (`portal seed
// -awards N`, make bench): each submitted and approved (by both demo
// reviewers when it needs two) through the same steps as a real one,
// issued over the last two years. It needs the demo data.
func (db *DB) SeedApprovedQuotes(ctx context.Context, n int, seed uint64) (int, error) {
	return db.seedBaskets(ctx, n, seed, true)
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
