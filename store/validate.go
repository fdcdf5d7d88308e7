package store

// Input hygiene (PRODUCT.md §8): the one validator that every form's text,
// counts, money and dates go through, so a rule is written once and every
// field gets the same message for the same mistake.
//
// Use it in the store method that takes the form (never only in a handler),
// so the command line and every later caller are held to the same rules:
//
//	name, fe := BasketNameText.For("new_basket").Check(f.NewBasket)
//	q, fe := QuantityCount.For("quantity").Check(f.Quantity)
//	pence, fe := BudgetMoney.Check(f.Budget)
//	day, fe := DateField{Field: "start_date", Label: "The start date", ...}.Check(in)
//
// Each Check returns the cleaned value and a *FieldError whose message is fit
// to show beside the field (nil when the value is good). Collect the errors
// in form order and return Invalid(errs...): handlers answer 422 with the
// error summary. Search boxes are the exception: CleanSearch cleans, never
// refuses.

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Maximum lengths of free text, in characters (PRODUCT.md §8).
const (
	MaxName       = 120  // names and titles
	MaxNeed       = 5000 // a basket's business need
	MaxComment    = 2000 // comments, objectives and notes
	MaxCriterion  = 200  // one success criterion of a trial
	MaxCriteria   = 10   // success criteria of a trial
	MaxSearch     = 200  // a search box's q, cut (not refused) beyond this
	MaxIdentifier = 100  // an organisation's identifier, such as GB-LAC-E10000001
	MaxEmail      = 254  // an email address (RFC 5321)
)

// Text describes a free-text form field.
type Text struct {
	Field     string // the form field's name and the input's id, e.g. "name"
	Label     string // how messages name it, e.g. "Basket name"
	Max       int    // the most characters allowed
	Multiline bool   // line breaks and tabs allowed (a textarea)
	// Empty is the message when nothing is entered; "" makes the field
	// optional.
	Empty string
}

// The portal's text fields. Use For to give one another form field name.
var (
	BasketNameText = Text{Field: "name", Label: "Basket name", Max: MaxName, Empty: "Enter a name for the basket"}
	NeedText       = Text{Field: "need", Label: "Business need", Max: MaxNeed, Multiline: true, Empty: "Describe what your organisation needs"}
	CommentText    = Text{Field: "comment", Label: "Comment", Max: MaxComment, Multiline: true}
	OrgNameText    = Text{Field: "name", Label: "Organisation name", Max: MaxName, Empty: "Enter the organisation’s name"}
	IdentifierText = Text{Field: "identifier", Label: "Identifier", Max: MaxIdentifier, Empty: "Enter the organisation’s identifier, such as GB-LAC-E10000014"}
	PersonNameText = Text{Field: "name", Label: "Full name", Max: MaxName, Empty: "Enter the person’s full name"}
	EmailText      = Text{Field: "email", Label: "Email address", Max: MaxEmail, Empty: "Enter an email address"}
	OfferingRef    = Text{Field: "offering", Label: "Offering", Max: MaxName, Empty: "Choose an offering from the catalogue"}
)

// For returns the same rules for a field of another name.
func (t Text) For(field string) Text {
	t.Field = field
	return t
}

// Check validates s and returns it cleaned: leading and trailing white space
// removed and, in multi-line text, line breaks made "\n". It refuses invalid
// UTF-8, control characters (NUL, ESC, CR …; a line break or tab is allowed
// only in multi-line text), the bidi override and isolate characters
// U+202A–U+202E and U+2066–U+2069, and more than Max characters.
func (t Text) Check(s string) (string, *FieldError) {
	if !utf8.ValidString(s) {
		return "", t.problem("contains characters that could not be read: type it again")
	}
	if t.Multiline {
		s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n").Replace(s)
	}
	for _, r := range s {
		switch {
		case isBidiControl(r):
			return "", t.problem("must not contain characters that change the direction of text")
		case r == '\n' || r == '\t':
			if !t.Multiline {
				return "", t.problem("must be on one line, without line breaks or tabs")
			}
		case r == '\r' || r == '\u2028' || r == '\u2029':
			return "", t.problem("must be on one line, without line breaks or tabs")
		case unicode.IsControl(r):
			return "", t.problem("must not contain control characters")
		}
	}
	s = strings.TrimSpace(s)
	if s == "" {
		if t.Empty != "" {
			return "", &FieldError{t.Field, t.Empty}
		}
		return "", nil
	}
	if utf8.RuneCountInString(s) > t.Max {
		return "", t.problem("must be " + groupThousands(uint64(t.Max)) + " characters or fewer")
	}
	return s, nil
}

