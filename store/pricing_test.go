package store

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestRoundDiv(t *testing.T) {
	tests := []struct {
		name     string
		num, den int64
		want     int64
	}{
		{"zero is zero", 0, 7, 0},
		{"exact division is unchanged", 30000, 10000, 3},
		{"exact half rounds up", 15000, 10000, 2},
		{"even half rounds up not to even", 25000, 10000, 3},
		{"just under half rounds down", 14999, 10000, 1},
		{"just over half rounds up", 15001, 10000, 2},
		{"half of one rounds up to one", 1, 2, 1},
		{"below half of one rounds to zero", 4999, 10000, 0},
		{"odd denominator half-up boundary rounds up", 2, 3, 1},
		{"odd denominator below half rounds down", 1, 3, 0},
		{"max int64 over one is itself", math.MaxInt64, 1, math.MaxInt64},
		{"max int64 over two rounds up without overflow", math.MaxInt64, 2, 1 << 62},
		{"max int64 over max int64 is one", math.MaxInt64, math.MaxInt64, 1},
		{"negative half rounds away from zero", -5, 10, -1},
		{"negative under half rounds toward zero", -4, 10, 0},
		{"min int64 over one is itself", math.MinInt64, 1, math.MinInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RoundDiv(tt.num, tt.den); got != tt.want {
				t.Errorf("RoundDiv(%d, %d): got %d, want %d", tt.num, tt.den, got, tt.want)
			}
		})
	}
	t.Run("non-positive denominator panics", func(t *testing.T) {
		for _, den := range []int64{0, -1} {
			if !pricingPanics(func() { RoundDiv(1, den) }) {
				t.Errorf("RoundDiv(1, %d): got no panic, want panic", den)
			}
		}
	})
}

func TestRoundMulDivBeyondInt64Product(t *testing.T) {
	tests := []struct {
		name         string
		a, b, den    int64
		wantOverflow bool
	}{
		{"product above int64 divides exactly", 1_200_000_000_000_000, 10000, 10000, false},
		{"product above int64 rounds half up", math.MaxInt64, 5000, 10000, false},
		{"max int64 times max rate is itself", math.MaxInt64, 10000, 10000, false},
		{"quotient beyond int64 panics", math.MaxInt64, 3, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantOverflow {
				if !pricingPanics(func() { mulDivRound(tt.a, tt.b, tt.den) }) {
					t.Errorf("mulDivRound(%d, %d, %d): got no panic, want panic", tt.a, tt.b, tt.den)
				}
				return
			}
			want := pricingBigRound(new(big.Int).Mul(big.NewInt(tt.a), big.NewInt(tt.b)), tt.den)
			if got := mulDivRound(tt.a, tt.b, tt.den); big.NewInt(got).Cmp(want) != 0 {
				t.Errorf("mulDivRound(%d, %d, %d): got %d, want %s", tt.a, tt.b, tt.den, got, want)
			}
		})
	}
}

// pricingDemoTiers is the MoU's demo in-life tier table (PRODUCT.md §3).
var pricingDemoTiers = []Tier{
	{FromPence: 0, BP: 0},
	{FromPence: 10_000_000, BP: 150},  // £100,000
	{FromPence: 25_000_000, BP: 300},  // £250,000
	{FromPence: 100_000_000, BP: 500}, // £1,000,000
}

func TestTierFor(t *testing.T) {
	tests := []struct {
		name        string
		tiers       []Tier
		cumulative  int64
		wantCur     Tier
		wantNext    Tier
		wantHasNext bool
	}{
		{"nothing approved is the base tier", pricingDemoTiers, 0, pricingDemoTiers[0], pricingDemoTiers[1], true},
		{"a penny under £100,000 is still the base tier", pricingDemoTiers, 9_999_999, pricingDemoTiers[0], pricingDemoTiers[1], true},
		{"exactly £100,000 reaches the 150 bp tier", pricingDemoTiers, 10_000_000, pricingDemoTiers[1], pricingDemoTiers[2], true},
		{"a penny under £250,000 stays at 150 bp", pricingDemoTiers, 24_999_999, pricingDemoTiers[1], pricingDemoTiers[2], true},
		{"exactly £250,000 reaches the 300 bp tier", pricingDemoTiers, 25_000_000, pricingDemoTiers[2], pricingDemoTiers[3], true},
		{"exactly £1,000,000 reaches the top tier", pricingDemoTiers, 100_000_000, pricingDemoTiers[3], Tier{}, false},
		{"far above the top tier stays at the top", pricingDemoTiers, math.MaxInt64, pricingDemoTiers[3], Tier{}, false},
		{"unsorted table gives the same tier", []Tier{pricingDemoTiers[3], pricingDemoTiers[1], pricingDemoTiers[0], pricingDemoTiers[2]}, 30_000_000, pricingDemoTiers[2], pricingDemoTiers[3], true},
		{"empty table is zero bp with no next", nil, 50_000_000, Tier{}, Tier{}, false},
		{"single tier is the top", []Tier{{0, 200}}, 5, Tier{0, 200}, Tier{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur, next, hasNext := TierFor(tt.tiers, tt.cumulative)
			if cur != tt.wantCur || next != tt.wantNext || hasNext != tt.wantHasNext {
				t.Errorf("TierFor(%d): got (%+v, %+v, %v), want (%+v, %+v, %v)",
					tt.cumulative, cur, next, hasNext, tt.wantCur, tt.wantNext, tt.wantHasNext)
			}
		})
	}
}

