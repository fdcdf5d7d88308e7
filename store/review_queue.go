package store

// The review queue (PRODUCT.md §5, §8 GET /review): everything that waits
// for a reviewer's decision, as one list of review items whatever their
// kind, filtered and sorted in SQL.
//
// Adding a kind (the trials issue adds "trial"): write a ReviewSource whose
// Query selects that kind's items awaiting a decision with the columns of
// reviewColumns, in that order and with those names, and append it to
// reviewSources. The queue, its filters, counts and paging, the reviewer's
// home and the sweeper's overdue messages then include it unchanged:
//
//	ReviewSource{Kind: ReviewKindTrial, Label: "Trial application",
//		Path: func(id int64) string { return "/review/trials/" + strconv.FormatInt(id, 10) },
//		Query: `SELECT 'trial' AS kind, t.id AS id, 0 AS version, 0 AS version_id, ...
//			FROM trials t WHERE t.status = 'submitted'`}
//
// A source may use the named parameters :me (the reviewer's user id) and
// :today (the UK date, YYYY-MM-DD).

import (
	"context"
	"database/sql"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Review item kinds.
const (
	ReviewKindBasket = "basket"
	ReviewKindTrial  = "trial"
)

// reviewColumns are the columns every ReviewSource selects, in order:
//
//	kind              TEXT     the source's Kind
//	id                INTEGER  the item's id (a basket's, a trial's)
//	version           INTEGER  the quote version awaiting a decision (0: none)
//	version_id        INTEGER  that version's row id (0: none)
//	ref               TEXT     a reference people quote ("Q-2026-000123"; "" if none)
//	title             TEXT     the item's name as its organisation gave it
//	org_id            INTEGER  the organisation it is from
//	agreement_id      INTEGER  the agreement it is under (0: none)
//	gross_pence       INTEGER  its value including VAT (0: free, like a trial)
//	submitted_at      TEXT     RFC 3339 UTC: when it started waiting
//	approvals_needed  INTEGER  approvals it needs in all
//	approvals         INTEGER  approvals it has
//	approved_by_me    INTEGER  1 when :me has approved it
const reviewColumns = `kind, id, version, version_id, ref, title, org_id, agreement_id, gross_pence, submitted_at, approvals_needed, approvals, approved_by_me`

// ReviewSource is one kind of item that waits for a reviewer's decision.
type ReviewSource struct {
	Kind  string
	Label string // the kind as people read it: "Basket"
	// Query selects the kind's items awaiting a decision, as reviewColumns.
	Query string
	// Path is the item's review page.
	Path func(id int64) string
}

var basketReviews = ReviewSource{
	Kind: ReviewKindBasket, Label: "Basket", Path: ReviewPath,
	Query: `SELECT 'basket' AS kind, q.basket_id AS id, v.version AS version, v.id AS version_id, q.ref AS ref,
		(SELECT b.name FROM baskets b WHERE b.id = q.basket_id) AS title,
		q.org_id AS org_id, q.agreement_id AS agreement_id, v.gross_total_pence AS gross_pence, v.issued_at AS submitted_at,
		v.approvals_needed AS approvals_needed, v.approvals AS approvals,
		v.approvals > 0 AND EXISTS (SELECT 1 FROM quote_approvals x WHERE x.quote_version_id = v.id AND x.reviewer_id = :me) AS approved_by_me
		FROM quote_versions v JOIN quotes q ON q.id = v.quote_id
		WHERE v.status = 'submitted' AND v.valid_until >= :today`,
}

// reviewSources are the kinds of review item, in the order the kind filter
// lists them.
var reviewSources = []ReviewSource{basketReviews, trialReviews}

// ReviewKinds lists the kinds a reviewer can filter by: the sources.
func ReviewKinds() []Choice {
	out := []Choice{}
	for _, s := range reviewSources {
		out = append(out, Choice{Value: s.Kind, Label: s.Label + "s"})
	}
	return out
}

func reviewSource(kind string) (ReviewSource, bool) {
	for _, s := range reviewSources {
		if s.Kind == kind {
			return s, true
		}
	}
	return ReviewSource{}, false
}

// reviewItems is the SQL of every source's items: a WITH clause defining
// "items".
func reviewItems(kind string) string {
	var parts []string
	for _, s := range reviewSources {
		if kind == "" || kind == s.Kind {
			parts = append(parts, "SELECT "+reviewColumns+" FROM ("+s.Query+")")
		}
	}
	if len(parts) == 0 { // a kind with no source yet: nothing waits
		parts = []string{"SELECT " + reviewColumns + " FROM (" + basketReviews.Query + ") WHERE 0 = 1"}
	}
	return "WITH items AS (" + strings.Join(parts, " UNION ALL ") + ") "
}

// Value bands of the queue's band filter, on the gross value.
const (
	BandUnder30k    = "under-30k"
	Band30kTo100k   = "30k-100k"
	Band100kPlus    = "100k-plus"
	band30kPence    = 3_000_000
	band100kPence   = TwoApproverGrossPence
	ReviewSortAge   = "age"
	ReviewSortValue = "value"
	AwaitingSecond  = "second"
	// ReviewPerPage is how many items a queue page lists.
	ReviewPerPage = 25
)

// bandCondition is the SQL condition that a gross value in column col is
// in the value band ("" for no band): the one definition of the bands for
// the review queue and the transparency register.
func bandCondition(band, col string) string {
	switch band {
	case BandUnder30k:
		return col + " < " + strconv.Itoa(band30kPence)
	case Band30kTo100k:
		return col + " >= " + strconv.Itoa(band30kPence) + " AND " + col + " < " + strconv.Itoa(band100kPence)
	case Band100kPlus:
		return col + " >= " + strconv.Itoa(band100kPence)
	}
	return ""
}

// valueBand is the value band (a ValueBands value) a gross value falls in:
// the same bounds as bandCondition. The register's day totals
// (award_day_totals, migration 0014) store it; portal check recomputes
// them with it.
func valueBand(grossPence int64) string {
	switch {
	case grossPence < band30kPence:
		return BandUnder30k
	case grossPence < band100kPence:
		return Band30kTo100k
	}
	return Band100kPlus
}

// ValueBands are the band filter's choices (PRODUCT.md §8).
var ValueBands = []Choice{
	{Value: BandUnder30k, Label: "Under £30,000"},
	{Value: Band30kTo100k, Label: "£30,000 to £99,999.99"},
	{Value: Band100kPlus, Label: "£100,000 and more"},
}

// ReviewQuery is the queue's filters, sort and page.
type ReviewQuery struct {
	Kind      string // "" for every kind
	Agreement string // an agreement's slug; "" for all
	Band      string
	Awaiting  string // AwaitingSecond, or ""
	Sort      string // ReviewSortAge (default) or ReviewSortValue
	Page      int
	// PerPage overrides ReviewPerPage (the reviewer's home lists a few).
	PerPage int
}

// ParseReviewQuery reads the queue's query string; refused values come
// back as field errors and are left out of the query.
func ParseReviewQuery(v url.Values) (ReviewQuery, []FieldError) {
	q := ReviewQuery{Kind: v.Get("kind"), Agreement: strings.TrimSpace(v.Get("agreement")), Band: v.Get("band"),
		Awaiting: v.Get("awaiting"), Sort: v.Get("sort"), Page: 1}
	var errs []FieldError
	if q.Kind != "" && !validChoice(ReviewKinds(), q.Kind) {
		errs = append(errs, FieldError{"kind", "Choose baskets or trial applications"})
		q.Kind = ""
	}
	if _, fe := (Text{Field: "agreement", Label: "Agreement", Max: MaxName}).Check(q.Agreement); fe != nil {
		errs = append(errs, FieldError{"agreement", "Choose an agreement from the list"})
		q.Agreement = ""
	}
	if q.Band != "" && !validChoice(ValueBands, q.Band) {
		errs = append(errs, FieldError{"band", "Choose a value band from the list"})
		q.Band = ""
	}
	if q.Awaiting != "" && q.Awaiting != AwaitingSecond {
		errs = append(errs, FieldError{"awaiting", "Choose “Needs a second approval” or all items"})
		q.Awaiting = ""
	}
	if q.Sort != "" && q.Sort != ReviewSortAge && q.Sort != ReviewSortValue {
		errs = append(errs, FieldError{"sort", "Sort by age or by value"})
		q.Sort = ""
	}
	if n, fe := parsePage(v); fe != nil {
		errs = append(errs, *fe)
	} else {
		q.Page = n
	}
	return q, errs
}

// parsePage reads a list's page parameter: 1 when absent.
func parsePage(v url.Values) (int, *FieldError) {
	p := v.Get("page")
	if p == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || !allDigits(p) || n < 1 || n > 100_000 {
		return 1, &FieldError{"page", "Choose a page number from the list"}
	}
	return n, nil
}

// Values is the query as URL parameters (defaults left out).
func (q ReviewQuery) Values() url.Values {
	v := url.Values{}
	for _, p := range [][2]string{{"kind", q.Kind}, {"agreement", q.Agreement}, {"band", q.Band}, {"awaiting", q.Awaiting}} {
		if p[1] != "" {
			v.Set(p[0], p[1])
		}
	}
	if q.Sort == ReviewSortValue {
		v.Set("sort", q.Sort)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// URL is the queue page with this query.
func (q ReviewQuery) URL() string {
	if e := q.Values().Encode(); e != "" {
		return "/review?" + e
	}
	return "/review"
}

// With returns the query changed by fn, back on page 1 unless fn sets one.
func (q ReviewQuery) With(fn func(*ReviewQuery)) ReviewQuery {
	q.Page = 1
	fn(&q)
	return q
}

// ReviewItem is one thing waiting for a reviewer's decision.
type ReviewItem struct {
	Kind           string
	ID             int64
	Version        int
	Ref            string
	Title          string
	OrgID          int64
	OrgName        string
	AgreementSlug  string
	AgreementTitle string
	AgreementRef   string // CCS's reference, such as MOU-VMO2B-2025
	GrossPence     int64
	SubmittedAt    time.Time
	Due            DueStatus
	Needed         int
	Approvals      int
	ApprovedByMe   bool
	// CannotDecide says why the reviewer cannot decide it ("" when they can).
	CannotDecide string
}

// Path is the item's review page.
func (i ReviewItem) Path() string {
	if s, ok := reviewSource(i.Kind); ok {
		return s.Path(i.ID)
	}
	return "/review"
}

// KindLabel is the item's kind as people read it.
func (i ReviewItem) KindLabel() string {
	if s, ok := reviewSource(i.Kind); ok {
		return s.Label
	}
	return i.Kind
}

// StillNeeded is how many more approvals it needs.
func (i ReviewItem) StillNeeded() int { return max(i.Needed-i.Approvals, 0) }

// ReviewCounts count the items matching the queue's filters other than
// "awaiting", by state.
type ReviewCounts struct {
	All          int
	New          int // no approval yet
	Second       int // one of two approvals given
	Overdue      int // past the service level
	CannotDecide int // the reviewer's own organisation's, or approved by them
}

// ReviewQueue is one page of the queue.
type ReviewQueue struct {
	Query       ReviewQuery
	Items       []ReviewItem
	Total       int // items matching every filter
	Page, Pages int
	Counts      ReviewCounts
	Agreements  []Choice // the agreement filter's choices
	Now         time.Time
}

// ReviewQueue returns the items waiting for a decision that match q, for
// reviewer u.
func (db *DB) ReviewQueue(ctx context.Context, u *User, q ReviewQuery) (ReviewQueue, error) {
	if !u.Is(RoleReviewer) {
		return ReviewQueue{}, Errorf(EFORBIDDEN, "Only CCS reviewers have a review queue.")
	}
	now := db.Now()
	rq := ReviewQueue{Query: q, Now: now, Page: max(q.Page, 1)}
	per := q.PerPage
	if per <= 0 {
		per = ReviewPerPage
	}
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		if rq.Agreements, err = agreementChoices(ctx, tx); err != nil {
			return err
		}
		if q.Agreement != "" && !validChoice(rq.Agreements, q.Agreement) {
			return Invalid(FieldError{"agreement", "Choose an agreement from the list"})
		}
		args := []any{sql.Named("me", u.ID), sql.Named("today", TodayLondon(now).Format(time.DateOnly)),
			sql.Named("myorg", u.OrgID), sql.Named("overdue", timestamp(db.ReviewSLA.OverdueBefore(now))),
			sql.Named("agreement", q.Agreement)}
		var where []string
		if q.Agreement != "" {
			where = append(where, "agreement_id = (SELECT id FROM agreements WHERE slug = :agreement)")
		}
		if c := bandCondition(q.Band, "gross_pence"); c != "" {
			where = append(where, c)
		}
		const second = "approvals > 0 AND approvals < approvals_needed"
		cond := func(extra ...string) string {
			all := append(append([]string{"1 = 1"}, where...), extra...)
			return " WHERE " + strings.Join(all, " AND ")
		}
		items := reviewItems(q.Kind)
		c := &rq.Counts
		if err := tx.QueryRowContext(ctx, items+`SELECT count(*), coalesce(sum(approvals = 0), 0), coalesce(sum(`+second+`), 0),
			coalesce(sum(submitted_at < :overdue), 0), coalesce(sum(org_id = :myorg OR approved_by_me), 0) FROM items`+cond(), args...).
			Scan(&c.All, &c.New, &c.Second, &c.Overdue, &c.CannotDecide); err != nil {
			return err
		}
		rq.Total = c.All
		var filter []string
		if q.Awaiting == AwaitingSecond {
			filter, rq.Total = []string{second}, c.Second
		}
		rq.Pages = max(1, (rq.Total+per-1)/per)
		order := func(t string) string { return t + "submitted_at, " + t + "kind, " + t + "id" }
		if q.Sort == ReviewSortValue {
			order = func(t string) string {
				return t + "gross_pence DESC, " + t + "submitted_at, " + t + "kind, " + t + "id"
			}
		}
		rows, err := tx.QueryContext(ctx, items+`SELECT i.kind, i.id, i.version, i.ref, i.title, i.org_id, o.name, coalesce(a.slug, ''), coalesce(a.title, ''), coalesce(a.ccs_ref, ''),
			i.gross_pence, i.submitted_at, i.approvals_needed, i.approvals, i.approved_by_me
			FROM (SELECT * FROM items`+cond(filter...)+` ORDER BY `+order("")+` LIMIT `+strconv.Itoa(per)+` OFFSET `+strconv.Itoa((rq.Page-1)*per)+`) i
			JOIN organisations o ON o.id = i.org_id LEFT JOIN agreements a ON a.id = i.agreement_id ORDER BY `+order("i."), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it ReviewItem
			var submitted string
			if err := rows.Scan(&it.Kind, &it.ID, &it.Version, &it.Ref, &it.Title, &it.OrgID, &it.OrgName, &it.AgreementSlug, &it.AgreementTitle, &it.AgreementRef,
				&it.GrossPence, &submitted, &it.Needed, &it.Approvals, &it.ApprovedByMe); err != nil {
				return err
			}
			it.SubmittedAt = parseTimestamp(submitted)
			it.Due = db.ReviewSLA.Status(it.SubmittedAt, now)
			it.CannotDecide = cannotDecide(u, it.OrgID, it.ApprovedByMe)
			rq.Items = append(rq.Items, it)
		}
		return rows.Err()
	})
	return rq, err
}

// cannotDecide says why reviewer u cannot decide an item of organisation
// orgID ("" when they can).
func cannotDecide(u *User, orgID int64, approvedByMe bool) string {
	switch {
	case u.OrgID == orgID:
		return "From your own organisation: another reviewer must decide"
	case approvedByMe:
		return "You have approved it: a second reviewer must approve it"
	}
	return ""
}

// agreementChoices are the agreements, by slug and title.
func agreementChoices(ctx context.Context, tx *sql.Tx) ([]Choice, error) {
	return collect(ctx, tx, scanChoice, `SELECT slug, title FROM agreements ORDER BY title`)
}

func scanChoice(r scanner) (c Choice, err error) { return c, r.Scan(&c.Value, &c.Label) }

// ReviewerHome is what waits for a reviewer, for their home page.
type ReviewerHome struct {
	Queue ReviewQueue // the oldest items, with the counts
	// DecidedThisWeek counts the reviewer's decisions (approvals included)
	// since Monday, UK time.
	DecidedThisWeek int
	// WorkingDays is the service level: decide within this many UK
	// working days.
	WorkingDays int
}

// ReviewerHome returns reviewer u's home: counts, the oldest items and
// their decisions this week.
func (db *DB) ReviewerHome(ctx context.Context, u *User, oldest int) (ReviewerHome, error) {
	h := ReviewerHome{WorkingDays: db.ReviewSLA.WorkingDays}
	var err error
	if h.Queue, err = db.ReviewQueue(ctx, u, ReviewQuery{Sort: ReviewSortAge, PerPage: oldest}); err != nil {
		return h, err
	}
	today := TodayLondon(db.Now())
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	err = db.r.QueryRowContext(ctx, `SELECT count(*) FROM audit_events WHERE actor_id = ? AND at >= ? AND action IN (?, ?, ?, ?)`,
		u.ID, timestamp(monday), ActionApprove, ActionRequestChanges, ActionReject, ActionDecline).Scan(&h.DecidedThisWeek)
	return h, err
}
