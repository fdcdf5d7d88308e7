package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// Session lifetimes (issue 3).
const (
	SessionIdle     = 60 * time.Minute
	SessionAbsolute = 12 * time.Hour
	// sessionTouchEvery limits the writes that keep a session alive.
	sessionTouchEvery = time.Minute
)

// ErrSessionExpired is returned by SessionStore.New when the cookie names a
// session that has ended or never existed.
var ErrSessionExpired = errors.New("session expired or unknown")

// SessionStore is a gorilla sessions.Store backed by the sessions table. The
// cookie holds only a random id signed with a key kept in the database; the
// values, the idle and absolute expiry live on the server, so deleting a row
// ends the session whatever the browser still holds.
type SessionStore struct {
	db *DB
	// Options is the template for each session's cookie options.
	Options *sessions.Options
	// Secure marks every cookie Secure (TLS terminated in front of us);
	// otherwise only cookies set in answer to a TLS request are.
	Secure bool
	// ClientOf tells who sent a request (the address as the server's IP
	// extractor sees it), so each session records where it was last seen.
	ClientOf func(*http.Request) Client

	mu     sync.RWMutex
	codecs []securecookie.Codec // newest first
	keys   [][]byte             // the codecs' hash keys, newest first
}

type staleKey struct{}

// NewSessionStore returns a store for db, creating the signing key on first use.
func (db *DB) NewSessionStore(ctx context.Context, secure bool) (*SessionStore, error) {
	st := &SessionStore{
		db:     db,
		Secure: secure,
		Options: &sessions.Options{
			Path:     "/",
			MaxAge:   int(SessionAbsolute / time.Second),
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
		},
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM session_keys`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		return insertSessionKey(ctx, tx, db.Now())
	})
	if err != nil {
		return nil, err
	}
	return st, st.ReloadKeys(ctx)
}

func insertSessionKey(ctx context.Context, tx *sql.Tx, now time.Time) error {
	key := securecookie.GenerateRandomKey(64)
	if key == nil {
		return errors.New("session key: no randomness")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO session_keys (hash_key, created_at) VALUES (?, ?)`, key, now.UTC().Format(time.RFC3339))
	return err
}

// RotateKeys adds a new session signing key. The previous key still verifies
// cookies until the next rotation; older keys are deleted. Running servers
// pick the new key up at their next ReloadKeys.
func (db *DB) RotateKeys(ctx context.Context) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := insertSessionKey(ctx, tx, db.Now()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM session_keys WHERE id NOT IN (SELECT id FROM session_keys ORDER BY id DESC LIMIT 2)`)
		return err
	})
}

// ReloadKeys reads the signing keys from the database.
func (st *SessionStore) ReloadKeys(ctx context.Context) error {
	var codecs []securecookie.Codec
	var keys [][]byte
	err := st.db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, hash_key FROM session_keys ORDER BY id DESC LIMIT 2`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var key []byte
			if err := rows.Scan(&id, &key); err != nil {
				return err
			}
			sc := securecookie.New(key, nil)
			sc.MaxAge(int(SessionAbsolute / time.Second))
			codecs = append(codecs, sc)
			keys = append(keys, key)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	if len(codecs) == 0 {
		return errors.New("session keys missing")
	}
	st.mu.Lock()
	st.codecs, st.keys = codecs, keys
	st.mu.Unlock()
	return nil
}

// Sign returns value signed (not encrypted) with the current session key and
// stamped with the time, for a cookie called name: the name is part of the
// signature, so a value signed for one cookie is worthless in another.
func (st *SessionStore) Sign(name, value string) (string, error) {
	st.mu.RLock()
	key := st.keys[0]
	st.mu.RUnlock()
	return securecookie.New(key, nil).Encode(name, value)
}

// Verify returns the value of a cookie made by Sign for name, if its
// signature holds under the current or previous session key and it is at
// most maxAge old.
func (st *SessionStore) Verify(name, signed string, maxAge time.Duration) (string, bool) {
	st.mu.RLock()
	keys := st.keys
	st.mu.RUnlock()
	for _, key := range keys {
		sc := securecookie.New(key, nil)
		sc.MaxAge(int(maxAge / time.Second))
		var v string
		if sc.Decode(name, signed, &v) == nil {
			return v, true
		}
	}
	return "", false
}