func TestPriceLine(t *testing.T) {
	tests := []struct {
		name string
		in   LineInput
		want LinePrice
	}{
		{
			"zero discounts leave net equal to list",
			LineInput{MonthlyPence: 1000, OneOffPence: 500, Quantity: 2, TermMonths: 12},
			LinePrice{ListPence: 25000, NetPence: 25000},
		},
		{
			"typical line prices the whole term with one-off",
			LineInput{MonthlyPence: 2500, OneOffPence: 10000, MouBP: 1250, InlifeBP: 150, Quantity: 40, TermMonths: 36},
			LinePrice{ListPence: 4_000_000, MouPence: 500_000, InlifePence: 52_500, NetPence: 3_447_500},
		},
		{
			"mou exact half penny rounds up",
			// 10001 × 5000 = 50,005,000 → 5000.5p
			LineInput{MonthlyPence: 10001, MouBP: 5000, Quantity: 1, TermMonths: 1},
			LinePrice{ListPence: 10001, MouPence: 5001, NetPence: 5000},
		},
		{
			"mou of half a penny rounds up to a penny",
			LineInput{MonthlyPence: 1, MouBP: 5000, Quantity: 1, TermMonths: 1},
			LinePrice{ListPence: 1, MouPence: 1, NetPence: 0},
		},
		{
			"mou ending 4999 rounds down",
			// 14999 × 1 = 14,999 → 1.4999p
			LineInput{MonthlyPence: 14999, MouBP: 1, Quantity: 1, TermMonths: 1},
			LinePrice{ListPence: 14999, MouPence: 1, NetPence: 14998},
		},
		{
			"mou ending 5001 rounds up",
			LineInput{MonthlyPence: 15001, MouBP: 1, Quantity: 1, TermMonths: 1},
			LinePrice{ListPence: 15001, MouPence: 2, NetPence: 14999},
		},
		{
			"inlife exact half penny rounds up",
			// list 1000, mou 5% = 50, (1000−50) × 100 = 95,000 → 9.5p
			LineInput{MonthlyPence: 1000, MouBP: 500, InlifeBP: 100, Quantity: 1, TermMonths: 1},
			LinePrice{ListPence: 1000, MouPence: 50, InlifePence: 10, NetPence: 940},
		},
		{
			"inlife ending 4999 rounds down",
			// list 4999, no mou, 4999 × 1 → 0.4999p
			LineInput{MonthlyPence: 4999, InlifeBP: 1, Quantity: 1, TermMonths: 1},
			LinePrice{ListPence: 4999, InlifePence: 0, NetPence: 4999},
		},
		{
			"inlife applies to the price after mou not to list",
			// list 10000, mou 50% = 5000, inlife 10% of 5000 = 500 (not 1000)
			LineInput{MonthlyPence: 10000, MouBP: 5000, InlifeBP: 1000, Quantity: 1, TermMonths: 1},
			LinePrice{ListPence: 10000, MouPence: 5000, InlifePence: 500, NetPence: 4500},
		},
		{
			"both halves round up in one line",
			// list 3, mou 50% = 1.5 → 2, (3−2) × 5000 → 0.5 → 1, net 0
			LineInput{MonthlyPence: 3, MouBP: 5000, InlifeBP: 5000, Quantity: 1, TermMonths: 1},
			LinePrice{ListPence: 3, MouPence: 2, InlifePence: 1, NetPence: 0},
		},
		{
			"100% mou discount makes net zero and leaves nothing for inlife",
			LineInput{MonthlyPence: 12345, MouBP: 10000, InlifeBP: 500, Quantity: 3, TermMonths: 12},
			LinePrice{ListPence: 444420, MouPence: 444420, NetPence: 0},
		},
		{
			"100% inlife discount after mou makes net zero",
			LineInput{MonthlyPence: 10000, MouBP: 1000, InlifeBP: 10000, Quantity: 1, TermMonths: 1},
			LinePrice{ListPence: 10000, MouPence: 1000, InlifePence: 9000, NetPence: 0},
		},
		{
			"rate above 100% is clamped to 100%",
			LineInput{MonthlyPence: 10000, MouBP: 20000, Quantity: 1, TermMonths: 1},
			LinePrice{ListPence: 10000, MouPence: 10000, NetPence: 0},
		},
		{
			"negative rate is treated as zero",
			LineInput{MonthlyPence: 10000, MouBP: -500, InlifeBP: -1, Quantity: 1, TermMonths: 1},
			LinePrice{ListPence: 10000, NetPence: 10000},
		},
		{
			"one-off only line is charged once per unit",
			LineInput{OneOffPence: 999, Quantity: 7, TermMonths: 24},
			LinePrice{ListPence: 6993, NetPence: 6993},
		},
		{
			"zero quantity prices nothing",
			LineInput{MonthlyPence: 10000, OneOffPence: 100, MouBP: 1000, Quantity: 0, TermMonths: 12},
			LinePrice{},
		},
		{
			"100000 units for 60 months of £1,000,000 a month does not overflow",
			// list 6 × 10^14; 6 × 10^14 × 9999 is below int64 but the 120-month case below is not.
			LineInput{MonthlyPence: 100_000_000, MouBP: 1250, InlifeBP: 500, Quantity: 100_000, TermMonths: 60},
			LinePrice{ListPence: 600_000_000_000_000, MouPence: 75_000_000_000_000, InlifePence: 26_250_000_000_000, NetPence: 498_750_000_000_000},
		},
		{
			"100000 units for 120 months at 100% discount needs a 128-bit product",
			// list × 10000 = 1.2 × 10^19 > max int64
			LineInput{MonthlyPence: 100_000_000, MouBP: 10000, Quantity: 100_000, TermMonths: 120},
			LinePrice{ListPence: 1_200_000_000_000_000, MouPence: 1_200_000_000_000_000},
		},
		{
			"largest validated line with odd rates rounds exactly",
			// list = 10^5 × (10^8 × 120 + 10^12) = 1.012 × 10^17
			LineInput{MonthlyPence: 100_000_000, OneOffPence: 1_000_000_000_000, MouBP: 9999, InlifeBP: 3333, Quantity: 100_000, TermMonths: 120},
			pricingBigLine(LineInput{MonthlyPence: 100_000_000, OneOffPence: 1_000_000_000_000, MouBP: 9999, InlifeBP: 3333, Quantity: 100_000, TermMonths: 120}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PriceLine(tt.in); got != tt.want {
				t.Errorf("PriceLine(%+v): got %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
	t.Run("list price beyond int64 panics", func(t *testing.T) {
		in := LineInput{MonthlyPence: math.MaxInt64 / 2, Quantity: 1, TermMonths: 3}
		if !pricingPanics(func() { PriceLine(in) }) {
			t.Errorf("PriceLine(%+v): got no panic, want panic", in)
		}
	})
}

func TestPriceTotals(t *testing.T) {
	tests := []struct {
		name  string
		lines []LinePrice
		want  Totals
	}{
		{"empty basket is all zero", nil, Totals{}},
		{
			"single line adds 20% vat",
			[]LinePrice{{ListPence: 10000, MouPence: 1000, InlifePence: 90, NetPence: 8910}},
			Totals{ListPence: 10000, MouPence: 1000, InlifePence: 90, NetPence: 8910, VATPence: 1782, GrossPence: 10692, SavingsPence: 1090},
		},
		{
			"vat of 0.6p rounds up",
			[]LinePrice{{ListPence: 3, NetPence: 3}},
			Totals{ListPence: 3, NetPence: 3, VATPence: 1, GrossPence: 4},
		},
		{
			"vat of 0.4p rounds down",
			[]LinePrice{{ListPence: 2, NetPence: 2}},
			Totals{ListPence: 2, NetPence: 2, VATPence: 0, GrossPence: 2},
		},
		{
			"vat is on the total not per line",
			// per line 0.4p + 0.4p would round to 0; on the total 0.8p rounds to 1
			[]LinePrice{{ListPence: 2, NetPence: 2}, {ListPence: 2, NetPence: 2}},
			Totals{ListPence: 4, NetPence: 4, VATPence: 1, GrossPence: 5},
		},
		{
			"savings sum mou and inlife across lines",
			[]LinePrice{
				{ListPence: 1000, MouPence: 100, InlifePence: 9, NetPence: 891},
				{ListPence: 500, MouPence: 50, InlifePence: 0, NetPence: 450},
			},
			Totals{ListPence: 1500, MouPence: 150, InlifePence: 9, NetPence: 1341, VATPence: 268, GrossPence: 1609, SavingsPence: 159},
		},
		{
			"fully discounted basket has no vat",
			[]LinePrice{{ListPence: 700, MouPence: 700}},
			Totals{ListPence: 700, MouPence: 700, SavingsPence: 700},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PriceTotals(tt.lines); got != tt.want {
				t.Errorf("PriceTotals: got %+v, want %+v", got, tt.want)
			}
		})
	}
	// 20% of a whole number of pence is a multiple of 0.2p, so VAT never lands
	// on exactly half a penny; pin that the boundaries either side are right.
	t.Run("vat rounds half up for every remainder", func(t *testing.T) {
		for net := int64(0); net < 50; net++ {
			got := PriceTotals([]LinePrice{{ListPence: net, NetPence: net}}).VATPence
			want := (net*2 + 5) / 10 // round-half-up of net/5, independent form
			if got != want {
				t.Errorf("vat on %dp: got %d, want %d", net, got, want)
			}
		}
	})
	t.Run("sum beyond int64 panics", func(t *testing.T) {
		half := LinePrice{ListPence: math.MaxInt64 / 2, NetPence: math.MaxInt64 / 2}
		if !pricingPanics(func() { PriceTotals([]LinePrice{half, half, half}) }) {
			t.Error("PriceTotals of 1.5 × max int64: got no panic, want panic")
		}
	})
}

func TestMonthlyPrice(t *testing.T) {
	tests := []struct {
		name                     string
		monthly, mouBP, inlifeBP int64
		want                     LinePrice
	}{
		{"no discounts is the list monthly charge", 2500, 0, 0, LinePrice{ListPence: 2500, NetPence: 2500}},
		{
			"mou and tier discounts round half up per step",
			// 2500 × 1250 → 312.5 → 313; 2187 × 150 → 32.805 → 33
			2500, 1250, 150,
			LinePrice{ListPence: 2500, MouPence: 313, InlifePence: 33, NetPence: 2154},
		},
		{"free offering is zero", 0, 1250, 500, LinePrice{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MonthlyPrice(tt.monthly, tt.mouBP, tt.inlifeBP)
			if got != tt.want {
				t.Errorf("MonthlyPrice(%d, %d, %d): got %+v, want %+v", tt.monthly, tt.mouBP, tt.inlifeBP, got, tt.want)
			}
			same := PriceLine(LineInput{MonthlyPence: tt.monthly, MouBP: tt.mouBP, InlifeBP: tt.inlifeBP, Quantity: 1, TermMonths: 1})
			if got != same {
				t.Errorf("MonthlyPrice vs PriceLine(q=1, t=1): got %+v, want %+v", got, same)
			}
		})
	}
}

// TestPricingPropertyRandomBaskets checks the waterfall's invariants and an
// independent math/big recomputation over thousands of random baskets.
func TestPricingPropertyRandomBaskets(t *testing.T) {
	r := rand.New(rand.NewPCG(20261126, 3))
	terms := []int64{1, 3, 12, 24, 36, 48, 60, 120}
	// amount picks pence up to max, biased towards small values that hit rounding edges.
	amount := func(max int64) int64 {
		switch r.IntN(4) {
		case 0:
			return r.Int64N(100)
		case 1:
			return r.Int64N(100_000)
		default:
			return r.Int64N(max + 1)
		}
	}
	rate := func() int64 {
		switch r.IntN(6) {
		case 0:
			return 0
		case 1:
			return 10000
		case 2:
			return 5000
		default:
			return r.Int64N(10001)
		}
	}
	const baskets = 5000
	for b := 0; b < baskets; b++ {
		n := 1 + r.IntN(8)
		lines := make([]LinePrice, 0, n)
		for i := 0; i < n; i++ {
			in := LineInput{
				MonthlyPence: amount(100_000_000),       // ≤ £1,000,000 a month
				OneOffPence:  amount(1_000_000_000_000), // ≤ £10,000,000,000
				MouBP:        rate(),
				InlifeBP:     rate(),
				Quantity:     MinQuantity + amount(MaxQuantity-MinQuantity),
				TermMonths:   terms[r.IntN(len(terms))],
			}
			got := PriceLine(in)
			if want := pricingBigLine(in); got != want {
				t.Fatalf("basket %d line %d PriceLine(%+v): got %+v, want %+v", b, i, in, got, want)
			}
			if sum := got.MouPence + got.InlifePence + got.NetPence; sum != got.ListPence {
				t.Fatalf("basket %d line %d mou+inlife+net: got %d, want list %d", b, i, sum, got.ListPence)
			}
			if got.ListPence < 0 || got.MouPence < 0 || got.InlifePence < 0 || got.NetPence < 0 {
				t.Fatalf("basket %d line %d: got negative figure in %+v, want none", b, i, got)
			}
			lines = append(lines, got)
		}
		got := PriceTotals(lines)
		if want := pricingBigTotals(lines); got != want {
			t.Fatalf("basket %d PriceTotals: got %+v, want %+v", b, got, want)
		}
		if got.GrossPence != got.NetPence+got.VATPence {
			t.Fatalf("basket %d gross: got %d, want net+vat %d", b, got.GrossPence, got.NetPence+got.VATPence)
		}
		if got.SavingsPence+got.NetPence != got.ListPence {
			t.Fatalf("basket %d savings+net: got %d, want list %d", b, got.SavingsPence+got.NetPence, got.ListPence)
		}
		if got.ListPence < 0 || got.NetPence < 0 || got.VATPence < 0 || got.GrossPence < 0 || got.SavingsPence < 0 {
			t.Fatalf("basket %d: got negative figure in %+v, want none", b, got)
		}
	}
}

// pricingBigRound is round-half-up of x/den for x >= 0 in math/big: ⌊(2x + den) / 2den⌋.
func pricingBigRound(x *big.Int, den int64) *big.Int {
	d := big.NewInt(den)
	n := new(big.Int).Lsh(x, 1)
	n.Add(n, d)
	return n.Quo(n, d.Lsh(d, 1))
}

// pricingMustInt64 converts a big.Int known to fit.
func pricingMustInt64(x *big.Int) int64 {
	if !x.IsInt64() {
		panic("test oracle: " + x.String() + " does not fit int64")
	}
	return x.Int64()
}

// pricingBigLine is an independent math/big recomputation of PriceLine for
// in-range inputs (rates 0–10 000 bp, non-negative amounts).
func pricingBigLine(in LineInput) LinePrice {
	list := new(big.Int).Mul(big.NewInt(in.MonthlyPence), big.NewInt(in.TermMonths))
	list.Add(list, big.NewInt(in.OneOffPence))
	list.Mul(list, big.NewInt(in.Quantity))
	mou := pricingBigRound(new(big.Int).Mul(list, big.NewInt(in.MouBP)), 10000)
	rest := new(big.Int).Sub(list, mou)
	inlife := pricingBigRound(new(big.Int).Mul(rest, big.NewInt(in.InlifeBP)), 10000)
	net := new(big.Int).Sub(rest, inlife)
	return LinePrice{
		ListPence:   pricingMustInt64(list),
		MouPence:    pricingMustInt64(mou),
		InlifePence: pricingMustInt64(inlife),
		NetPence:    pricingMustInt64(net),
	}
}

// pricingBigTotals is an independent math/big recomputation of PriceTotals.
func pricingBigTotals(lines []LinePrice) Totals {
	list, mou, inlife, net := new(big.Int), new(big.Int), new(big.Int), new(big.Int)
	for _, l := range lines {
		list.Add(list, big.NewInt(l.ListPence))
		mou.Add(mou, big.NewInt(l.MouPence))
		inlife.Add(inlife, big.NewInt(l.InlifePence))
		net.Add(net, big.NewInt(l.NetPence))
	}
	vat := pricingBigRound(new(big.Int).Mul(net, big.NewInt(2000)), 10000)
	return Totals{
		ListPence:    pricingMustInt64(list),
		MouPence:     pricingMustInt64(mou),
		InlifePence:  pricingMustInt64(inlife),
		NetPence:     pricingMustInt64(net),
		VATPence:     pricingMustInt64(vat),
		GrossPence:   pricingMustInt64(new(big.Int).Add(net, vat)),
		SavingsPence: pricingMustInt64(new(big.Int).Add(mou, inlife)),
	}
}

// pricingPanics reports whether f panics.
func pricingPanics(f func()) (did bool) {
	defer func() {
		if recover() != nil {
			did = true
		}
	}()
	f()
	return false
}
