package store

// Money, percentage and date formatting and parsing: the one home for how the
// portal shows and reads pence, basis points and UK dates (PRODUCT.md §3).
// Integer arithmetic only.

import (
	"math/big"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // embed the zone database so Europe/London always loads
)

// MaxParsePence is the largest amount ParsePounds accepts: £10,000,000,000.
const MaxParsePence = 1_000_000_000_000

// Messages of the EINVALID errors ParsePounds returns; safe to show a user.
const (
	msgAmountEmpty     = "Enter an amount in pounds, like 12,500.50"
	msgAmountNotNumber = "Enter an amount in pounds using numbers only, like 12,500.50"
	msgAmountNegative  = "Amount must be £0 or more"
	msgAmountDecimals  = "Amount must have no more than 2 decimal places"
	msgAmountTooLarge  = "Amount must be £10,000,000,000 or less"
)

// amountError returns a fresh EINVALID domain error with a user-safe message.
func amountError(msg string) error {
	return Errorf(EINVALID, "%s", msg)
}

// London is the Europe/London location.
var London = loadLondon()

// loadLondon loads Europe/London, falling back to a fixed UTC+0 zone; the
// embedded time/tzdata means the fallback is never needed in practice.
func loadLondon() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.FixedZone("Europe/London", 0)
	}
	return loc
}

// splitSign returns the sign prefix ("" or "-") and magnitude of p; it is
// exact for math.MinInt64 too.
func splitSign(p int64) (string, uint64) {
	if p < 0 {
		return "-", uint64(-(p + 1)) + 1
	}
	return "", uint64(p)
}

// groupThousands writes n in decimal with a comma between each group of three digits.
func groupThousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	first := len(s) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(s[:first])
	for i := first; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// twoDigits formats n (0–99) with a leading zero.
func twoDigits(n uint64) string {
	return string([]byte{byte('0' + n/10), byte('0' + n%10)})
}

// FormatPence formats pence as "£1,234.56"; a negative amount as "-£1,234.56".
func FormatPence(p int64) string {
	sign, mag := splitSign(p)
	return sign + "£" + groupThousands(mag/100) + "." + twoDigits(mag%100)
}

// FormatPounds formats pence for form inputs: "1234.56" (no symbol or commas; negative as "-1234.56").
func FormatPounds(p int64) string {
	sign, mag := splitSign(p)
	return sign + strconv.FormatUint(mag/100, 10) + "." + twoDigits(mag%100)
}

// ParsePounds parses a user-entered pounds amount ("1234", "1,234.5", "£1,234.56", " 12.30 ") to pence exactly (no float); errors on more than 2 decimal places, negative, empty, non-numeric, or absurdly large (> £10,000,000,000).
//
// Commas, if used, must group the pounds in threes ("1,234", not "1,2"). A
// leading "£" is optional; ".5" is 50p and "12." is £12.00. Errors are
// EINVALID domain errors (*Error) whose Message is fit to show a user.
func ParsePounds(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, amountError(msgAmountEmpty)
	}
	if isNegative(s) {
		return 0, amountError(msgAmountNegative)
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "£"))
	if isNegative(s) {
		return 0, amountError(msgAmountNegative)
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return 0, amountError(msgAmountNotNumber)
	}
	if strings.Contains(whole, ",") {
		var ok bool
		if whole, ok = ungroup(whole); !ok {
			return 0, amountError(msgAmountNotNumber)
		}
	}
	if !allDigits(whole) || !allDigits(frac) {
		return 0, amountError(msgAmountNotNumber)
	}
	if hasDot && len(frac) > 2 {
		return 0, amountError(msgAmountDecimals)
	}
	whole = strings.TrimLeft(whole, "0")
	// MaxParsePence is 13 digits of pence, so more than 11 digits of pounds is too large.
	if len(whole) > 11 {
		return 0, amountError(msgAmountTooLarge)
	}
	var pounds int64
	if whole != "" {
		pounds, _ = strconv.ParseInt(whole, 10, 64) // ≤ 11 digits: cannot fail
	}
	var pence int64
	switch len(frac) {
	case 1:
		pence = int64(frac[0]-'0') * 10
	case 2:
		pence = int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	total := pounds*100 + pence
	if total > MaxParsePence {
		return 0, amountError(msgAmountTooLarge)
	}
	return total, nil
}

