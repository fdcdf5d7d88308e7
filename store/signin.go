package store

// Signing in (issue 3, reworked by issue 14): OWASP's device-cookie pattern.
// A browser that has signed in to an account successfully holds a device
// token (a signed cookie; the devices table holds its hash). Failed
// attempts through such a browser count against that browser only; every
// other attempt counts against the account "for unknown browsers". So a
// stranger's guessing locks out other strangers, never the account holder
// at the browser they use, and the per-address throttle (handlers) bounds
// how fast anyone guesses at all.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"time"
)

// Sign-in rules.
const (
	// LockThreshold failed sign-ins within LockWindow lock the account for
	// unknown browsers (or a known browser for itself) for LockFor.
	LockThreshold = 5
	LockWindow    = 15 * time.Minute
	LockFor       = 15 * time.Minute
	// DeviceMaxAge is how long a browser stays known after it last signed in.
	DeviceMaxAge = 365 * 24 * time.Hour
	// maxDevices bounds the browsers remembered per account (oldest go first).
	maxDevices = 20
	// guessingNoticeEvery is the least time between two notices to an
	// account holder that their account is being guessed at.
	guessingNoticeEvery = 24 * time.Hour
)

// SignInFailed is the one message for every failed sign-in, so that it
// reveals nothing about which accounts exist or are locked.
const SignInFailed = "The email address or password is not right. Check them and try again. After 5 tries, wait 15 minutes before trying again."

// Outcomes of a sign-in attempt, for logs and metrics (the person sees
// SignInFailed for all but OutcomeOK).
const (
	OutcomeOK       = "ok"
	OutcomeFailed   = "failed"   // unknown email, wrong password or disabled account
	OutcomeLocked   = "locked"   // refused without checking: the account is locked for this browser
	OutcomeLockedBy = "lockedby" // a wrong password that locked the account or the browser
	// OutcomeThrottled is the per-address throttle's refusal (handlers),
	// before the store is asked.
	OutcomeThrottled = "throttled"
)

// SignInAttempt is what a sign-in form submits, with who submits it.
type SignInAttempt struct {
	Email    string
	Password string
	// Device is the token of the browser's device cookie (its signature
	// already checked by the caller), or "".
	Device string
	Client Client
}

// SignInResult says how an attempt went.
type SignInResult struct {
	User User
	// Device is a new device token for the browser, on success: it replaces
	// the one it came with.
	Device string
	// Outcome is one of the Outcome constants.
	Outcome string
	// Account is the AccountTag of the email entered, for the log.
	Account string
	// KnownBrowser: the attempt came through a live device cookie of the account.
	KnownBrowser bool
}

// SignIn checks an email and password. Every failure — unknown email, wrong
// password, locked, disabled — is the same EUNAUTHORIZED error, and the
// result says which it was (for the log). Unknown emails are checked
// against a dummy hash so that timing does not reveal accounts, and a hash
// with outdated parameters is replaced. The lock, the failure counts and
// the security log rows are decided inside one write transaction.
func (db *DB) SignIn(ctx context.Context, a SignInAttempt) (SignInResult, error) {
	fail := Errorf(EUNAUTHORIZED, SignInFailed)
	email := NormaliseEmail(a.Email)
	res := SignInResult{Outcome: OutcomeFailed, Account: db.AccountTag(email)}
	ev := SecurityEvent{Account: res.Account, IP: a.Client.IP, Device: DeviceSummary(a.Client.UserAgent)}

	var id int64
	var phc string
	err := db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT id, password_hash FROM users WHERE email = ?`, email).Scan(&id, &phc)
	})
	if errors.Is(err, sql.ErrNoRows) {
		h, err := dummyHash(ctx)
		if err != nil {
			return res, err
		}
		if _, _, err := verifyPassword(ctx, h, a.Password); err != nil {
			return res, err
		}
		ev.Kind, ev.Detail = SecSignInFailed, "no account has this address"
		if err := db.LogSecurityEvent(ctx, ev); err != nil {
			return res, err
		}
		return res, fail
	} else if err != nil {
		return res, err
	}
	// Hash outside the write transaction: it is slow, and writes queue.
	ok, rehash, err := verifyPassword(ctx, phc, a.Password)
	if err != nil && !errors.Is(err, errBadHash) {
		return res, err
	}
	var newHash string
	if ok && rehash {
		if newHash, err = hashPassword(ctx, a.Password); err != nil {
			return res, err
		}
	}

	now := db.Now()
	ev.UserID = id
	err = db.write(ctx, func(tx *sql.Tx) error {
		var cur string
		var lockedUntil int64
		if err := tx.QueryRowContext(ctx, `SELECT password_hash, locked_until FROM users WHERE id = ?`, id).Scan(&cur, &lockedUntil); err != nil {
			return err
		}
		device, err := knownDevice(ctx, tx, id, a.Device, now)
		if err != nil {
			return err
		}
		res.KnownBrowser = device != ""
		browser := "new browser"
		if device != "" {
			browser = "known browser"
		}
		ev.Detail = browser
		if device == "" && lockedUntil > now.Unix() {
			// Not counted, so the lock is not extended by the attacker.
			res.Outcome, ev.Kind = OutcomeLocked, SecSignInLocked
			return recordSecurityEvent(ctx, tx, ev, now)
		}
		if !ok || cur != phc {
			ev.Kind, ev.Detail = SecSignInFailed, "wrong password ("+browser+")"
			if err := recordSecurityEvent(ctx, tx, ev, now); err != nil {
				return err
			}
			locked, err := recordFailure(ctx, tx, id, device, ev, now)
			if locked {
				res.Outcome = OutcomeLockedBy
			}
			return err
		}
		if res.User, err = userByID(ctx, tx, id); err != nil {
			return err
		}
		if !res.User.Active {
			ev.Kind, ev.Detail = SecSignInFailed, "account or organisation disabled"
			return recordSecurityEvent(ctx, tx, ev, now)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE user_id = ? AND device = ?`, id, device); err != nil {
			return err
		}
		if newHash != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, newHash, id); err != nil {
				return err
			}
		}
		if res.Device, err = rememberDevice(ctx, tx, id, device, now); err != nil {
			return err
		}
		res.Outcome, ev.Kind = OutcomeOK, SecSignedIn
		return recordSecurityEvent(ctx, tx, ev, now)
	})
	if err != nil {
		return res, err
	}
	if res.Outcome != OutcomeOK {
		res.User = User{}
		return res, fail
	}
	return res, nil
}

