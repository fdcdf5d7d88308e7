package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
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
