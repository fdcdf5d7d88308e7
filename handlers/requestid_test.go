package handlers

import (
	"bufio"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"portal/store"
)

// logLines parses a server's log: every line must be one JSON object.
func logLines(t *testing.T, logs *testLog) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func TestRequestIDs(t *testing.T) {
	_, proxies, _ := net.ParseCIDR("10.1.0.0/16")
	env := newAuthEnv(t, func(c *Config) { c.TrustedProxies = []*net.IPNet{proxies} })
	env.e.GET("/test/fail", func(c echo.Context) error { return errors.New("the database is on fire") })

	t.Run("every answer carries a fresh id", func(t *testing.T) {
		a := env.client().do("GET", "/offerings", nil).Header().Get(echo.HeaderXRequestID)
		b := env.client().do("GET", "/offerings", nil).Header().Get(echo.HeaderXRequestID)
		if len(a) != 16 || len(b) != 16 || a == b {
			t.Fatalf("ids %q and %q, want two different 16-digit ids", a, b)
		}
	})
	t.Run("a 500 shows the id to quote and logs it with the error", func(t *testing.T) {
		w := env.client().do("GET", "/test/fail", nil)
		id := w.Header().Get(echo.HeaderXRequestID)
		if w.Code != http.StatusInternalServerError {
			t.Fatalf("status %d, want 500", w.Code)
		}
		if got := text(authDoc(t, w).Find("main code.reference")); got != id {
			t.Fatalf("error page quotes reference %q, want the request id %q", got, id)
		}
		if strings.Contains(w.Body.String(), "on fire") {
			t.Fatal("the internal error reached the page")
		}
		var found bool
		for _, l := range logLines(t, env.logs) {
			if l["msg"] == "request failed" && l["request_id"] == id && strings.Contains(l["err"].(string), "on fire") && l["level"] == "ERROR" {
				found = true
			}
		}
		if !found {
			t.Fatalf("no ERROR line with request_id %s and the error:\n%s", id, env.logs)
		}
	})
	t.Run("a 404 page quotes its id too", func(t *testing.T) {
		w := env.client().do("GET", "/no-such-page", nil)
		if got := text(authDoc(t, w).Find("main code.reference")); got == "" || got != w.Header().Get(echo.HeaderXRequestID) {
			t.Fatalf("404 page reference %q, header %q", got, w.Header().Get(echo.HeaderXRequestID))
		}
	})
	t.Run("sign-in log lines carry the id", func(t *testing.T) {
		cl := env.client()
		cl.do("GET", "/login", nil)
		w := cl.do("POST", "/login", url.Values{"email": {env.users["buyer"].Email}, "password": {testPassword}})
		id := w.Header().Get(echo.HeaderXRequestID)
		var found bool
		for _, l := range logLines(t, env.logs) {
			if l["msg"] == "signed in" && l["request_id"] == id {
				found = true
			}
		}
		if !found {
			t.Fatalf("no 'signed in' line with request_id %s:\n%s", id, env.logs)
		}
	})
	tests := []struct {
		name, peer, header, want string
	}{
		{"taken from a trusted proxy", "10.1.2.3", "proxy-abc.123", "proxy-abc.123"},
		{"ignored from anyone else", "192.0.2.9", "forged-by-client", ""},
		{"ignored from a trusted proxy when it could carry markup", "10.1.2.3", "<script>", ""},
		{"ignored from a trusted proxy when too long", "10.1.2.3", strings.Repeat("a", 65), ""},
	}
	for _, tt := range tests {
		t.Run("X-Request-Id "+tt.name, func(t *testing.T) {
			cl := env.client()
			cl.peer = tt.peer
			cl.header.Set(echo.HeaderXRequestID, tt.header)
			got := cl.do("GET", "/no-such-page", nil).Header().Get(echo.HeaderXRequestID)
			if tt.want != "" && got != tt.want {
				t.Fatalf("id %q, want %q", got, tt.want)
			}
			if tt.want == "" && (got == tt.header || len(got) != 16) {
				t.Fatalf("id %q, want a fresh one instead of %q", got, tt.header)
			}
		})
	}
}

// TestFlashAfterSignOutIsRoutine: a request that saves its flash after the
// session was ended (a sign-out in another tab) logs no error, and every
// log line is JSON (issue 14: 19 plain-text ERROR lines from such races).
func TestFlashAfterSignOutIsRoutine(t *testing.T) {
	env := newAuthEnv(t)
	cl := env.client()
	cl.signIn("buyer")
	uid := env.users["buyer"].ID
	// The route ends the session between loading it and saving the flash,
	// as a sign-out (or an admin disabling the account) racing this request
	// does.
	env.e.POST("/test/race", func(c echo.Context) error {
		if _, err := env.db.SetUserActive(c.Request().Context(), store.Operator(), uid, false); err != nil {
			return err
		}
		setFlash(c, "Saved")
		return c.NoContent(http.StatusNoContent)
	})
	if w := cl.do("POST", "/test/race", url.Values{}); w.Code != http.StatusNoContent {
		t.Fatalf("status %d, want 204\n%s", w.Code, w.Body)
	}
	lines := logLines(t, env.logs)
	var debug bool
	for _, l := range lines {
		if l["level"] == "ERROR" || l["level"] == "WARN" {
			t.Errorf("log line at %s: %v", l["level"], l)
		}
		if l["msg"] == "flash not saved: the session ended during the request" && l["request_id"] != nil {
			debug = true
		}
	}
	if !debug {
		t.Fatalf("no DEBUG line for the lost flash, so this test proves nothing:\n%s", env.logs)
	}
}
