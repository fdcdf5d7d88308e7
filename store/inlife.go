package store

// In-life tiers (PRODUCT.md §3): the extra discount an organisation earns from
// its cumulative net value of approved quotes under the same agreement.

import (
	"context"
	"database/sql"
)

// InlifeStatus is where an organisation stands on an agreement's tier table.
type InlifeStatus struct {
	// CumulativePence is the net total of the organisation's approved quotes
	// under the agreement, not counting the basket being priced.
	CumulativePence int64
	Tier            Tier // the tier in force
	Next            Tier // the next tier, when HasNext
	HasNext         bool
}

// ToNextPence is how much more approved net spend reaches the next tier (0 at the top).
func (s InlifeStatus) ToNextPence() int64 {
	if !s.HasNext {
		return 0
	}
	return max(s.Next.FromPence-s.CumulativePence, 0)
}

// TierLabel names the tier in force, e.g. "from £100,000 of approved purchases".
func (s InlifeStatus) TierLabel() string {
	return TierLabel(s.Tier)
}

// TierLabel names a tier by its threshold.
func TierLabel(t Tier) string {
	if t.FromPence == 0 {
		return "from £0 of approved purchases (the first tier)"
	}
	return "from " + FormatPence(t.FromPence) + " of approved purchases"
}

// approvedNet returns the organisation's cumulative approved net value under
// the agreement, leaving out one basket (0 leaves out none).
func approvedNet(ctx context.Context, q querier, orgID, agreementID, exceptBasket int64) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT coalesce(sum(v.net_total_pence), 0)
		FROM quote_versions v JOIN quotes q ON q.id = v.quote_id
		WHERE q.org_id = ? AND q.agreement_id = ? AND v.status = 'approved' AND q.basket_id <> ?`,
		orgID, agreementID, exceptBasket).Scan(&n)
	return n, err
}

// agreementTiers returns an agreement's tier table.
func agreementTiers(ctx context.Context, q querier, agreementID int64) ([]Tier, error) {
	a := Agreement{ID: agreementID}
	if err := loadTiers(ctx, q, &a); err != nil {
		return nil, err
	}
	return a.Tiers, nil
}

// inlifeStatus looks up the organisation's tier on an agreement, counting
// approved quotes other than exceptBasket's.
func inlifeStatus(ctx context.Context, q querier, orgID, agreementID, exceptBasket int64) (InlifeStatus, error) {
	var s InlifeStatus
	var err error
	if s.CumulativePence, err = approvedNet(ctx, q, orgID, agreementID, exceptBasket); err != nil {
		return s, err
	}
	tiers, err := agreementTiers(ctx, q, agreementID)
	if err != nil {
		return s, err
	}
	s.Tier, s.Next, s.HasNext = TierFor(tiers, s.CumulativePence)
	return s, nil
}

// Inlife returns where the user's organisation stands on an agreement's
// in-life tiers. Only buyers have a tier; anyone else gets the first tier.
func (db *DB) Inlife(ctx context.Context, u *User, agreementID int64) (InlifeStatus, error) {
	var s InlifeStatus
	err := db.read(ctx, func(tx *sql.Tx) error {
		if !u.Is(RoleBuyer) {
			tiers, err := agreementTiers(ctx, tx, agreementID)
			s.Tier, s.Next, s.HasNext = TierFor(tiers, 0)
			return err
		}
		var err error
		s, err = inlifeStatus(ctx, tx, u.OrgID, agreementID, 0)
		return err
	})
	return s, err
}

// InlifeBP returns the in-life discount in basis points that the user's
// organisation has reached under an agreement (0 for anyone but a buyer).
func (db *DB) InlifeBP(ctx context.Context, u *User, agreementID int64) (int64, error) {
	s, err := db.Inlife(ctx, u, agreementID)
	return s.Tier.BP, err
}

// InlifeBPs returns the in-life discount the user's organisation has reached
// under every agreement, by agreement id (empty for anyone but a buyer).
func (db *DB) InlifeBPs(ctx context.Context, u *User) (map[int64]int64, error) {
	out := map[int64]int64{}
	if !u.Is(RoleBuyer) {
		return out, nil
	}
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM agreements`)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			s, err := inlifeStatus(ctx, tx, u.OrgID, id, 0)
			if err != nil {
				return err
			}
			out[id] = s.Tier.BP
		}
		return nil
	})
	return out, err
}
