package store

// The price-list format (PRODUCT.md §10): the one parser and row validator
// that the web upload (/supplier/import), `portal import` and the offering
// edit form all go through. ParsePriceList checks everything a file can get
// wrong by itself (header, encoding, each cell); PlanImport (import.go) then
// checks the rows against the catalogue and works out what would change.

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxPriceListBytes is the largest price list accepted (PRODUCT.md §8).
const MaxPriceListBytes = 5 << 20

// PriceListColumns are the columns every price list starts with: exactly
// those of /offerings.csv, so an export re-imports as it is.
var PriceListColumns = []string{"slug", "name", "supplier", "agreement", "category", "unit",
	"monthly_pence", "one_off_pence", "mou_discount_bp", "term_options", "pov_trial", "sdwan_trial"}

// Optional columns after PriceListColumns, in this order.
const (
	ColEffectiveFrom = "effective_from"
	ColStatus        = "status"
)

// Offering statuses as a price list and the edit form write them.
const (
	StatusActive    = "active"
	StatusWithdrawn = "withdrawn"
)

// MaxEffectiveAhead is how far ahead a price may be scheduled.
const MaxEffectiveAhead = 2 // years

// ImportError is one problem with a price list: the file line (the header
// is line 1; 0 for the file as a whole), the column and the reason.
type ImportError struct {
	Line    int
	Column  string
	Message string
}

// String is the error as `portal import` prints it and the report shows
// it: "line 3, column monthly_pence: monthly_pence must not be negative".
func (e ImportError) String() string {
	switch {
	case e.Line == 0:
		return e.Message
	case e.Column == "":
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Message)
}

// PriceRow is one offering as a price list (or the edit form) describes it,
// checked cell by cell.
type PriceRow struct {
	Line                                  int // file line; 0 from the edit form
	Slug, Name                            string
	SupplierSlug, AgreementSlug, Category string
	Unit                                  string
	MonthlyPence, OneOffPence, MouBP      int64
	Terms                                 []int
	PovTrial, SdwanTrial                  bool
	// EffectiveOn is the UK date the prices take effect (midnight in
	// London); the zero time means today.
	EffectiveOn time.Time
	Active      bool
	// Details says that the fields below are given (the edit form); a
	// price list leaves them as they are.
	Details     bool
	Summary     string
	Description string
	Attributes  []Attribute
	SocialValue []string
}

// Cell rules shared by the price list and the edit form.
var (
	slugText        = Text{Field: "slug", Label: "slug", Max: MaxName, Empty: "Enter the offering's slug"}
	offeringName    = Text{Field: "name", Label: "name", Max: MaxName, Empty: "Enter the offering's name"}
	unitText        = Text{Field: "unit", Label: "unit", Max: MaxName, Empty: "Enter the unit it is sold by, such as “connection”"}
	monthlyCount    = Count{Field: "monthly_pence", Label: "monthly_pence", Min: 0, Max: MaxMonthlyPence, Example: "2500", Empty: "Enter the monthly price in pence"}
	oneOffCount     = Count{Field: "one_off_pence", Label: "one_off_pence", Min: 0, Max: MaxOneOffPence, Example: "0", Empty: "Enter the one-off price in pence (0 for none)"}
	discountCount   = Count{Field: "mou_discount_bp", Label: "mou_discount_bp", Min: 0, Max: 10000, Example: "1500", Empty: "Enter the MoU discount in basis points (0 for none)", Range: "mou_discount_bp must be from 0 to 10000 basis points (100%)"}
	termCount       = Count{Field: "term_options", Label: "term_options", Min: 1, Max: MaxTermMonths, Example: "24", Range: "each term in term_options must be from 1 to 120 months"}
	SummaryText     = Text{Field: "summary", Label: "Summary", Max: 300}
	DescriptionText = Text{Field: "description", Label: "Description", Max: MaxNeed, Multiline: true}
)

// refText is the rule for a cell naming a supplier, agreement or category.
func refText(col string) Text { return Text{Field: col, Label: col, Max: MaxName} }