// knownDevice returns the hash of token when it is a live, unlocked device
// of the user, and "" otherwise (no cookie, someone else's, expired, or
// locked after its own failures).
func knownDevice(ctx context.Context, tx *sql.Tx, userID int64, token string, now time.Time) (string, error) {
	if token == "" {
		return "", nil
	}
	h := hashID(token)
	var ok bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM devices WHERE token_hash = ? AND user_id = ? AND created_at > ? AND locked_until <= ?)`,
		h, userID, now.Add(-DeviceMaxAge).Unix(), now.Unix()).Scan(&ok)
	if err != nil || !ok {
		return "", err
	}
	return h, nil
}

// rememberDevice issues a new device token for the user's browser,
// replacing the one it signed in with (OWASP: a fresh cookie at every
// successful sign-in, so a copied one dies when its owner next signs in),
// and forgets the account's expired and surplus devices.
func rememberDevice(ctx context.Context, tx *sql.Tx, userID int64, old string, now time.Time) (string, error) {
	token := rand.Text()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM devices WHERE token_hash = ?`, []any{old}},
		{`DELETE FROM devices WHERE user_id = ? AND created_at <= ?`, []any{userID, now.Add(-DeviceMaxAge).Unix()}},
		{`INSERT INTO devices (token_hash, user_id, created_at) VALUES (?, ?, ?)`, []any{hashID(token), userID, now.Unix()}},
		{`DELETE FROM devices WHERE user_id = ? AND token_hash NOT IN
			(SELECT token_hash FROM devices WHERE user_id = ? ORDER BY created_at DESC LIMIT ?)`, []any{userID, userID, maxDevices}},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			return "", err
		}
	}
	return token, nil
}

// recordFailure notes a failed sign-in against the device (its hash) or,
// for "", against the account for unknown browsers, and locks it when this
// is the LockThreshold-th failure within LockWindow. It reports whether it
// locked; the lock's log row names the attempt's address and browser (from
// attempt).
func recordFailure(ctx context.Context, tx *sql.Tx, userID int64, device string, attempt SecurityEvent, now time.Time) (bool, error) {
	since := now.Add(-LockWindow).Unix()
	if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE user_id = ? AND device = ? AND at <= ?`, userID, device, since); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (user_id, device, at) VALUES (?, ?, ?)`, userID, device, now.Unix()); err != nil {
		return false, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM login_failures WHERE user_id = ? AND device = ?`, userID, device).Scan(&n); err != nil {
		return false, err
	}
	if n < LockThreshold {
		return false, nil
	}
	until := now.Add(LockFor).Unix()
	if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE user_id = ? AND device = ?`, userID, device); err != nil {
		return false, err
	}
	if device != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE devices SET locked_until = ? WHERE token_hash = ?`, until, device); err != nil {
			return false, err
		}
		return true, recordSecurityEvent(ctx, tx, SecurityEvent{Kind: SecDeviceLocked, UserID: userID, IP: attempt.IP, Device: attempt.Device,
			Detail: "5 wrong passwords from a known browser: that browser is kept out for 15 minutes"}, now)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET locked_until = ? WHERE id = ?`, until, userID); err != nil {
		return false, err
	}
	if err := recordSecurityEvent(ctx, tx, SecurityEvent{Kind: SecAccountLocked, UserID: userID, IP: attempt.IP, Device: attempt.Device,
		Detail: "5 wrong passwords: new browsers are kept out for 15 minutes"}, now); err != nil {
		return false, err
	}
	return true, notifyAccountGuessed(ctx, tx, userID, now)
}

// notifyAccountGuessed tells the account holder that someone is guessing
// at their password — at most once every guessingNoticeEvery, however long
// the guessing goes on.
//
// The holder gets a message (in /messages, and by email when SMTP is
// configured); the security log records that they were told.
func notifyAccountGuessed(ctx context.Context, tx *sql.Tx, userID int64, now time.Time) error {
	var recent bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM security_events WHERE kind = ? AND user_id = ? AND at > ?)`,
		SecGuessingNotice, userID, now.Add(-guessingNoticeEvery).Unix()).Scan(&recent); err != nil || recent {
		return err
	}
	if err := recordSecurityEvent(ctx, tx, SecurityEvent{Kind: SecGuessingNotice, UserID: userID,
		Detail: "the holder is told someone is guessing (at most once a day)"}, now); err != nil {
		return err
	}
	_, err := notify(ctx, tx, Notice{At: now, To: Users(userID), Kind: MsgAccountGuessed, Subject: Subject{SubjectUser, userID},
		Path: "/account/sessions", Title: "Someone has been trying to sign in to your account", Body: GuessingNotice})
	return err
}

// GuessingNotice is what the account holder is told when their account is
// being guessed at.
const GuessingNotice = "Someone has been trying to sign in to your account with the wrong password. " +
	"For 15 minutes your account cannot be signed in to from browsers that have not signed in to it before; " +
	"you can still sign in from a browser you have used. If this was not you, ask your administrator to change your password."