func (t Text) problem(what string) *FieldError {
	return &FieldError{t.Field, t.Label + " " + what}
}

// isBidiControl reports whether r overrides or isolates the direction of
// text (U+202A–U+202E, U+2066–U+2069), which can make text read differently
// from what it is.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// CleanSearch cleans a search box's text instead of refusing it: invalid
// UTF-8, control and bidi characters are dropped, white space is trimmed and
// the result is cut to MaxSearch characters.
func CleanSearch(q string) string {
	q = strings.ToValidUTF8(q, "")
	q = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isBidiControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, q)
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) > MaxSearch {
		q = strings.TrimSpace(string([]rune(q)[:MaxSearch]))
	}
	return q
}

// Count describes a whole-number form field, such as a quantity, a number of
// sites, a weight or a number of days: plain ASCII digits only, no signs,
// separators, exponents or other digit forms.
type Count struct {
	Field    string
	Label    string // e.g. "Quantity"
	Min, Max int64
	Example  string // a good value for the message, e.g. "250"
	Empty    string // the message when nothing is entered
	// Range is the message for a number out of range; by default "<Label>
	// must be a whole number from <Min> to <Max>".
	Range string
}

// The portal's counts.
var (
	QuantityCount = Count{Field: "quantity", Label: "Quantity", Min: MinQuantity, Max: MaxQuantity, Example: "250", Empty: "Enter a quantity"}
	SitesCount    = Count{Field: "sites", Label: "Number of sites", Min: 1, Max: 100_000, Example: "3", Empty: "Enter the number of sites"}
)

// For returns the same rules for a field of another name.
func (c Count) For(field string) Count {
	c.Field = field
	return c
}

// Check parses s (white space around it is ignored).
func (c Count) Check(s string) (int64, *FieldError) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, &FieldError{c.Field, c.Empty}
	}
	if !allDigits(s) {
		return 0, &FieldError{c.Field, c.Label + " must be a whole number in digits only, like " + c.Example}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < c.Min || n > c.Max {
		if c.Range != "" {
			return 0, &FieldError{c.Field, c.Range}
		}
		return 0, &FieldError{c.Field, c.Label + " must be a whole number from " + groupThousands(uint64(c.Min)) + " to " + groupThousands(uint64(c.Max))}
	}
	return n, nil
}

// Money describes an amount in pounds: digits with an optional leading "£",
// thousands separators in the right places and up to two decimal places
// (ParsePounds).
type Money struct {
	Field string
	Label string // e.g. "Budget"
	Empty string
	// Zero is the message for £0; "" allows it.
	Zero string
}

// Check parses s into pence.
func (m Money) Check(s string) (int64, *FieldError) {
	if strings.TrimSpace(s) == "" {
		return 0, &FieldError{m.Field, m.Empty}
	}
	p, err := ParsePounds(s)
	if err != nil {
		return 0, &FieldError{m.Field, m.Label + ": " + lowerFirst(ErrorMessage(err))}
	}
	if p == 0 && m.Zero != "" {
		return 0, &FieldError{m.Field, m.Zero}
	}
	return p, nil
}

// DateInput is a date as a form sends it: the GOV.UK date input's three
// fields (X-day, X-month, X-year), or one field X as YYYY-MM-DD. When any of
// the three parts is present they are used; otherwise ISO.
type DateInput struct {
	Day, Month, Year string
	ISO              string
	// Parts records that the form had the three-field shape.
	Parts bool
}

// DateInputOf returns the input showing date d in the three fields (for a
// form filled from saved data); the zero time gives an empty input.
func DateInputOf(d time.Time) DateInput {
	if d.IsZero() {
		return DateInput{Parts: true}
	}
	return DateInput{Day: strconv.Itoa(d.Day()), Month: strconv.Itoa(int(d.Month())), Year: strconv.Itoa(d.Year()), Parts: true}
}

