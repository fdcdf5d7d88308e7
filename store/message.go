package store

// Messages (issue 8): what the portal tells people — a quote submitted, a
// decision, a reminder. Every writer calls notify inside the transaction of
// the change it reports, so a change and its messages commit together or
// not at all:
//
//	err := notify(ctx, tx, Notice{At: now, To: OrgBuyers(orgID),
//		Kind: "trial_approved", Title: "Trial of Business 5G SIM approved",
//		Body: "…", Path: "/trials/12", Subject: Subject{SubjectTrial, 12}})
//
// notify writes one row per person in the messages table. That table is
// also the outbox: when SMTP is configured the portal emails each row once
// (at least once: see the mail_* columns), in the background, never while a
// request waits. /messages shows a person theirs.
//
// A notice with a Key is written once only, however often its writer runs
// (the sweeper's reminders are keyed by what they remind of).

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Audience is who a notice goes to: active users of active organisations
// chosen by a SQL condition on users u.
type Audience struct {
	where string
	args  []any
}

// OrgBuyers is every buyer of an organisation.
func OrgBuyers(orgID int64) Audience {
	return Audience{"u.role = 'buyer' AND u.org_id = ?", []any{orgID}}
}

// Reviewers is every CCS reviewer who may decide on an organisation's items:
// all reviewers except those of that organisation.
func Reviewers(exceptOrg int64) Audience {
	return Audience{"u.role = 'reviewer' AND u.org_id <> ?", []any{exceptOrg}}
}

// SupplierUsers is every user of a supplier's catalogue team.
func SupplierUsers(supplierID int64) Audience {
	return Audience{"u.role = 'supplier' AND u.supplier_id = ?", []any{supplierID}}
}

// Users is the given people.
func Users(ids ...int64) Audience {
	if len(ids) == 0 {
		return Audience{"0 = 1", nil}
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return Audience{"u.id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")", args}
}

// Except leaves one person out (the actor, say).
func (a Audience) Except(userID int64) Audience {
	return Audience{"(" + a.where + ") AND u.id <> ?", append(append([]any(nil), a.args...), userID)}
}

// Notice is one message to an audience.
type Notice struct {
	At    time.Time
	To    Audience
	Kind  string // what happened, for filters and tests: "quote_submitted"
	Title string // one line; the email's subject
	Body  string // plain text; paragraphs separated by blank lines
	// Path is the page the message is about, on this site ("/baskets/12");
	// links and emails make it absolute with the public URL.
	Path    string
	Subject Subject
	// Key makes the notice once-only: a notice whose key was used before
	// is not written again.
	Key string
}

// notify writes n for each person in its audience and reports how many
// messages it wrote.
func notify(ctx context.Context, tx *sql.Tx, n Notice) (int, error) {
	if n.Key != "" {
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO message_keys (key, created_at) VALUES (?, ?)`, n.Key, timestamp(n.At))
		if err != nil {
			return 0, err
		}
		if k, err := res.RowsAffected(); err != nil || k == 0 {
			return 0, err // written before
		}
	}
	args := append([]any{timestamp(n.At), n.Kind, n.Title, n.Body, n.Path, n.Subject.Kind, n.Subject.ID}, n.To.args...)
	res, err := tx.ExecContext(ctx, `INSERT INTO messages (user_id, created_at, kind, title, body, path, subject_kind, subject_id)
		SELECT u.id, ?, ?, ?, ?, ?, ?, ? FROM users u JOIN organisations o ON o.id = u.org_id
		WHERE u.active = 1 AND o.active = 1 AND (`+n.To.where+`) ORDER BY u.id`, args...)
	if err != nil {
		return 0, err
	}
	k, err := res.RowsAffected()
	return int(k), err
}

// Message is one message to the signed-in person.
type Message struct {
	ID      int64
	At      time.Time
	Kind    string
	Title   string
	Body    string
	Path    string
	Subject Subject
	// Unread is whether it was unread before this page showed it.
	Unread bool
}

// MessagesPerPage is how many messages /messages shows at once.
const MessagesPerPage = 20

// MessagePage is a page of a person's messages.
type MessagePage struct {
	Messages    []Message
	Total       int
	Unread      int // unread before this page was shown
	Page, Pages int
}

// Messages returns a page of u's messages, unread first, then newest
// first, and marks the unread ones it returns as read. A page past the end
// is ENOTFOUND.
func (db *DB) Messages(ctx context.Context, u *User, page int) (MessagePage, error) {
	if u == nil {
		return MessagePage{}, Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	if page < 1 {
		page = 1
	}
	var mp MessagePage
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE read_at IS NULL) FROM messages WHERE user_id = ?`, u.ID).
			Scan(&mp.Total, &mp.Unread); err != nil {
			return err
		}
		mp.Page, mp.Pages = page, max(1, (mp.Total+MessagesPerPage-1)/MessagesPerPage)
		if page > mp.Pages {
			return Errorf(ENOTFOUND, "There is no page %d of your messages.", page)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, created_at, kind, title, body, path, subject_kind, subject_id, read_at IS NULL
			FROM messages WHERE user_id = ? ORDER BY read_at IS NOT NULL, id DESC LIMIT ? OFFSET ?`,
			u.ID, MessagesPerPage, (page-1)*MessagesPerPage)
		if err != nil {
			return err
		}
		var unread []any
		for rows.Next() {
			var m Message
			var at string
			if err := rows.Scan(&m.ID, &at, &m.Kind, &m.Title, &m.Body, &m.Path, &m.Subject.Kind, &m.Subject.ID, &m.Unread); err != nil {
				rows.Close()
				return err
			}
			m.At = parseTimestamp(at)
			mp.Messages = append(mp.Messages, m)
			if m.Unread {
				unread = append(unread, m.ID)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(unread) == 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE messages SET read_at = ? WHERE id IN (?`+strings.Repeat(", ?", len(unread)-1)+`)`,
			append([]any{timestamp(db.Now())}, unread...)...)
		return err
	})
	return mp, err
}

