package store

// Searching the audit trail (issue 8 point 5, GET /review/audit): reviewers
// find who did what to which basket, quote or trial, by organisation,
// person, reference and date range. Account administration (users,
// organisations) belongs to admins and is not searched here.

import (
	"context"
	"database/sql"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// auditSearchable are the subjects reviewers search: procurement records.
const auditSearchable = `e.subject_kind IN ('basket', 'quote', 'trial')`

// AuditPerPage is how many events a page of the search shows.
const AuditPerPage = 50

// AuditQuery is a search of the audit trail, as typed and as understood.
type AuditQuery struct {
	Organisation string // an organisation's id, from the select
	Person       string // part of the actor's name
	Ref          string // a quote reference
	From, To     string // UK dates as typed, YYYY-MM-DD
	Page         int

	// what is searched for: the values above that were valid
	orgID       int64
	person, ref string
	from, to    time.Time
}

var quoteRefPattern = regexp.MustCompile(`^Q-[0-9]{4}-[0-9]{6}$`)

// ParseAuditQuery reads the search form (a GET query).
func ParseAuditQuery(v url.Values) (AuditQuery, []FieldError) {
	q := AuditQuery{Organisation: v.Get("organisation"), Person: v.Get("person"), Ref: v.Get("reference"),
		From: v.Get("from"), To: v.Get("to"), Page: 1}
	var errs []FieldError
	if q.Organisation != "" {
		id, err := strconv.ParseInt(q.Organisation, 10, 64)
		if err != nil || id <= 0 || !allDigits(q.Organisation) {
			errs = append(errs, FieldError{"organisation", "Choose an organisation from the list"})
		} else {
			q.orgID = id
		}
	}
	var fe *FieldError
	if q.person, fe = (Text{Field: "person", Label: "Person", Max: MaxName}).Check(q.Person); fe != nil {
		errs = append(errs, *fe)
	}
	ref := strings.ToUpper(strings.TrimSpace(q.Ref))
	if ref != "" && !quoteRefPattern.MatchString(ref) {
		errs = append(errs, FieldError{"reference", "Enter a quote reference like Q-2026-000123"})
	} else {
		q.Ref, q.ref = ref, ref
	}
	date := func(field, label, typed string) time.Time {
		if strings.TrimSpace(typed) == "" {
			return time.Time{}
		}
		d, fe := DateField{Field: field, Label: label}.Check(DateInput{ISO: typed})
		if fe != nil {
			errs = append(errs, *fe)
		}
		return d
	}
	q.from = date("from", "The from date", q.From)
	q.to = date("to", "The to date", q.To)
	if !q.from.IsZero() && !q.to.IsZero() && q.to.Before(q.from) {
		errs = append(errs, FieldError{"to", "The to date must be the same as or after the from date"})
	}
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || !allDigits(p) || n < 1 || n > 1_000_000 {
			errs = append(errs, FieldError{"page", "Choose a page number from the list"})
		} else {
			q.Page = n
		}
	}
	return q, errs
}

// Values is the search as URL parameters.
func (q AuditQuery) Values() url.Values {
	v := url.Values{}
	for _, p := range [][2]string{{"organisation", q.Organisation}, {"person", q.Person}, {"reference", q.Ref}, {"from", q.From}, {"to", q.To}} {
		if p[1] != "" {
			v.Set(p[0], p[1])
		}
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// URL is the search page for the query; CSVURL the download.
func (q AuditQuery) URL() string { return withQuery("/review/audit", q.Values()) }

// CSVURL is the same search as CSV (every page).
func (q AuditQuery) CSVURL() string {
	q.Page = 1
	return withQuery("/review/audit.csv", q.Values())
}

// WithPage is the query on another page.
func (q AuditQuery) WithPage(n int) AuditQuery {
	q.Page = n
	return q
}

func withQuery(path string, v url.Values) string {
	if e := v.Encode(); e != "" {
		return path + "?" + e
	}
	return path
}

// where is the query's condition on audit_events e, with its arguments.
func (q AuditQuery) where() (string, []any) {
	conds := []string{auditSearchable}
	var args []any
	if q.orgID != 0 {
		conds, args = append(conds, "e.org_id = ?"), append(args, q.orgID)
	}
	if q.person != "" {
		conds, args = append(conds, `e.actor_name LIKE ? ESCAPE '\'`), append(args, "%"+likeEscape(q.person)+"%")
	}
	if q.ref != "" {
		conds, args = append(conds, `e.subject_kind = 'basket' AND e.subject_id = (SELECT basket_id FROM quotes WHERE ref = ?)`), append(args, q.ref)
	}
	if !q.from.IsZero() {
		conds, args = append(conds, "e.at >= ?"), append(args, timestamp(q.from))
	}
	if !q.to.IsZero() {
		conds, args = append(conds, "e.at < ?"), append(args, timestamp(q.to.AddDate(0, 0, 1)))
	}
	return strings.Join(conds, " AND "), args
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// AuditPage is a page of search results, newest first.
type AuditPage struct {
	Query         AuditQuery
	Events        []AuditEvent
	Total         int
	Page, Pages   int
	Organisations []Choice // the organisation filter's choices
}

// SearchAudit returns a page of the audit trail matching q, for reviewer u.
func (db *DB) SearchAudit(ctx context.Context, u *User, q AuditQuery) (AuditPage, error) {
	if !u.Is(RoleReviewer) {
		return AuditPage{}, Errorf(EFORBIDDEN, "Only CCS reviewers search the audit trail.")
	}
	p := AuditPage{Query: q, Page: max(q.Page, 1)}
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		if p.Organisations, err = organisationChoices(ctx, tx); err != nil {
			return err
		}
		where, args := q.where()
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_events e WHERE `+where, args...).Scan(&p.Total); err != nil {
			return err
		}
		p.Pages = max(1, (p.Total+AuditPerPage-1)/AuditPerPage)
		return queryAudit(ctx, tx, where, `ORDER BY e.id DESC LIMIT `+strconv.Itoa(AuditPerPage)+` OFFSET `+strconv.Itoa((p.Page-1)*AuditPerPage), args,
			func(e AuditEvent) error {
				p.Events = append(p.Events, e)
				return nil
			})
	})
	return p, err
}

// EachAuditEvent calls fn for every event matching q (all pages), newest
// first, for reviewer u: the CSV download streams through it.
func (db *DB) EachAuditEvent(ctx context.Context, u *User, q AuditQuery, fn func(AuditEvent) error) error {
	if !u.Is(RoleReviewer) {
		return Errorf(EFORBIDDEN, "Only CCS reviewers search the audit trail.")
	}
	return db.read(ctx, func(tx *sql.Tx) error {
		where, args := q.where()
		return queryAudit(ctx, tx, where, `ORDER BY e.id DESC`, args, fn)
	})
}

// organisationChoices are the organisations whose records the trail holds:
// buyers' organisations, by name.
func organisationChoices(ctx context.Context, tx *sql.Tx) ([]Choice, error) {
	return collect(ctx, tx, scanChoice, `SELECT CAST(id AS TEXT), name FROM organisations WHERE type NOT IN ('ccs', 'supplier') ORDER BY name COLLATE NOCASE`)
}
