package store

// The security log (issue 14, PRODUCT.md §5): sign-ins, failures, locks,
// throttles and sign-outs, kept apart from the audit trail, read by admins
// only and kept for one year.

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kinds of security event.
const (
	SecSignedIn        = "signed_in"
	SecSignInFailed    = "sign_in_failed"
	SecSignInLocked    = "sign_in_locked" // refused: the account is locked for browsers it does not know
	SecAccountLocked   = "account_locked"
	SecDeviceLocked    = "device_locked"
	SecThrottled       = "throttled"
	SecSignedOut       = "signed_out"
	SecSessionsEnded   = "sessions_ended"
	SecPasswordChanged = "password_changed"
	SecGuessingNotice  = "guessing_notice" // the account holder was told their account is being guessed at
)

// SecurityKinds lists the kinds of security event with their labels, in the
// order the filter offers them.
var SecurityKinds = []Choice{
	{SecSignedIn, "Signed in"},
	{SecSignInFailed, "Sign-in failed"},
	{SecSignInLocked, "Sign-in refused: account locked"},
	{SecAccountLocked, "Account locked"},
	{SecDeviceLocked, "Browser locked"},
	{SecThrottled, "Address throttled"},
	{SecSignedOut, "Signed out"},
	{SecSessionsEnded, "Other sessions ended"},
	{SecPasswordChanged, "Password changed"},
	{SecGuessingNotice, "Holder told of guessing"},
}

// SecurityKindLabel returns the display label of a kind of security event.
func SecurityKindLabel(kind string) string { return choiceLabel(SecurityKinds, kind) }

// SecurityRetention is how long the security log keeps a row.
const SecurityRetention = "one year"

// securityCutoff is the oldest time the log keeps at now: a year before.
func securityCutoff(now time.Time) time.Time { return now.AddDate(-1, 0, 0) }

// Client is who is asking: the address (as the server's IP extractor sees
// it) and the browser's User-Agent.
type Client struct {
	IP        string
	UserAgent string
}

// SecurityEvent is one row of the security log.
type SecurityEvent struct {
	ID      int64
	At      time.Time
	Kind    string
	UserID  int64  // 0: no account
	Name    string // the account's name and email, when there is one
	Email   string
	Account string // AccountTag of the email entered, for sign-in attempts
	IP      string
	Device  string // DeviceSummary of the User-Agent
	Detail  string
}

// KindLabel returns the event's kind for display.
func (e SecurityEvent) KindLabel() string { return SecurityKindLabel(e.Kind) }

