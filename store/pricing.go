package store

// Pricing: pure functions over integer pence and basis points (PRODUCT.md §3).
// No floating point and no SQL here.
//
// Bounds (PRODUCT.md §3). Every product of two int64 values that feeds a
// rounded division is computed in 128 bits (math/bits), so a rate applied to
// any int64 amount cannot overflow. The list price q × (monthly × t + one_off)
// is computed with checked arithmetic. The store enforces, in its write
// paths and in database triggers, 1 ≤ q ≤ MaxQuantity (100 000),
// 1 ≤ t ≤ MaxTermMonths (120), monthly ≤ MaxMonthlyPence (£1,000,000) and
// one_off ≤ MaxOneOffPence (£100,000,000), and at most MaxBasketLines (200)
// lines a basket: a line's list price is then at most 2.2 × 10^15 p and a
// basket's 4.4 × 10^17 p, twenty times inside int64 (≈ 9.22 × 10^18), so
// every total fits. Inputs beyond int64 altogether are a programming error
// and panic rather than return a wrong price.

import (
	"fmt"
	"math"
	"math/bits"
)

// VATBasisPoints is the UK standard VAT rate, 20 %, in basis points.
const VATBasisPoints = 2000

// bpScale is the number of basis points in 100 %.
const bpScale = 10000

// MinQuantity and MaxQuantity bound the quantity of a basket line.
const MinQuantity, MaxQuantity = 1, 100000

// Bounds on an offering's prices and terms (PRODUCT.md §3).
const (
	MaxMonthlyPence = 100_000_000    // £1,000,000 a unit a month
	MaxOneOffPence  = 10_000_000_000 // £100,000,000 a unit
	MaxTermMonths   = 120
)

// checkOfferingBounds refuses prices and terms outside the PRODUCT.md §3
// bounds, naming the offering; the database's triggers refuse them too.
func checkOfferingBounds(slug string, monthly, oneOff int64, terms []int) error {
	switch {
	case monthly < 0 || monthly > MaxMonthlyPence:
		return Errorf(EINVALID, "offering %s: the monthly price must be from £0 to %s", slug, FormatPence(MaxMonthlyPence))
	case oneOff < 0 || oneOff > MaxOneOffPence:
		return Errorf(EINVALID, "offering %s: the one-off price must be from £0 to %s", slug, FormatPence(MaxOneOffPence))
	}
	for _, t := range terms {
		if t < 1 || t > MaxTermMonths {
			return Errorf(EINVALID, "offering %s: a term must be from 1 to %d months", slug, MaxTermMonths)
		}
	}
	return nil
}

// RoundDiv returns round-half-up of num/den for num >= 0, den > 0 (exact integer arithmetic).
//
// A negative num is rounded symmetrically (half away from zero); den <= 0 panics.
func RoundDiv(num, den int64) int64 {
	if den <= 0 {
		panic(fmt.Sprintf("store.RoundDiv: denominator %d is not positive", den))
	}
	if num < 0 {
		// -(MinInt64) is not representable; go through uint64.
		return -int64(roundDivU(0, uint64(-(num+1))+1, uint64(den)))
	}
	return int64(roundDivU(0, uint64(num), uint64(den)))
}

// mulDivRound returns round-half-up of a×b/den for a, b >= 0 and den > 0, using
// a 128-bit intermediate product so that a×b cannot overflow. It panics if an
// argument is out of range or the result does not fit in int64 (impossible
// when b <= den, as for any rate of at most 100 %).
func mulDivRound(a, b, den int64) int64 {
	if a < 0 || b < 0 || den <= 0 {
		panic(fmt.Sprintf("store.mulDivRound: bad arguments %d × %d / %d", a, b, den))
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(den) {
		panic(fmt.Sprintf("store.mulDivRound: %d × %d / %d overflows", a, b, den))
	}
	q := roundDivU(hi, lo, uint64(den))
	if q > math.MaxInt64 {
		panic(fmt.Sprintf("store.mulDivRound: %d × %d / %d overflows", a, b, den))
	}
	return int64(q)
}

// roundDivU returns round-half-up of the 128-bit value hi:lo divided by den.
// The caller guarantees hi < den, so the quotient fits in 64 bits; the
// quotient is at most MaxUint64/2 whenever it is later converted to int64.
func roundDivU(hi, lo, den uint64) uint64 {
	q, r := bits.Div64(hi, lo, den)
	// Round up when r/den >= 1/2, i.e. r >= den - r (no overflow of 2r).
	if r >= den-r {
		q++
	}
	return q
}

// mulChecked returns a×b for a, b >= 0, panicking on int64 overflow.
func mulChecked(a, b int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		panic(fmt.Sprintf("store: %d × %d overflows int64", a, b))
	}
	return int64(lo)
}

