package store

// The review's sweeper jobs (issue 8 points 6 and 7): a reminder 7 days
// before an undecided quote expires (the expiry itself is messaged by
// expireQuotes, in the same transaction), and a message to every reviewer
// who may decide once an item waiting for review is past the service level.
// Both are once-only by their message keys, so they may run any number of
// times, and read the time only from now.

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"
)

// ExpiryReminderDays is how many days before a quote's last valid day the
// reminder goes out.
const ExpiryReminderDays = 7

// remindExpiringQuotes writes the reminders for undecided quote versions
// whose validity ends within ExpiryReminderDays days, once each.
func remindExpiringQuotes(ctx context.Context, db *DB, tx *sql.Tx, now time.Time) (int, error) {
	today := TodayLondon(now)
	rows, err := tx.QueryContext(ctx, `SELECT v.id FROM quote_versions v
		WHERE v.status = 'submitted' AND v.valid_until >= ? AND v.valid_until <= ?
		AND NOT EXISTS (SELECT 1 FROM message_keys k WHERE k.key = 'quote-expiry-soon:' || v.id || ':buyers')`,
		today.Format(time.DateOnly), today.AddDate(0, 0, ExpiryReminderDays).Format(time.DateOnly))
	if err != nil {
		return 0, err
	}
	ids, err := scanIDList(rows)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		f, err := loadQuoteFacts(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		until := ukDate(f.validUntil)
		left := "today"
		switch days := int(until.Sub(today).Hours()/24 + 0.5); days {
		case 0:
		case 1:
			left = "tomorrow"
		default:
			left = fmt.Sprintf("in %d days", days)
		}
		key := "quote-expiry-soon:" + strconv.FormatInt(id, 10)
		if err := notifyAll(ctx, tx,
			Notice{At: now, To: OrgBuyers(f.orgID), Kind: MsgQuoteExpiring, Subject: f.subject(), Path: f.buyerPath(), Key: key + ":buyers",
				Title: "Quote expires " + left + ": " + f.basket,
				Body: "Quote " + f.quote() + " is still waiting for a decision. It is valid until " + FormatDate(until) +
					": if it is not approved by the end of that day it expires, and the basket goes back to draft to be submitted again at current prices."},
			Notice{At: now, To: Reviewers(f.orgID), Kind: MsgQuoteExpiring, Subject: f.subject(), Path: f.reviewPath(), Key: key + ":reviewers",
				Title: "Expires " + left + " without a decision: " + f.org + ", " + f.basket,
				Body: "Quote " + f.quote() + " (" + FormatPence(f.gross) + " including VAT) is valid until " + FormatDate(until) +
					" and is still waiting for a decision. After that it can no longer be approved."},
		); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// messageOverdueReviews tells every reviewer who may decide, once per item
// (and quote version), that an item is past the review service level.
func messageOverdueReviews(ctx context.Context, db *DB, tx *sql.Tx, now time.Time) (int, error) {
	args := []any{sql.Named("me", 0), sql.Named("today", TodayLondon(now).Format(time.DateOnly)),
		sql.Named("overdue", timestamp(db.ReviewSLA.OverdueBefore(now)))}
	items, err := collect(ctx, tx, func(r scanner) (it ReviewItem, err error) {
		var submitted string
		err = r.Scan(&it.Kind, &it.ID, &it.Version, &it.Ref, &it.Title, &it.OrgID, &it.OrgName, &it.GrossPence, &submitted, &it.Needed, &it.Approvals)
		it.SubmittedAt = parseTimestamp(submitted)
		return it, err
	}, reviewItems("")+`SELECT i.kind, i.id, i.version, i.ref, i.title, i.org_id, o.name, i.gross_pence, i.submitted_at,
		i.approvals_needed, i.approvals FROM items i JOIN organisations o ON o.id = i.org_id
		WHERE i.submitted_at < :overdue
		AND NOT EXISTS (SELECT 1 FROM message_keys k WHERE k.key = 'review-overdue:' || i.kind || ':' || i.id || ':' || i.version)
		ORDER BY i.submitted_at`, args...)
	if err != nil {
		return 0, err
	}
	for _, it := range items {
		what := it.KindLabel()
		if it.Ref != "" {
			what += " " + it.Ref
			if it.Version > 0 {
				what += " version " + strconv.Itoa(it.Version)
			}
		}
		value := ""
		if it.GrossPence > 0 {
			value = " (" + FormatPence(it.GrossPence) + " including VAT)"
		}
		_, err := notify(ctx, tx, Notice{At: now, To: Reviewers(it.OrgID), Kind: MsgReviewOverdue, Subject: Subject{it.Kind, it.ID}, Path: it.Path(),
			Key:   "review-overdue:" + it.Kind + ":" + strconv.FormatInt(it.ID, 10) + ":" + strconv.Itoa(it.Version),
			Title: "Overdue for review: " + it.OrgName + ", " + it.Title,
			Body: fmt.Sprintf("%s%s from %s, submitted on %s, was due for a decision by %s. It still needs %d approval(s).",
				what, value, it.OrgName, FormatDate(it.SubmittedAt), FormatDate(db.ReviewSLA.Due(it.SubmittedAt)), it.StillNeeded())})
		if err != nil {
			return 0, err
		}
	}
	return len(items), nil
}

// scanIDList reads a column of ids and closes rows.
func scanIDList(rows *sql.Rows) ([]int64, error) {
	return collectRows(rows, func(r scanner) (id int64, err error) { return id, r.Scan(&id) })
}

// collect runs a query and returns every row as scan reads it.
func collect[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collectRows(rows, scan)
}

// collectRows reads every row with scan and closes rows.
func collectRows[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
