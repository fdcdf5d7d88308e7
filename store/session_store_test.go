package store

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"
)

const cookieName = "portal_session"

// saveSession saves a new session holding uid and returns its cookie.
func saveSession(t *testing.T, st *SessionStore, uid int64) *http.Cookie {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	s, err := st.New(r, cookieName)
	if err != nil {
		t.Fatal(err)
	}
	s.Values[SessionUserKey] = uid
	s.Values["flash"] = "Saved"
	w := httptest.NewRecorder()
	if err := st.Save(r, w, s); err != nil {
		t.Fatal(err)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("got %d cookies, want 1", len(cs))
	}
	return cs[0]
}

// load reads the session named by cookie in a new request.
func load(st *SessionStore, c *http.Cookie) (*sessions.Session, error) {
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c)
	return st.New(r, cookieName)
}

func TestSessionStore(t *testing.T) {
	db, now := openAccountsDB(t)
	a := seedAccounts(t, db)
	ctx := context.Background()
	st, err := db.NewSessionStore(ctx, false)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("cookie holds a signed id, not the values, with safe attributes", func(t *testing.T) {
		c := saveSession(t, st, a.buyer.ID)
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
			t.Fatalf("cookie %+v: want HttpOnly, SameSite=Lax, not Secure on plain HTTP, Path=/", c)
		}
		if len(c.Value) > 200 {
			t.Fatalf("cookie value is %d bytes; it should hold only an id", len(c.Value))
		}
		s, err := load(st, c)
		if err != nil || s.IsNew || s.Values[SessionUserKey] != a.buyer.ID || s.Values["flash"] != "Saved" {
			t.Fatalf("loaded %v (new=%v) err=%v", s.Values, s.IsNew, err)
		}
		var n int
		db.w.QueryRow(`SELECT count(*) FROM sessions WHERE id_hash = ?`, s.ID).Scan(&n)
		if n != 0 {
			t.Fatal("the raw session id is stored in the table; want only its hash")
		}
	})
	t.Run("Secure whenever the store says so or the request is TLS", func(t *testing.T) {
		secure, err := db.NewSessionStore(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if c := saveSession(t, secure, a.buyer.ID); !c.Secure {
			t.Fatal("Secure store: cookie not Secure")
		}
		r := httptest.NewRequest("GET", "https://portal.example/", nil) // sets r.TLS
		s, _ := st.New(r, cookieName)
		w := httptest.NewRecorder()
		if err := st.Save(r, w, s); err != nil {
			t.Fatal(err)
		}
		if c := w.Result().Cookies()[0]; !c.Secure {
			t.Fatal("TLS request: cookie not Secure")
		}
	})
	t.Run("tampered cookie is refused", func(t *testing.T) {
		c := saveSession(t, st, a.buyer.ID)
		c.Value = strings.ToUpper(c.Value[:10]) + c.Value[10:]
		if s, err := load(st, c); err == nil || !s.IsNew {
			t.Fatalf("tampered cookie: err = %v, new = %v; want an error and a new session", err, s.IsNew)
		}
	})
	t.Run("idle for 60 minutes ends the session", func(t *testing.T) {
		c := saveSession(t, st, a.buyer.ID)
		*now = now.Add(SessionIdle - time.Second)
		if _, err := load(st, c); err != nil {
			t.Fatalf("just under idle timeout: %v", err)
		}
		*now = now.Add(SessionIdle - time.Second) // used a minute ago: still alive
		if _, err := load(st, c); err != nil {
			t.Fatalf("activity did not extend the session: %v", err)
		}
		*now = now.Add(SessionIdle)
		if _, err := load(st, c); err != ErrSessionExpired {
			t.Fatalf("after 60 idle minutes: err = %v, want ErrSessionExpired", err)
		}
	})
	t.Run("12 hours ends the session however active", func(t *testing.T) {
		c := saveSession(t, st, a.buyer.ID)
		for range 12*60/30 - 1 {
			*now = now.Add(30 * time.Minute)
			if _, err := load(st, c); err != nil {
				t.Fatalf("at %v: %v", now, err)
			}
		}
		*now = now.Add(30 * time.Minute)
		if _, err := load(st, c); err != ErrSessionExpired {
			t.Fatalf("after 12 hours: err = %v, want ErrSessionExpired", err)
		}
	})
	t.Run("purge deletes only expired rows", func(t *testing.T) {
		live := saveSession(t, st, a.buyer.ID)
		*now = now.Add(SessionIdle + time.Second)
		fresh := saveSession(t, st, a.buyer.ID)
		n, err := st.Purge(ctx)
		if err != nil || n < 1 {
			t.Fatalf("Purge = %d, %v; want at least 1", n, err)
		}
		var left int
		db.w.QueryRow(`SELECT count(*) FROM sessions WHERE expires_at <= ?`, now.Unix()).Scan(&left)
		if left != 0 {
			t.Fatalf("%d expired rows left", left)
		}
		if _, err := load(st, fresh); err != nil {
			t.Fatalf("fresh session purged: %v", err)
		}
		_ = live
	})
	t.Run("MaxAge -1 deletes the row and expires the cookie", func(t *testing.T) {
		c := saveSession(t, st, a.buyer.ID)
		s, _ := load(st, c)
		s.Options.MaxAge = -1
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/logout", nil)
		if err := st.Save(r, w, s); err != nil {
			t.Fatal(err)
		}
		if out := w.Result().Cookies()[0]; out.MaxAge >= 0 {
			t.Fatalf("cookie MaxAge %d, want negative", out.MaxAge)
		}
		if _, err := load(st, c); err != ErrSessionExpired {
			t.Fatalf("old cookie after delete: err = %v, want ErrSessionExpired", err)
		}
	})
	t.Run("disabling the user deletes their sessions", func(t *testing.T) {
		c := saveSession(t, st, a.buyer2.ID)
		if _, err := db.SetUserActive(ctx, Operator(), a.buyer2.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := load(st, c); err != ErrSessionExpired {
			t.Fatalf("err = %v, want ErrSessionExpired", err)
		}
	})
	t.Run("a request still holding an ended session cannot bring it back", func(t *testing.T) {
		c := saveSession(t, st, a.buyer.ID)
		inFlight, err := load(st, c) // loaded before sign-out
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteUserSessions(ctx, a.buyer.ID); err != nil {
			t.Fatal(err)
		}
		inFlight.Values["flash"] = "late"
		if err := st.Save(httptest.NewRequest("POST", "/", nil), httptest.NewRecorder(), inFlight); err != ErrSessionExpired {
			t.Fatalf("saving the ended session: err = %v, want ErrSessionExpired", err)
		}
		if _, err := load(st, c); err != ErrSessionExpired {
			t.Fatalf("after the late save the old cookie loads with err = %v, want ErrSessionExpired", err)
		}
	})
	t.Run("keys survive a restart", func(t *testing.T) {
		c := saveSession(t, st, a.buyer.ID)
		st2, err := db.NewSessionStore(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := load(st2, c); err != nil {
			t.Fatalf("after restart: %v", err)
		}
	})
	t.Run("rotation keeps the previous key for decoding only", func(t *testing.T) {
		c := saveSession(t, st, a.buyer.ID)
		if err := db.RotateKeys(ctx); err != nil {
			t.Fatal(err)
		}
		if err := st.ReloadKeys(ctx); err != nil {
			t.Fatal(err)
		}
		s, err := load(st, c)
		if err != nil {
			t.Fatalf("cookie signed with the previous key: %v", err)
		}
		if !st.Stale(s) {
			t.Fatal("Stale = false for a cookie signed with the previous key")
		}
		w := httptest.NewRecorder()
		if err := st.Save(httptest.NewRequest("GET", "/", nil), w, s); err != nil {
			t.Fatal(err)
		}
		resigned := w.Result().Cookies()[0]
		if resigned.Value == c.Value {
			t.Fatal("Save did not re-sign the cookie with the new key")
		}
		if err := db.RotateKeys(ctx); err != nil {
			t.Fatal(err)
		}
		if err := st.ReloadKeys(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := load(st, c); err != ErrSessionExpired {
			t.Fatalf("cookie signed two keys ago: err = %v, want ErrSessionExpired", err)
		}
		if _, err := load(st, resigned); err != nil {
			t.Fatalf("re-signed cookie: %v", err)
		}
		var n int
		db.w.QueryRow(`SELECT count(*) FROM session_keys`).Scan(&n)
		if n != 2 {
			t.Fatalf("%d keys kept, want 2", n)
		}
	})
}

func TestLoadDemoAccounts(t *testing.T) {
	db, _ := openAccountsDB(t)
	ctx := context.Background()
	if _, err := db.w.Exec(`INSERT INTO suppliers (slug, name) VALUES (?, 'Virgin Media O2 Business')`, DemoSupplierVMO2B); err != nil {
		t.Fatal(err)
	}
	hash, err := hashPassword(ctx, DemoPasswordDefault)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.write(ctx, func(tx *sql.Tx) error { return loadDemoAccounts(ctx, tx, hash) }); err != nil {
		t.Fatal(err)
	}
	for _, a := range DemoAccounts {
		u, err := signIn(db, a.Email, DemoPasswordDefault)
		if err != nil {
			t.Fatalf("%s: %v", a.Email, err)
		}
		if u.Role != a.Role || u.OrgName != a.Org {
			t.Errorf("%s: role %s org %s, want %s %s", a.Email, u.Role, u.OrgName, a.Role, a.Org)
		}
		if a.Role == RoleSupplier && u.SupplierSlug != DemoSupplierVMO2B {
			t.Errorf("%s: supplier %q, want %s", a.Email, u.SupplierSlug, DemoSupplierVMO2B)
		}
	}
	orgs, _ := db.Organisations(ctx, Operator())
	want := map[string]string{
		"Northshire County Council":  OrgCountyCouncil,
		"Eastbridge Borough Council": OrgDistrictCouncil,
		"Crown Commercial Service":   OrgCCS,
		"Virgin Media O2 Business":   OrgSupplier,
	}
	for _, o := range orgs {
		if want[o.Name] == o.Type && o.Identifier != "" {
			delete(want, o.Name)
		}
	}
	if len(want) != 0 {
		t.Fatalf("missing or mistyped demo organisations: %v", want)
	}
}