func (st *SessionStore) getCodecs() []securecookie.Codec {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.codecs
}

// Get returns the named session, cached for the request (gorilla's registry).
func (st *SessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(st, name)
}

// New loads the session named by the request's cookie, or returns a new empty
// session (IsNew) and an error saying why the cookie was not usable.
func (st *SessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	s := sessions.NewSession(st, name)
	opts := *st.Options
	s.Options = &opts
	s.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return s, nil
	}
	codecs := st.getCodecs()
	var id string
	used := -1
	for i, codec := range codecs {
		if codec.Decode(name, c.Value, &id) == nil {
			used = i
			break
		}
	}
	if used < 0 {
		return s, ErrSessionExpired
	}
	ctx := r.Context()
	now := st.db.Now().Unix()
	var data []byte
	var seen, expires int64
	err = st.db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT data, seen_at, expires_at FROM sessions WHERE id_hash = ?`, hashID(id)).Scan(&data, &seen, &expires)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return s, ErrSessionExpired
	} else if err != nil {
		return s, err
	}
	if expires <= now {
		return s, ErrSessionExpired
	}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&s.Values); err != nil {
		return s, ErrSessionExpired
	}
	s.ID, s.IsNew = id, false
	if used > 0 {
		s.Values[staleKey{}] = true // signed with the previous key: re-sign at Save
	}
	if now-seen >= int64(sessionTouchEvery/time.Second) {
		cl := st.clientOf(r)
		err := st.db.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET seen_at = ?, ip = ?, user_agent = ?,
				expires_at = min(? + ?, created_at + ?) WHERE id_hash = ?`,
				now, cl.IP, cl.UserAgent, now, int64(SessionIdle/time.Second), int64(SessionAbsolute/time.Second), hashID(id))
			return err
		})
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// Stale reports whether the session's cookie was signed with the previous
// key, so that saving it would re-sign it with the current one.
func (st *SessionStore) Stale(s *sessions.Session) bool {
	_, ok := s.Values[staleKey{}]
	return ok
}

// Save writes the session row and its cookie; a negative MaxAge deletes both.
// A session without an id gets a fresh random one (which is how sign-in
// avoids session fixation: it saves a new session).
func (st *SessionStore) Save(r *http.Request, w http.ResponseWriter, s *sessions.Session) error {
	ctx := r.Context()
	opts := *s.Options
	opts.Secure = st.Secure || r.TLS != nil
	delete(s.Values, staleKey{})
	if opts.MaxAge < 0 {
		if s.ID != "" {
			err := st.db.write(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, hashID(s.ID))
				return err
			})
			if err != nil {
				return err
			}
		}
		http.SetCookie(w, sessions.NewCookie(s.Name(), "", &opts))
		return nil
	}
	isNew := s.ID == ""
	if isNew {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		s.ID = base64.RawURLEncoding.EncodeToString(b)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(s.Values); err != nil {
		return err
	}
	var uid sql.NullInt64
	if id, ok := s.Values[SessionUserKey].(int64); ok {
		uid = sql.NullInt64{Int64: id, Valid: true}
	}
	now := st.db.Now().Unix()
	err := st.db.write(ctx, func(tx *sql.Tx) error {
		if isNew {
			cl := st.clientOf(r)
			_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, data, created_at, seen_at, expires_at, ip, user_agent)
				VALUES (?1, ?2, ?3, ?4, ?4, ?4 + ?5, ?6, ?7)`,
				hashID(s.ID), uid, buf.Bytes(), now, int64(SessionIdle/time.Second), cl.IP, cl.UserAgent)
			return err
		}
		// An existing session is only ever updated: a request that loaded it
		// before sign-out (or a password change) must not bring it back.
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET user_id = ?2, data = ?3, seen_at = ?4,
				expires_at = min(?4 + ?5, created_at + ?6) WHERE id_hash = ?1 AND expires_at > ?4`,
			hashID(s.ID), uid, buf.Bytes(), now, int64(SessionIdle/time.Second), int64(SessionAbsolute/time.Second))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrSessionExpired
		}
		return nil
	})
	if err != nil {
		return err
	}
	encoded, err := securecookie.EncodeMulti(s.Name(), s.ID, st.getCodecs()[0])
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(s.Name(), encoded, &opts))
	return nil
}

