package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/store"
)

// reviewBenchBaskets is the size of the queue the review benchmark serves.
const reviewBenchBaskets = 10_000

// benchDB is one scale database that benchmarks build once per process.
type benchDB struct {
	once sync.Once
	path string
	err  error
}

// benchDBs holds the benchDBs by name.
var benchDBs sync.Map

// benchDatabase returns a database with the demo data and what seed adds
// (what `portal serve -demo` then `portal seed …` give), built once per
// process and kept in the system temp directory between runs under a name
// made of name and the schema version, so a migration rebuilds it.
// Benchmarks copy it before use.
func benchDatabase(b *testing.B, name string, seed func(context.Context, *store.DB) error) string {
	b.Helper()
	v, _ := benchDBs.LoadOrStore(name, &benchDB{})
	d := v.(*benchDB)
	d.once.Do(func() {
		ctx := context.Background()
		probe, err := store.Open(ctx, filepath.Join(b.TempDir(), "probe.db"))
		if err != nil {
			d.err = err
			return
		}
		schema, _ := probe.SchemaVersion(ctx)
		probe.Close()
		path := filepath.Join(os.TempDir(), fmt.Sprintf("portal-bench-%s-s%d.db", name, schema))
		if _, err := os.Stat(path); err == nil {
			d.path = path
			return
		}
		b.Logf("building %s in %s (kept for later runs)…", name, path)
		tmp := path + ".building"
		os.Remove(tmp)
		db, err := store.Open(ctx, tmp)
		if err != nil {
			d.err = err
			return
		}
		start := time.Now()
		_, err = db.LoadDemo(ctx, store.DemoPasswordDefault)
		if err == nil {
			err = seed(ctx, db)
		}
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			d.err = err
			return
		}
		b.Logf("built in %s", time.Since(start).Round(100*time.Millisecond))
		d.path, d.err = path, os.Rename(tmp, path)
	})
	if d.err != nil {
		b.Fatal(d.err)
	}
	return d.path
}

// BenchmarkReviewQueue serves the review queue over real HTTP on loopback to
// a signed-in reviewer, with 10,000 baskets awaiting a decision, rotating
// over the default page, sorting by value, each filter and deep pages; it
// reports the latency percentiles (target: p95 under 50 ms).
func BenchmarkReviewQueue(b *testing.B) {
	store.UseTestPasswordParams()
	src := benchDatabase(b, fmt.Sprintf("review-%d", reviewBenchBaskets), func(ctx context.Context, db *store.DB) error {
		_, err := db.SeedSubmittedBaskets(ctx, reviewBenchBaskets, 1)
		return err
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A copy per run: the portal writes sessions into its database.
	path := filepath.Join(b.TempDir(), "portal.db")
	data, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	e, err := New(ctx, Config{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LoginBurst: 1000})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(body)
	}
	_, login := get("/login")
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(login)
	if m == nil {
		b.Fatal("no CSRF token on /login")
	}
	resp, err := client.PostForm(srv.URL+"/login", url.Values{"_csrf": {m[1]}, "email": {"reviewer@ccs.example"}, "password": {store.DemoPasswordDefault}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: %v %v", err, resp)
	}
	resp.Body.Close()
	if code, body := get("/review"); code != http.StatusOK || !strings.Contains(body, "10,000 items") {
		b.Fatalf("queue: %d, want 10,000 items listed:\n%.300s", code, body)
	}
	paths := []string{"/review", "/review?sort=value", "/review?band=under-30k", "/review?band=30k-100k&sort=value",
		"/review?band=100k-plus", "/review?awaiting=second", "/review?agreement=" + store.DemoAgreementMoU + "&kind=basket",
		"/review?page=2", "/review?page=200", "/review?page=400&sort=value"}

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