// validSlug: lower-case letters, digits and hyphens, as in every URL.
func validSlug(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// unCSVSafe removes the leading ' that /offerings.csv puts before a cell
// starting with =, +, -, @, a tab or a carriage return (csvSafe).
func unCSVSafe(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

// checkPence checks a price or discount cell: a negative number gets its
// own message (PRODUCT.md §10 names it).
func checkPence(c Count, s string) (int64, *FieldError) {
	if t := strings.TrimSpace(s); strings.HasPrefix(t, "-") && len(t) > 1 && allDigits(t[1:]) {
		return 0, &FieldError{c.Field, c.Label + " must not be negative"}
	}
	return c.Check(s)
}

// ParseTerms reads term options written "12|24|36": at least one, each a
// whole number of months from 1 to 120, none twice; sorted.
func ParseTerms(field, s string) ([]int, *FieldError) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, &FieldError{field, "Enter at least one contract term in months, like 12|24|36"}
	}
	var out []int
	for _, p := range strings.Split(s, "|") {
		n, fe := termCount.For(field).Check(p)
		if fe != nil {
			if strings.TrimSpace(p) == "" || !allDigits(strings.TrimSpace(p)) {
				return nil, &FieldError{field, "term_options must be whole numbers of months separated by |, like 12|24|36"}
			}
			return nil, fe
		}
		if slices.Contains(out, int(n)) {
			return nil, &FieldError{field, fmt.Sprintf("term_options lists %d months twice", n)}
		}
		out = append(out, int(n))
	}
	slices.Sort(out)
	return out, nil
}

func parseBool(field, s string) (bool, *FieldError) {
	switch strings.TrimSpace(s) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, &FieldError{field, field + " must be true or false"}
}

// EffectiveDate is the rule for a price's effective date: today or later,
// at most MaxEffectiveAhead years ahead.
func EffectiveDate(field string, now time.Time) DateField {
	today := TodayLondon(now)
	return DateField{Field: field, Label: "The effective date",
		Min: today, Max: today.AddDate(MaxEffectiveAhead, 0, 0),
		TooEarly: "The effective date must be today (" + FormatDate(today) + ") or later: a price cannot change in the past"}
}

// ParsePriceList reads a price list and checks each cell. now is the time
// of the check (UK today bounds effective dates). It returns the rows and
// every error, in file order; rows with errors are left out.
func ParsePriceList(body []byte, now time.Time) ([]PriceRow, []ImportError) {
	if len(body) > MaxPriceListBytes {
		return nil, []ImportError{{Message: fmt.Sprintf("The file is larger than %d MB: split it into smaller price lists", MaxPriceListBytes>>20)}}
	}
	body = bytes.TrimPrefix(body, []byte("\ufeff")) // a spreadsheet's byte-order mark
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, []ImportError{{Line: 1, Message: "The file is empty: it needs a header row and at least one offering"}}
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		return nil, []ImportError{csvError(err, 1)}
	}
	cols, errs := checkHeader(header)
	if errs != nil {
		return nil, errs
	}
	var rows []PriceRow
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// After a malformed quote the reader cannot find the next
			// row reliably: report it and stop.
			errs = append(errs, csvError(err, 0))
			break
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != len(cols) {
			errs = append(errs, ImportError{Line: line, Message: fmt.Sprintf("The row has %d cells; the header has %d columns", len(rec), len(cols))})
			continue
		}
		row, rowErrs := parseRow(rec, cols, line, now)
		for i := range rowErrs {
			errs = append(errs, ImportError{Line: line, Column: rowErrs[i].Field, Message: rowErrs[i].Message})
		}
		if row.Slug != "" {
			if first, ok := seen[row.Slug]; ok {
				errs = append(errs, ImportError{Line: line, Column: "slug", Message: fmt.Sprintf("The slug %s is also on line %d: each offering may appear once", row.Slug, first)})
				continue
			}
			seen[row.Slug] = line
		}
		if len(rowErrs) == 0 {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 && len(errs) == 0 {
		errs = append(errs, ImportError{Line: 2, Message: "The file has a header row but no offerings"})
	}
	return rows, errs
}

func csvError(err error, line int) ImportError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return ImportError{Line: pe.Line, Message: "The row could not be read as CSV: " + pe.Err.Error()}
	}
	return ImportError{Line: line, Message: "The file could not be read as CSV"}
}