// isNegative reports whether s starts with a minus sign (ASCII hyphen-minus or U+2212).
func isNegative(s string) bool {
	return strings.HasPrefix(s, "-") || strings.HasPrefix(s, "\u2212")
}

// allDigits reports whether s is empty or only ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ungroup removes thousands separators from s, reporting false unless the
// first group has 1–3 characters and every later group exactly 3.
func ungroup(s string) (string, bool) {
	groups := strings.Split(s, ",")
	if n := len(groups[0]); n < 1 || n > 3 {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}

// formatTenths formats a signed count of tenths of a percent as "12.5%".
func formatTenths(negative bool, tenths *big.Int) string {
	digits := tenths.String()
	if len(digits) < 2 {
		digits = "0" + digits
	}
	sign := ""
	if negative && tenths.Sign() != 0 {
		sign = "-"
	}
	return sign + digits[:len(digits)-1] + "." + digits[len(digits)-1:] + "%"
}

// Percent formats part/whole as a percentage with one decimal place rounded half-up: "10.0%"; whole==0 → "0.0%".
//
// A negative ratio is rounded symmetrically (half away from zero) and shown
// as "-10.0%". Display only: never feed the result back into a calculation.
func Percent(part, whole int64) string {
	if whole == 0 {
		return "0.0%"
	}
	p := new(big.Int).Abs(big.NewInt(part))
	w := new(big.Int).Abs(big.NewInt(whole))
	// tenths = round(|part| × 1000 / |whole|), half-up: floor((2·|part|·1000 + |whole|) / (2·|whole|)).
	num := p.Mul(p, big.NewInt(2000))
	num.Add(num, w)
	den := w.Lsh(w, 1)
	tenths := num.Quo(num, den)
	return formatTenths((part < 0) != (whole < 0), tenths)
}

// FormatCount writes a count with thousands separators: 10000 → "10,000".
func FormatCount(n int) string {
	if n < 0 {
		return "-" + groupThousands(uint64(-n))
	}
	return groupThousands(uint64(n))
}

// FormatBP formats a rate set in basis points exactly as it is set
// (PRODUCT.md §3): 1575 → "15.75%", 1500 → "15%", 150 → "1.5%", 5 → "0.05%".
// No rounding: a basis point is a hundredth of a percent, so two decimals
// always suffice; trailing zeros are dropped. Display only.
func FormatBP(bp int64) string {
	sign, mag := splitSign(bp)
	s := sign + strconv.FormatUint(mag/100, 10)
	if frac := mag % 100; frac != 0 {
		s += strings.TrimRight("."+twoDigits(frac), "0")
	}
	return s + "%"
}

// FormatDate formats a time as a UK date "26 November 2026" in Europe/London.
func FormatDate(t time.Time) string {
	return t.In(London).Format("2 January 2006")
}

// TodayLondon returns today's date (midnight) in Europe/London for a given instant.
func TodayLondon(now time.Time) time.Time {
	y, m, d := now.In(London).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, London)
}

// FormatMonths says a contract term in words: "1 month", "24 months". It
// is the one way the portal writes a term.
func FormatMonths(n int) string {
	if n == 1 {
		return "1 month"
	}
	return strconv.Itoa(n) + " months"
}

// FormatTerms says a list of terms in words: "12 months", "1 or 12 months",
// "12, 24 or 36 months"; "" for none.
func FormatTerms(terms []int) string {
	switch len(terms) {
	case 0:
		return ""
	case 1:
		return FormatMonths(terms[0])
	}
	s := make([]string, len(terms))
	for i, t := range terms {
		s[i] = strconv.Itoa(t)
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1] + " months"
}
