package handlers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"portal/handlers"
	"portal/store"
)

// BenchmarkCataloguePage times GET /offerings through the whole handler
// stack (middleware, page cache, search, templ render, gzip) on the demo
// catalogue plus 3 000 synthetic offerings, as an anonymous browser:
//
//   - cache-hit: the page is served whole from the page cache;
//   - cache-miss: a new URL each time, so the page is rendered and
//     gzipped (the search result itself is cached);
//   - uncached: as cache-miss, with the search caches cleared too.
func BenchmarkCataloguePage(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.LoadDemo(ctx, "bench-password"); err != nil {
		b.Fatal(err)
	}
	if _, err := db.SeedOfferings(ctx, 3000, 1); err != nil {
		b.Fatal(err)
	}
	e, err := handlers.New(ctx, handlers.Config{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	get := func(b *testing.B, url string) int {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
			b.Fatalf("GET %s: status %d, Content-Encoding %q", url, rec.Code, rec.Header().Get("Content-Encoding"))
		}
		return rec.Body.Len()
	}
	for _, page := range []string{"/offerings?q=" + store.SeedCommonTerm, "/offerings"} {
		name := "query"
		if page == "/offerings" {
			name = "all"
		}
		sep := "?"
		if page != "/offerings" {
			sep = "&"
		}
		b.Run(name+"/cache-hit", func(b *testing.B) {
			size := get(b, page)
			for b.Loop() {
				get(b, page)
			}
			b.ReportMetric(float64(size), "gzip-bytes")
		})
		b.Run(name+"/cache-miss", func(b *testing.B) {
			n := 0
			for b.Loop() {
				n++
				get(b, fmt.Sprintf("%s%sbench=%d", page, sep, n))
			}
		})
		b.Run(name+"/uncached", func(b *testing.B) {
			n := 0
			for b.Loop() {
				n++
				db.ResetSearchCache()
				get(b, fmt.Sprintf("%s%sbench=%d", page, sep, n))
			}
		})
	}
}
