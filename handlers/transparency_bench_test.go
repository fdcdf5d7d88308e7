package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"portal/store"
)

// transparencyBenchAwards is the size of the register the transparency
// benchmarks serve (issue 11: 100 000 approved quotes).
const transparencyBenchAwards = 100_000

// transparencyBenchServer serves a copy of the benchmark database over
// loopback HTTP.
func transparencyBenchServer(b *testing.B) *httptest.Server {
	b.Helper()
	store.UseTestPasswordParams()
	src := benchDatabase(b, fmt.Sprintf("awards-%d", transparencyBenchAwards), func(ctx context.Context, db *store.DB) error {
		_, err := db.SeedApprovedQuotes(ctx, transparencyBenchAwards, 1)
		return err
	})
	path := filepath.Join(b.TempDir(), "portal.db")
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	out, err := os.Create(path)
	if err == nil {
		_, err = io.Copy(out, in)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}
	in.Close()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	e, err := New(ctx, Config{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), PublicURL: "https://buy.example.gov.uk", OCIDPrefix: "ocds-bench1"})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkRegister serves the transparency register with 100 000 approved
// quotes, rendered every time (each request carries a cookie named like
// the session's, so the response cache never answers: the worst case, a
// visitor's first view of each URL), rotating over the default page, each
// filter, sorting by value and deep pages; it reports the latency
// percentiles (target: p95 under 50 ms).
func BenchmarkRegister(b *testing.B) {
	srv := transparencyBenchServer(b)
	client := &http.Client{}
	get := func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Cookie", sessionCookie+"=none")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(body)
	}
	if code, body := get("/transparency"); code != http.StatusOK || !strings.Contains(body, "100,003 approved awards") {
		b.Fatalf("register: %d, want 100,003 awards listed:\n%.300s", code, body)
	}
	now := time.Now()
	paths := []string{"/transparency", "/transparency?sort=value", "/transparency?band=under-30k", "/transparency?band=30k-100k&sort=value",
		"/transparency?band=100k-plus", "/transparency?organisation=GB-SEED-0007", "/transparency?agreement=" + store.DemoAgreementMoU,
		"/transparency?from=" + now.AddDate(0, -3, 0).Format(time.DateOnly) + "&to=" + now.AddDate(0, -2, 0).Format(time.DateOnly),
		"/transparency?page=2", "/transparency?page=1000", "/transparency?page=2000&sort=value",
		"/transparency?organisation=GB-SEED-0012&band=under-30k&page=3"}
	latencies := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if code, _ := get(paths[i%len(paths)]); code != http.StatusOK {
			b.Fatalf("%s: %d", paths[i%len(paths)], code)
		}
		latencies = append(latencies, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(latencies)
	at := func(q float64) float64 {
		return float64(latencies[min(len(latencies)-1, int(q*float64(len(latencies))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(0, "ns/op") // the percentiles are the figures
}

// rssBytes is the process's resident set size (Linux), 0 elsewhere.
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// BenchmarkExportMemory downloads the whole CSV and OCDS exports of 100 000
// approved quotes and reports the peak memory while streaming each, above
// the idle level measured just before: the Go heap in use and the process's
// resident set (which includes SQLite's own allocations). Target: flat,
// under 50 MB above idle.
func BenchmarkExportMemory(b *testing.B) {
	srv := transparencyBenchServer(b)
	for _, export := range []string{"awards.csv", "ocds.json"} {
		b.Run(export, func(b *testing.B) {
			var bytesRead int64
			var peakHeap, peakRSS int64
			for range b.N {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				idleHeap, idleRSS := int64(ms.HeapInuse), rssBytes()
				var heap, rss atomic.Int64
				stop := make(chan struct{})
				done := make(chan struct{})
				go func() {
					defer close(done)
					t := time.NewTicker(20 * time.Millisecond)
					defer t.Stop()
					for {
						var ms runtime.MemStats
						runtime.ReadMemStats(&ms)
						heap.Store(max(heap.Load(), int64(ms.HeapInuse)-idleHeap))
						rss.Store(max(rss.Load(), rssBytes()-idleRSS))
						select {
						case <-stop:
							return
						case <-t.C:
						}
					}
				}()
				resp, err := http.Get(srv.URL + "/transparency/" + export)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				close(stop)
				<-done
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d %v", export, resp.StatusCode, err)
				}
				bytesRead = n
				peakHeap, peakRSS = max(peakHeap, heap.Load()), max(peakRSS, rss.Load())
			}
			b.ReportMetric(float64(bytesRead)/(1<<20), "MB-body")
			b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(peakRSS)/(1<<20), "peak-rss-MB")
		})
	}
}