// UnreadMessages counts u's unread messages (0 for a visitor).
func (db *DB) UnreadMessages(ctx context.Context, u *User) (int, error) {
	if u == nil {
		return 0, nil
	}
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE user_id = ? AND read_at IS NULL`, u.ID).Scan(&n)
	return n, err
}

// OutboxMail is a message waiting to be emailed.
type OutboxMail struct {
	ID       int64
	To       string // email address
	ToName   string
	Title    string
	Body     string
	Path     string
	Created  time.Time
	Token    string
	Attempts int
}

// MessageID is the email's Message-ID (without angle brackets) on every
// attempt: derived from the row, so a resend after a crash can be
// recognised as the same email.
func (m OutboxMail) MessageID(domain string) string {
	return "portal-message-" + strconv.FormatInt(m.ID, 10) + "." + m.Token + "@" + domain
}

// DueMail returns up to limit messages waiting to be emailed whose next
// attempt is due at now (wall clock), oldest first.
func (db *DB) DueMail(ctx context.Context, now time.Time, limit int) ([]OutboxMail, error) {
	return collect(ctx, db.r, func(r scanner) (m OutboxMail, err error) {
		var created string
		err = r.Scan(&m.ID, &m.To, &m.ToName, &m.Title, &m.Body, &m.Path, &created, &m.Token, &m.Attempts)
		m.Created = parseTimestamp(created)
		return m, err
	}, `SELECT m.id, u.email, u.name, m.title, m.body, m.path, m.created_at, m.mail_token, m.mail_attempts
		FROM messages m JOIN users u ON u.id = m.user_id
		WHERE m.mail_state = 'pending' AND m.mail_next_at <= ? ORDER BY m.mail_next_at, m.id LIMIT ?`, timestamp(now), limit)
}

// NextMailAt is when the earliest pending email is next due (wall clock);
// false when nothing is pending.
func (db *DB) NextMailAt(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullString
	err := db.r.QueryRowContext(ctx, `SELECT min(mail_next_at) FROM messages WHERE mail_state = 'pending'`).Scan(&next)
	if err != nil || !next.Valid {
		return time.Time{}, false, err
	}
	return parseTimestamp(next.String), true, nil // '' parses as the zero time: due at once
}

// MailSent records that message id was handed to the mail server.
func (db *DB) MailSent(ctx context.Context, id int64, at time.Time) error {
	return db.mailUpdate(ctx, `UPDATE messages SET mail_state = 'sent', mail_sent_at = ?, mail_attempts = mail_attempts + 1, mail_error = ''
		WHERE id = ? AND mail_state = 'pending'`, timestamp(at), id)
}

// MailRetry records a failed attempt to email message id, to be tried
// again at retryAt (wall clock).
func (db *DB) MailRetry(ctx context.Context, id int64, reason string, retryAt time.Time) error {
	return db.mailUpdate(ctx, `UPDATE messages SET mail_attempts = mail_attempts + 1, mail_error = ?, mail_next_at = ?
		WHERE id = ? AND mail_state = 'pending'`, reason, timestamp(retryAt), id)
}

// MailGiveUp records that message id will not be emailed: state is
// "failed" (the mail server refused it for good) or "expired" (it waited
// too long). It stays in the person's messages.
func (db *DB) MailGiveUp(ctx context.Context, id int64, state, reason string) error {
	if state != "failed" && state != "expired" {
		return errors.New("MailGiveUp: state must be failed or expired")
	}
	return db.mailUpdate(ctx, `UPDATE messages SET mail_state = ?, mail_attempts = mail_attempts + 1, mail_error = ?
		WHERE id = ? AND mail_state = 'pending'`, state, reason, id)
}

func (db *DB) mailUpdate(ctx context.Context, query string, args ...any) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
}

// OutboxStats is the email backlog: how many messages wait to be emailed
// and when the oldest of them was written.
type OutboxStats struct {
	Pending int
	Oldest  time.Time // zero when none
}

// Outbox returns the email backlog.
func (db *DB) Outbox(ctx context.Context) (OutboxStats, error) {
	var s OutboxStats
	var oldest sql.NullString
	err := db.r.QueryRowContext(ctx, `SELECT count(*), min(created_at) FROM messages WHERE mail_state = 'pending'`).Scan(&s.Pending, &oldest)
	if oldest.Valid {
		s.Oldest = parseTimestamp(oldest.String)
	}
	return s, err
}