// AccountTag names an email address in logs without revealing it: the
// first 128 bits of its HMAC-SHA256 under a key kept in the database (a
// plain hash of an email address can be reversed by guessing addresses).
// The same address always has the same tag, so an admin can find the
// failures for an address that has no account.
func (db *DB) AccountTag(email string) string {
	m := hmac.New(sha256.New, db.accountKey)
	m.Write([]byte(NormaliseEmail(email)))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// loadSecret returns the named secret, creating it with 32 random bytes on
// first use.
func loadSecret(ctx context.Context, w *sql.DB, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := w.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	var v []byte
	if err := w.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return v, nil
}

// recordSecurityEvent appends an event to the log in tx.
func recordSecurityEvent(ctx context.Context, tx *sql.Tx, e SecurityEvent, now time.Time) error {
	var uid sql.NullInt64
	if e.UserID != 0 {
		uid = sql.NullInt64{Int64: e.UserID, Valid: true}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO security_events (at, kind, user_id, account, ip, device, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		now.Unix(), e.Kind, uid, e.Account, e.IP, e.Device, e.Detail)
	return err
}

// LogSecurityEvent appends an event that no other store method records (a
// throttled address, a sign-out). At is now.
func (db *DB) LogSecurityEvent(ctx context.Context, e SecurityEvent) error {
	if e.Kind == "" {
		return errors.New("security event without a kind")
	}
	return db.write(ctx, func(tx *sql.Tx) error { return recordSecurityEvent(ctx, tx, e, db.Now()) })
}

// SecurityFilter selects security events; every field is optional.
type SecurityFilter struct {
	Kind  string // one of SecurityKinds
	Email string // the account, by its address (events of the account, and attempts with the address)
	IP    string
	From  string // YYYY-MM-DD, UK date, inclusive
	To    string // YYYY-MM-DD, UK date, inclusive
	Page  string // 1-based
}

// The security log's text filters (optional; the one validator's rules).
var (
	securityEmailText = Text{Field: "email", Label: "Email address", Max: MaxEmail}
	securityIPText    = Text{Field: "ip", Label: "IP address", Max: 64}
)

// SecurityPageSize is how many events a page of the log shows.
const SecurityPageSize = 50

// SecurityPage is one page of the security log.
type SecurityPage struct {
	Events []SecurityEvent
	Total  int
	Page   int
	Pages  int
}

// Validate returns the invalid filter fields in form order, or nil.
func (f SecurityFilter) Validate() []FieldError {
	var errs []FieldError
	if f.Kind != "" && !validChoice(SecurityKinds, f.Kind) {
		errs = append(errs, FieldError{"kind", "Choose an event from the list"})
	}
	if _, fe := securityEmailText.Check(f.Email); fe != nil {
		errs = append(errs, *fe)
	}
	if _, fe := securityIPText.Check(f.IP); fe != nil {
		errs = append(errs, *fe)
	}
	from, errFrom := parseFilterDate(f.From)
	if errFrom != nil {
		errs = append(errs, FieldError{"from", "‘From’ must be a date, like 2026-11-26"})
	}
	to, errTo := parseFilterDate(f.To)
	if errTo != nil {
		errs = append(errs, FieldError{"to", "‘To’ must be a date, like 2026-11-26"})
	}
	if errFrom == nil && errTo == nil && !from.IsZero() && !to.IsZero() && to.Before(from) {
		errs = append(errs, FieldError{"to", "‘To’ must be the same as or after ‘From’"})
	}
	if f.Page != "" {
		if n, err := strconv.Atoi(f.Page); err != nil || n < 1 || !isDigits(f.Page) {
			errs = append(errs, FieldError{"page", "Page must be a whole number of 1 or more"})
		}
	}
	return errs
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// parseFilterDate reads a YYYY-MM-DD UK date ("" is the zero time).
func parseFilterDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(time.DateOnly, s, London)
}

// SecurityEvents returns a page of the security log, newest first (admins only).
func (db *DB) SecurityEvents(ctx context.Context, actor *User, f SecurityFilter) (SecurityPage, error) {
	if err := requireAdmin(actor); err != nil {
		return SecurityPage{}, err
	}
	if errs := f.Validate(); errs != nil {
		return SecurityPage{}, Invalid(errs...)
	}
	var where []string
	var args []any
	if f.Kind != "" {
		where, args = append(where, "e.kind = ?"), append(args, f.Kind)
	}
	if email := strings.TrimSpace(f.Email); email != "" {
		where = append(where, "(e.account = ? OR e.user_id = (SELECT id FROM users WHERE email = ?))")
		args = append(args, db.AccountTag(email), NormaliseEmail(email))
	}
	if ip := strings.TrimSpace(f.IP); ip != "" {
		where, args = append(where, "e.ip = ?"), append(args, ip)
	}
	if from, _ := parseFilterDate(f.From); !from.IsZero() {
		where, args = append(where, "e.at >= ?"), append(args, from.Unix())
	}
	if to, _ := parseFilterDate(f.To); !to.IsZero() {
		where, args = append(where, "e.at < ?"), append(args, to.AddDate(0, 0, 1).Unix())
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	p := SecurityPage{Page: 1}
	if f.Page != "" {
		p.Page, _ = strconv.Atoi(f.Page)
	}
	err := db.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM security_events e`+cond, args...).Scan(&p.Total); err != nil {
			return err
		}
		p.Pages = max(1, (p.Total+SecurityPageSize-1)/SecurityPageSize)
		rows, err := tx.QueryContext(ctx, `SELECT e.id, e.at, e.kind, coalesce(e.user_id, 0), coalesce(u.name, ''), coalesce(u.email, ''),
			e.account, e.ip, e.device, e.detail
			FROM security_events e LEFT JOIN users u ON u.id = e.user_id`+cond+` ORDER BY e.at DESC, e.id DESC LIMIT ? OFFSET ?`,
			append(args, SecurityPageSize, (p.Page-1)*SecurityPageSize)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e SecurityEvent
			var at int64
			if err := rows.Scan(&e.ID, &at, &e.Kind, &e.UserID, &e.Name, &e.Email, &e.Account, &e.IP, &e.Device, &e.Detail); err != nil {
				return err
			}
			e.At = time.Unix(at, 0)
			p.Events = append(p.Events, e)
		}
		return rows.Err()
	})
	return p, err
}

// PurgeSecurityEvents deletes security-log rows more than a year older than
// now and returns how many it deleted. The server's sweeper runs it.
func (db *DB) PurgeSecurityEvents(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = purgeSecurityEvents(ctx, tx, now)
		return err
	})
	return n, err
}

// purgeSecurityEvents is PurgeSecurityEvents inside tx.
func purgeSecurityEvents(ctx context.Context, tx *sql.Tx, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM security_events WHERE at < ?`, securityCutoff(now).Unix())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