// addChecked returns a+b, panicking on int64 overflow.
func addChecked(a, b int64) int64 {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		panic(fmt.Sprintf("store: %d + %d overflows int64", a, b))
	}
	return a + b
}

// clampBP limits a rate to [0, 10 000] bp (0 % to 100 %), so a discount can
// never make a price negative.
func clampBP(bp int64) int64 {
	return min(max(bp, 0), bpScale)
}

// Tier is one row of an agreement's in-life tier table.
type Tier struct {
	FromPence int64 // cumulative approved net value (pence) from which the tier applies
	BP        int64 // in-life discount in basis points
}

// TierFor returns the tier in force for a cumulative approved net value (tiers sorted by FromPence asc; first tier FromPence 0), and the next tier if any (ok=false when at the top).
//
// The tier in force is the one with the greatest FromPence <= cumulativePence;
// the next is the one with the least FromPence above it. The table need not be
// sorted. If no tier applies (an empty table, or a cumulative value below the
// first threshold) cur is the zero Tier, i.e. 0 bp.
func TierFor(tiers []Tier, cumulativePence int64) (cur Tier, next Tier, hasNext bool) {
	haveCur := false
	for _, t := range tiers {
		if t.FromPence <= cumulativePence {
			if !haveCur || t.FromPence > cur.FromPence {
				cur, haveCur = t, true
			}
		} else if !hasNext || t.FromPence < next.FromPence {
			next, hasNext = t, true
		}
	}
	return cur, next, hasNext
}

// LineInput holds what prices one basket line.
//
// Amounts are pence, rates basis points; see the package bounds above.
// Negative amounts, quantities and terms are treated as 0, and rates are
// clamped to 0–10 000 bp, so no figure of the result is ever negative.
type LineInput struct {
	MonthlyPence, OneOffPence, MouBP, InlifeBP int64
	Quantity, TermMonths                       int64
}

// LinePrice is the waterfall of one line.
type LinePrice struct {
	ListPence   int64 // q × (monthly × t + one_off)
	MouPence    int64 // round(list × mou_bp / 10 000)
	InlifePence int64 // round((list − mou) × inlife_bp / 10 000)
	NetPence    int64 // list − mou − inlife
}

// PriceLine prices one basket line: list = q×(monthly×t + oneoff); mou = round(list×mou_bp/10000); inlife = round((list−mou)×inlife_bp/10000); net = list−mou−inlife.
//
// It panics only if the list price itself does not fit in int64, which the
// validated bounds rule out.
func PriceLine(in LineInput) LinePrice {
	q := max(in.Quantity, 0)
	t := max(in.TermMonths, 0)
	monthly := max(in.MonthlyPence, 0)
	oneOff := max(in.OneOffPence, 0)

	list := mulChecked(q, addChecked(mulChecked(monthly, t), oneOff))
	mou := mulDivRound(list, clampBP(in.MouBP), bpScale)
	inlife := mulDivRound(list-mou, clampBP(in.InlifeBP), bpScale)
	return LinePrice{
		ListPence:   list,
		MouPence:    mou,
		InlifePence: inlife,
		NetPence:    list - mou - inlife,
	}
}

// Totals is the quote total.
type Totals struct {
	ListPence    int64 // Σ list
	MouPence     int64 // Σ mou
	InlifePence  int64 // Σ inlife
	NetPence     int64 // Σ net
	VATPence     int64 // round(net_total × 2 000 / 10 000), on the total
	GrossPence   int64 // net_total + vat
	SavingsPence int64 // Σ (mou + inlife)
}

// PriceTotals sums priced lines into a quote total, with VAT at VATBasisPoints on the net total (not per line) and savings = Σ(mou+inlife).
//
// The lines must come from PriceLine (no negative figures); it panics if a
// sum overflows int64.
func PriceTotals(lines []LinePrice) Totals {
	var t Totals
	for _, l := range lines {
		t.ListPence = addChecked(t.ListPence, l.ListPence)
		t.MouPence = addChecked(t.MouPence, l.MouPence)
		t.InlifePence = addChecked(t.InlifePence, l.InlifePence)
		t.NetPence = addChecked(t.NetPence, l.NetPence)
	}
	t.VATPence = mulDivRound(t.NetPence, VATBasisPoints, bpScale)
	t.GrossPence = addChecked(t.NetPence, t.VATPence)
	t.SavingsPence = addChecked(t.MouPence, t.InlifePence)
	return t
}

// MonthlyPrice is the "per month" display price: PriceLine with q=1, t=1, one-off 0.
func MonthlyPrice(monthlyPence, mouBP, inlifeBP int64) LinePrice {
	return PriceLine(LineInput{
		MonthlyPence: monthlyPence,
		MouBP:        mouBP,
		InlifeBP:     inlifeBP,
		Quantity:     1,
		TermMonths:   1,
	})
}
