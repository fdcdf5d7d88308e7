package handlers

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"portal/store"
)

// testLog collects a server's structured log; safe for concurrent requests.
type testLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newTestServer returns the portal's handlers over a fresh temporary
// database holding the demo data set, and the database.
func newTestServer(t testing.TB) (*echo.Echo, *store.DB) {
	t.Helper()
	e, db, _ := newTestServerWith(t)
	return e, db
}

// newTestServerWith is newTestServer with changes to the configuration; it
// also returns the server's log.
func newTestServerWith(t testing.TB, configure ...func(*Config)) (*echo.Echo, *store.DB, *testLog) {
	t.Helper()
	_, e, db, logs := newTestServerFull(t, configure...)
	return e, db, logs
}

// newTestServerFull is newTestServerWith that also returns the Server.
func newTestServerFull(t testing.TB, configure ...func(*Config)) (*Server, *echo.Echo, *store.DB, *testLog) {
	t.Helper()
	store.UseTestPasswordParams() // demo accounts, if any, hash cheaply
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.LoadDemo(ctx, "portal-demo-pass"); err != nil {
		t.Fatalf("load demo data: %v", err)
	}
	logs := &testLog{}
	cfg := Config{DB: db, Logger: slog.New(slog.NewJSONHandler(logs, nil))}
	for _, f := range configure {
		f(&cfg)
	}
	// Background work stops, and is waited for, before the database closes
	// (cleanups run last registered first).
	var background sync.WaitGroup
	cfg.Background = &background
	sctx, cancel := context.WithCancel(ctx)
	t.Cleanup(func() { cancel(); background.Wait() })
	s, e, err := newServer(sctx, cfg)
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	return s, e, db, logs
}

// get serves one GET request; headers are name, value pairs.
func get(e *echo.Echo, target string, headers ...string) *httptest.ResponseRecorder {
	return serve(e, httptest.NewRequest(http.MethodGet, target, nil), headers...)
}

// serve serves req; headers are name, value pairs.
func serve(e *echo.Echo, req *http.Request, headers ...string) *httptest.ResponseRecorder {
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	return w
}

// parseHTML parses a response body as HTML.
func parseHTML(t testing.TB, body []byte) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// text is the whitespace-normalised text of a selection.
func text(s *goquery.Selection) string {
	return strings.Join(strings.Fields(s.Text()), " ")
}

// texts is the normalised text of each element of a selection.
func texts(s *goquery.Selection) []string {
	var out []string
	s.Each(func(_ int, e *goquery.Selection) { out = append(out, text(e)) })
	return out
}

// attrs is the named attribute of each element of a selection.
func attrs(s *goquery.Selection, name string) []string {
	var out []string
	s.Each(func(_ int, e *goquery.Selection) {
		v, _ := e.Attr(name)
		out = append(out, v)
	})
	return out
}

// readAll reads a body, failing the test on an error.
func readAll(t testing.TB, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return b
}

// checkErrorSummary fails the test unless doc has an error summary whose
// links each point at an element of the page, the first to wantField, and
// the title starts "Error: ".
func checkErrorSummary(t testing.TB, doc *goquery.Document, wantField, wantMessage string) {
	t.Helper()
	summary := doc.Find(`.error-summary[role="alert"]`)
	if summary.Length() != 1 {
		t.Errorf("error summary: got %d, want 1", summary.Length())
		return
	}
	links := summary.Find("a")
	if links.Length() == 0 {
		t.Errorf("error summary: got no links, want one per problem")
	}
	links.Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		id := strings.TrimPrefix(href, "#")
		if !strings.HasPrefix(href, "#") || doc.Find(`[id="`+id+`"]`).Length() != 1 {
			t.Errorf("error summary link %q (%q): got no element with that id in the page, want exactly one", href, text(a))
		}
	})
	if href, _ := links.First().Attr("href"); href != "#"+wantField {
		t.Errorf("error summary: got first link %q, want #%s", href, wantField)
	}
	if got := text(links.First()); !strings.Contains(got, wantMessage) {
		t.Errorf("error summary: got message %q, want it to say %q", got, wantMessage)
	}
	if title := text(doc.Find("title")); !strings.HasPrefix(title, "Error: ") {
		t.Errorf("title: got %q, want it to start with \"Error: \"", title)
	}
}
