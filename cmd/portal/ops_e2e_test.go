package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/store"
)

// checkJSONLog fails the test unless every line of a server's standard error
// is one JSON object with a level and a message, and returns the lines.
func checkJSONLog(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil || m["level"] == nil || m["msg"] == nil {
			t.Errorf("log line is not a structured record: %q", sc.Text())
			continue
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		t.Fatal("the server logged nothing, so this test proves nothing")
	}
	return out
}

// TestServerLogIsJSON: everything `portal serve` writes to standard error is
// structured, including the answers to bad requests and a forged sign-in.
func TestServerLogIsJSON(t *testing.T) {
	p, err := launchPortal(filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/no-such-page", "/login", "/offerings?page=-1"} {
		resp, err := http.Get(p.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.PostForm(p.url+"/login", url.Values{"_csrf": {"forged"}, "email": {"x@example.gov.uk"}, "password": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged sign-in: status %d, want 403", resp.StatusCode)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	lines := checkJSONLog(t, p.stderr.String())
	if last := lines[len(lines)-1]["msg"]; last != "stopped" {
		t.Errorf("last log line %q, want \"stopped\"", last)
	}
}

// TestAccountScreenshots saves the pages issue 14 adds (one's sign-ins, the
// security log and its error state, an error page with its reference) at
// 1280 and 390 px for people to look at; it runs only when
// PORTAL_SCREENSHOTS names a directory.
func TestAccountScreenshots(t *testing.T) {
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		t.Skip("set PORTAL_SCREENSHOTS=dir to save screenshots")
	}
	s := startAccountsServer(t)
	// Some history for the log: a failure for an address with no account,
	// and a locked account.
	c := e2eClient(t)
	_, body := e2eGet(t, c, s.url+"/login")
	tok := formToken(t, body, "/login")
	e2ePost(t, c, s.url+"/login", url.Values{"_csrf": {tok}, "email": {"ghost@nowhere.example"}, "password": {"anything at all"}})
	for range store.LockThreshold {
		e2ePost(t, c, s.url+"/login", url.Values{"_csrf": {tok}, "email": {"buyer@e2e.example"}, "password": {"wrong password!"}})
	}
	e2ePost(t, c, s.url+"/login", url.Values{"_csrf": {tok}, "email": {"admin@e2e.example"}, "password": {e2ePassword}})

	ctx := requireBrowser(t)
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx,
		chromedp.Navigate(s.url+"/login"),
		chromedp.SendKeys(chromedp.CSS(`#email`), "admin@e2e.example"),
		chromedp.SendKeys(chromedp.CSS(`#password`), e2ePassword),
		chromedp.Click(chromedp.CSS(`main form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.header__who`)),
	); err != nil {
		t.Fatalf("sign in in the browser: %v", err)
	}
	for name, path := range map[string]string{
		"sessions": "/account/sessions", "security": "/admin/security", "security-error": "/admin/security?from=2026-02-30",
		"not-found": "/no-such-page",
	} {
		for _, width := range []int64{1280, 390} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.url+path)); err != nil {
				t.Fatal(err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, width)), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
