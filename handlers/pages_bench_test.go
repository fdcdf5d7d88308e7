package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"portal/handlers"
	"portal/store"
)

// BenchmarkPublicPages times each public page type through the whole
// handler stack on the demo catalogue plus 3 000 synthetic offerings, as an
// anonymous browser with gzip:
//
//   - hit: answered from the response cache;
//   - miss: rendered every time (a cache too small to hold a page), which is
//     what a page costs after a catalogue change;
//   - uncached (catalogue pages): a miss with the store's search caches
//     cleared too, as for a search nobody has made before;
//   - 304: a revalidation with the current ETag.
//
// Profile a miss with, for example:
//
//	go test ./handlers -run '^$' -bench 'PublicPages/offering/miss' -cpuprofile cpu.out
//	go tool pprof -top handlers.test cpu.out
func BenchmarkPublicPages(b *testing.B) {
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
	server := func(cacheBytes int64) *echo.Echo {
		e, err := handlers.New(ctx, handlers.Config{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			PageCache: handlers.NewPageCache(cacheBytes)})
		if err != nil {
			b.Fatal(err)
		}
		return e
	}
	cached, uncached := server(handlers.DefaultPageCacheBytes), server(1)
	get := func(b *testing.B, e *echo.Echo, url, inm string, want int) {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != want {
			b.Fatalf("GET %s: status %d, want %d", url, rec.Code, want)
		}
	}
	for _, page := range []struct{ name, url string }{
		{"home", "/"},
		{"catalogue", "/offerings"},
		{"search", "/offerings?q=" + store.SeedCommonTerm},
		{"offering", "/offerings/ethernet-1gbps-leased-line"},
		{"compare", "/compare?id=ethernet-1gbps-leased-line&id=ffc-ethernet-1gbps-leased-line&id=business-full-fibre-500"},
		{"agreement", "/agreements/" + store.DemoAgreementMoU},
		{"help", "/help/cookies"},
		{"savings", "/transparency/savings"},
	} {
		b.Run(page.name+"/hit", func(b *testing.B) {
			get(b, cached, page.url, "", http.StatusOK)
			for b.Loop() {
				get(b, cached, page.url, "", http.StatusOK)
			}
		})
		b.Run(page.name+"/miss", func(b *testing.B) {
			get(b, uncached, page.url, "", http.StatusOK)
			for b.Loop() {
				get(b, uncached, page.url, "", http.StatusOK)
			}
		})
		if strings.HasPrefix(page.url, "/offerings?") || page.url == "/offerings" {
			b.Run(page.name+"/uncached", func(b *testing.B) {
				for b.Loop() {
					db.ResetSearchCache()
					get(b, uncached, page.url, "", http.StatusOK)
				}
			})
		}
		b.Run(page.name+"/304", func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, page.url, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			rec := httptest.NewRecorder()
			cached.ServeHTTP(rec, req)
			tag := rec.Header().Get("ETag")
			for b.Loop() {
				get(b, cached, page.url, tag, http.StatusNotModified)
			}
		})
	}
}