// String is the input as typed, for messages and logs: "1/2/2027" or the ISO text.
func (in DateInput) String() string {
	if in.Parts {
		return strings.Join([]string{in.Day, in.Month, in.Year}, "/")
	}
	return in.ISO
}

// Bounds of any date the portal accepts, whatever the field.
var (
	minSensibleDate = time.Date(2000, 1, 1, 0, 0, 0, 0, London)
	maxSensibleDate = time.Date(2199, 12, 31, 0, 0, 0, 0, London)
)

// DateField describes a date form field and its allowed range.
type DateField struct {
	Field string // e.g. "required_by"; the three inputs are Field-day, -month, -year
	Label string // e.g. "The date you need it by"
	Empty string // the message when nothing is entered
	// Min and Max are the first and last allowed UK dates (midnight in
	// London); zero means the sensible bounds of 2000–2199.
	Min, Max time.Time
	// TooEarly and TooLate are the messages for dates outside Min–Max.
	TooEarly, TooLate string
}

// Check parses in as a real calendar date inside the field's range and
// returns it as midnight in London.
func (f DateField) Check(in DateInput) (time.Time, *FieldError) {
	d, msg := f.parse(in)
	if msg != "" {
		return time.Time{}, &FieldError{f.Field, msg}
	}
	lo, hi := f.Min, f.Max
	if lo.IsZero() {
		lo = minSensibleDate
	}
	if hi.IsZero() {
		hi = maxSensibleDate
	}
	switch {
	case d.Before(lo):
		return time.Time{}, &FieldError{f.Field, firstNonEmpty(f.TooEarly, f.Label+" must be "+FormatDate(lo)+" or later")}
	case d.After(hi):
		return time.Time{}, &FieldError{f.Field, firstNonEmpty(f.TooLate, f.Label+" must be "+FormatDate(hi)+" or earlier")}
	}
	return d, nil
}

func (f DateField) parse(in DateInput) (time.Time, string) {
	if !in.Parts {
		s := strings.TrimSpace(in.ISO)
		if s == "" {
			return time.Time{}, f.Empty
		}
		if len(s) != 10 || s[4] != '-' || s[7] != '-' || !allDigits(s[:4]+s[5:7]+s[8:]) {
			return time.Time{}, f.Label + " must be a date written as year-month-day, like 2027-03-31"
		}
		in = DateInput{Year: s[:4], Month: s[5:7], Day: s[8:]}
	}
	day, month, year := strings.TrimSpace(in.Day), strings.TrimSpace(in.Month), strings.TrimSpace(in.Year)
	if day == "" && month == "" && year == "" {
		return time.Time{}, f.Empty
	}
	var missing []string
	for _, p := range []struct{ name, v string }{{"a day", day}, {"a month", month}, {"a year", year}} {
		if p.v == "" {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		return time.Time{}, f.Label + " must include " + strings.Join(missing, " and ")
	}
	if !allDigits(day+month+year) || len(day) > 2 || len(month) > 2 {
		return time.Time{}, f.Label + " must be a real date, written in digits, like 31 3 2027"
	}
	if len(year) != 4 {
		return time.Time{}, f.Label + " must include a year with 4 digits, like 2027"
	}
	d, _ := strconv.Atoi(day)
	m, _ := strconv.Atoi(month)
	y, _ := strconv.Atoi(year)
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, London)
	if m < 1 || m > 12 || d < 1 || t.Day() != d || t.Month() != time.Month(m) {
		return time.Time{}, f.Label + " must be a real date"
	}
	return t, ""
}

// fieldErrors collects a form's field errors in the order they are found.
type fieldErrors []FieldError

// add keeps fe, if any, and reports whether the field was good.
func (errs *fieldErrors) add(fe *FieldError) bool {
	if fe != nil {
		*errs = append(*errs, *fe)
	}
	return fe == nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// IsSlug reports whether s can be an offering's slug as the portal writes
// them (ASCII letters, digits, hyphens, dots and underscores, at most
// MaxName long): a cheap check before a value goes into a link or a cache key.
func IsSlug(s string) bool {
	if s == "" || len(s) > MaxName {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}