// checkHeader checks the header row and returns the columns.
func checkHeader(h []string) ([]string, []ImportError) {
	want := slices.Clone(PriceListColumns)
	if len(h) > len(want) {
		want = append(want, optionalColumns(h[len(PriceListColumns):])...)
	}
	for i, w := range want {
		if i >= len(h) {
			return nil, []ImportError{{Line: 1, Column: w, Message: fmt.Sprintf("The header is missing the column %s (expected %s)", w, strings.Join(want, ","))}}
		}
		got := strings.TrimSpace(h[i])
		if !utf8.ValidString(got) {
			return nil, []ImportError{{Line: 1, Message: "The header row is not valid UTF-8: save the file as CSV UTF-8"}}
		}
		if got != w {
			return nil, []ImportError{{Line: 1, Column: w, Message: fmt.Sprintf("Column %d of the header must be %s, not %q (expected %s)", i+1, w, got, strings.Join(PriceListColumns, ",")+"[,effective_from][,status]")}}
		}
	}
	if len(h) > len(want) {
		return nil, []ImportError{{Line: 1, Message: fmt.Sprintf("The header has an unknown column %q: after %s only effective_from and status may follow", strings.ToValidUTF8(h[len(want)], "\uFFFD"), PriceListColumns[len(PriceListColumns)-1])}}
	}
	return want, nil
}

// optionalColumns are the optional columns a header with these extra
// cells should have: effective_from, status, or both in that order.
func optionalColumns(extra []string) []string {
	switch {
	case len(extra) == 1 && strings.TrimSpace(extra[0]) == ColStatus:
		return []string{ColStatus}
	case len(extra) == 1:
		return []string{ColEffectiveFrom}
	}
	return []string{ColEffectiveFrom, ColStatus}
}

// parseRow checks one row's cells.
func parseRow(rec, cols []string, line int, now time.Time) (PriceRow, []FieldError) {
	row := PriceRow{Line: line, Active: true}
	var errs []FieldError
	add := func(fe *FieldError) {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	for i, col := range cols {
		v := unCSVSafe(rec[i])
		if !utf8.ValidString(v) {
			add(&FieldError{col, col + " is not valid UTF-8: save the file as CSV UTF-8"})
			continue
		}
		var fe *FieldError
		switch col {
		case "slug":
			if row.Slug, fe = slugText.Check(v); fe == nil && !validSlug(row.Slug) {
				fe, row.Slug = &FieldError{col, "slug must be lower-case letters, digits and hyphens, like business-fibre-500"}, ""
			}
		case "name":
			row.Name, fe = offeringName.Check(v)
		case "supplier":
			row.SupplierSlug, fe = refText(col).Check(v)
		case "agreement":
			row.AgreementSlug, fe = refText(col).Check(v)
		case "category":
			row.Category, fe = refText(col).Check(v)
		case "unit":
			row.Unit, fe = unitText.Check(v)
		case "monthly_pence":
			row.MonthlyPence, fe = checkPence(monthlyCount, v)
		case "one_off_pence":
			row.OneOffPence, fe = checkPence(oneOffCount, v)
		case "mou_discount_bp":
			row.MouBP, fe = checkPence(discountCount, v)
		case "term_options":
			row.Terms, fe = ParseTerms(col, v)
		case "pov_trial":
			row.PovTrial, fe = parseBool(col, v)
		case "sdwan_trial":
			row.SdwanTrial, fe = parseBool(col, v)
		case ColEffectiveFrom:
			if strings.TrimSpace(v) != "" {
				row.EffectiveOn, fe = EffectiveDate(col, now).Check(DateInput{ISO: v})
			}
		case ColStatus:
			switch strings.TrimSpace(v) {
			case "", StatusActive:
			case StatusWithdrawn:
				row.Active = false
			default:
				fe = &FieldError{col, "status must be active or withdrawn"}
			}
		}
		add(fe)
	}
	for _, c := range []struct{ col, v string }{{"supplier", row.SupplierSlug}, {"agreement", row.AgreementSlug}, {"category", row.Category}} {
		if c.v == "" && !slices.ContainsFunc(errs, func(f FieldError) bool { return f.Field == c.col }) {
			errs = append(errs, FieldError{c.col, "Enter the " + c.col + "'s slug"})
		}
	}
	return row, errs
}

// FormatPriceListRow writes an offering as a price-list row (the columns of
// /offerings.csv), for tests and exports; cells are not made formula-safe.
func FormatPriceListRow(o Offering) []string {
	return []string{o.Slug, o.Name, o.Supplier.Slug, o.Agreement.Slug, o.Category.Slug, o.Unit,
		strconv.FormatInt(o.MonthlyPence, 10), strconv.FormatInt(o.OneOffPence, 10), strconv.FormatInt(o.MouBP, 10),
		o.TermsString(), strconv.FormatBool(o.PovTrial), strconv.FormatBool(o.SdwanTrial)}
}