// clientOf returns who sent r, by ClientOf or, without it, the TCP peer,
// with the User-Agent cut to maxUserAgent bytes.
func (st *SessionStore) clientOf(r *http.Request) Client {
	var cl Client
	if st.ClientOf != nil {
		cl = st.ClientOf(r)
	} else {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		cl = Client{IP: host, UserAgent: r.UserAgent()}
	}
	if len(cl.UserAgent) > maxUserAgent {
		cl.UserAgent = strings.ToValidUTF8(cl.UserAgent[:maxUserAgent], "")
	}
	return cl
}

// maxUserAgent bounds the User-Agent kept with a session.
const maxUserAgent = 512

// SessionUserKey is the session value holding the signed-in user's id (int64).
const SessionUserKey = "uid"

// Purge deletes expired sessions and returns how many it deleted.
func (st *SessionStore) Purge(ctx context.Context) (int64, error) {
	var n int64
	err := st.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, st.db.Now().Unix())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// DeleteUserSessions ends every session of a user.
func (st *SessionStore) DeleteUserSessions(ctx context.Context, userID int64) error {
	return st.db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
		return err
	})
}

func hashID(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// Fresh returns an empty session that gets a new random id when saved,
// whatever cookie the request carries: sign-in saves one, so an id planted
// before sign-in is never promoted (no session fixation).
func (st *SessionStore) Fresh(name string) *sessions.Session {
	s := sessions.NewSession(st, name)
	opts := *st.Options
	s.Options = &opts
	s.IsNew = true
	return s
}

// Delete removes a session's row, leaving the cookie alone.
func (st *SessionStore) Delete(ctx context.Context, s *sessions.Session) error {
	if s.ID == "" {
		return nil
	}
	return st.db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, hashID(s.ID))
		return err
	})
}

// SessionInfo is one of a person's active sign-ins, for GET /account/sessions.
type SessionInfo struct {
	Device   string // DeviceSummary of its User-Agent
	IP       string
	Started  time.Time
	LastSeen time.Time
	Current  bool // the session of the request asking
}

// UserSessions lists u's active sessions, the current one (current's) first,
// then by last seen, newest first.
func (st *SessionStore) UserSessions(ctx context.Context, u *User, current *sessions.Session) ([]SessionInfo, error) {
	if u == nil {
		return nil, Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	cur := ""
	if current != nil && current.ID != "" {
		cur = hashID(current.ID)
	}
	var out []SessionInfo
	err := st.db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id_hash = ?, user_agent, ip, created_at, seen_at FROM sessions
			WHERE user_id = ? AND expires_at > ? ORDER BY id_hash = ? DESC, seen_at DESC, created_at DESC`,
			cur, u.ID, st.db.Now().Unix(), cur)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var si SessionInfo
			var ua string
			var created, seen int64
			if err := rows.Scan(&si.Current, &ua, &si.IP, &created, &seen); err != nil {
				return err
			}
			si.Device, si.Started, si.LastSeen = DeviceSummary(ua), time.Unix(created, 0), time.Unix(seen, 0)
			out = append(out, si)
		}
		return rows.Err()
	})
	return out, err
}

// EndOtherSessions signs u out everywhere but the current session, records
// it in the security log, and returns how many sessions it ended.
func (st *SessionStore) EndOtherSessions(ctx context.Context, u *User, current *sessions.Session, cl Client) (int64, error) {
	if u == nil || current == nil || current.ID == "" {
		return 0, Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	var n int64
	err := st.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?`, u.ID, hashID(current.ID))
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		return recordSecurityEvent(ctx, tx, SecurityEvent{Kind: SecSessionsEnded, UserID: u.ID, IP: cl.IP, Device: DeviceSummary(cl.UserAgent),
			Detail: fmt.Sprintf("%d other sessions ended by the account holder", n)}, st.db.Now())
	})
	return n, err
}
