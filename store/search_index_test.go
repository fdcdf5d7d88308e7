package store

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// holdIndexBuilds makes every search index build wait, at its start, until
// the returned release is called; started receives (without blocking the
// build) each time one begins.
func holdIndexBuilds(t *testing.T, db *DB) (started <-chan struct{}, release func()) {
	t.Helper()
	s, r := make(chan struct{}, 1), make(chan struct{})
	db.SetSearchIndexHook(func() {
		select {
		case s <- struct{}{}:
		default:
		}
		<-r
	})
	var once sync.Once
	release = func() { once.Do(func() { close(r) }) }
	t.Cleanup(func() {
		release()
		db.SetSearchIndexHook(nil)
	})
	return s, release
}

// within fails the test if ch does not deliver before a generous deadline:
// a failure detector for what would otherwise hang, not synchronisation.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s: never happened", what)
		panic("unreachable")
	}
}

// TestIndexRebuildDoesNotStallSearch holds a rebuild of the search index
// open while 200 single-offering edits arrive and searches are made: every
// search is answered at once, from the previous index, and once the
// rebuild is let go at most two rebuilds have followed the edits, and the
// new data is searchable.
func TestIndexRebuildDoesNotStallSearch(t *testing.T) {
	db, ctx := openFixtureDB(t)
	// Offerings at most £10 a month (MoU price), cheapest first: the IoT
	// SIM (£2.55) among them, until the edits below raise its price.
	cheap := SearchParams{MaxMonthly: 1000, Sort: SortPriceAsc, PerPage: -1}
	if got := slugsOf(search(t, db, cheap).Offerings); !slices.Contains(got, "acme-iot-sim") {
		t.Fatalf("before the edits: got %v, want acme-iot-sim among them", got)
	}
	started, release := holdIndexBuilds(t, db)
	builds := db.Stats().SearchIndexBuilds

	const edits = 200 // and one withdrawal
	var wg sync.WaitGroup
	errs := make(chan error, 4*edits)
	for i := range edits {
		testExec(t, db, "UPDATE offerings SET monthly_pence = ?, summary = ? WHERE slug = 'acme-iot-sim'",
			100_000+i, fmt.Sprintf("Edit number %d", i))
		if i == 0 {
			within(t, started, "a rebuild after the first edit")
		}
		// Searches from other goroutines too, as visitors make them.
		wg.Go(func() {
			for _, p := range []SearchParams{cheap, {Query: "sim", MaxMonthly: 1000, PerPage: -1}, {Query: fmt.Sprint("edit ", i), MaxMonthly: -1}} {
				if i%2 == 0 {
					db.ResetSearchCache() // uncached searches as well as cached ones
				}
				res, err := db.SearchOfferings(ctx, p)
				if err != nil {
					errs <- err
					return
				}
				if !res.Stale {
					errs <- fmt.Errorf("edit %d, %+v: got Stale false, want true (answered from the previous index)", i, p)
				}
				if p.Query != "" && p.Query != "sim" {
					continue // the edits' own words: FTS5 is current, and they change
				}
				if got := slugsOf(res.Offerings); !slices.Contains(got, "acme-iot-sim") {
					errs <- fmt.Errorf("edit %d, %+v: got %v, want acme-iot-sim, which only the previous index has under £10", i, p, got)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := db.Stats().SearchIndexBuilds; got != builds {
		t.Fatalf("while the rebuild was held: %d builds finished, want none", got-builds)
	}

	// A withdrawal shows at once, even from the previous index, and even
	// for a search whose result was computed just before it.
	if got := slugsOf(mustSearch(t, db, cheap).Offerings); !slices.Contains(got, "bolt-sim-10gb") {
		t.Fatalf("before the withdrawal, during the rebuild: got %v, want bolt-sim-10gb among them", got)
	}
	setOfferingActive(t, db, "bolt-sim-10gb", false)
	if got := slugsOf(mustSearch(t, db, cheap).Offerings); slices.Contains(got, "bolt-sim-10gb") || !slices.Contains(got, "acme-iot-sim") {
		t.Errorf("after a withdrawal, during the rebuild: got %v, want bolt-sim-10gb left out (and acme-iot-sim, from the previous index, in)", got)
	}

	release()
	if err := db.WaitSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if n := db.Stats().SearchIndexBuilds - builds; n < 1 || n > 2 {
		t.Errorf("rebuilds after %d edits and a withdrawal: got %d, want 1 or 2", edits, n)
	}
	res := search(t, db, cheap)
	if got := slugsOf(res.Offerings); slices.Contains(got, "acme-iot-sim") || res.Stale {
		t.Errorf("after the rebuild: got %v (stale %v), want acme-iot-sim gone (its price is now over £10) from a current index", got, res.Stale)
	}
	last := search(t, db, SearchParams{Query: fmt.Sprint("edit number ", edits-1), MaxMonthly: 100_000 + edits})
	if got := slugsOf(last.Offerings); !slices.Equal(got, []string{"acme-iot-sim"}) {
		t.Errorf("the last edit's words under its price: got %v, want [acme-iot-sim]", got)
	}
	if d := db.Stats().SearchIndexLast; d <= 0 {
		t.Errorf("last rebuild duration: got %v, want it recorded", d)
	}
}

// mustSearch runs SearchOfferings on whatever index there is (search waits
// for a current one).
func mustSearch(t *testing.T, db *DB, p SearchParams) SearchResult {
	t.Helper()
	res, err := db.SearchOfferings(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestIndexRebuildOutlivesTheSearchThatAskedForIt cancels the only search
// waiting for the first index: the build goes on (it runs on the database's
// own context) and the next search finds the index built.
func TestIndexRebuildOutlivesTheSearchThatAskedForIt(t *testing.T) {
	db, _ := openFixtureDB(t)
	started, release := holdIndexBuilds(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := db.SearchOfferings(ctx, everything())
		done <- err
	}()
	within(t, started, "the first build")
	cancel()
	if err := within(t, done, "the cancelled search returning"); err != context.Canceled {
		t.Fatalf("cancelled search: got %v, want context.Canceled", err)
	}
	release()
	if err := db.WaitSearchIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := db.Stats().SearchIndexBuilds; n != 1 {
		t.Errorf("builds: got %d, want the one the cancelled search started, finished", n)
	}
}

// TestCatalogueDeletesBumpTheVersion checks every kind of catalogue change
// that migration 0006 added triggers for: each bumps the catalogue version,
// so the search index and every cache refresh.
func TestCatalogueDeletesBumpTheVersion(t *testing.T) {
	db, ctx := openFixtureDB(t)
	err := db.LoadCatalogue(ctx, Catalogue{
		Suppliers:  []Supplier{{Slug: "spare", Name: "Spare Supplier"}, {Slug: "spare-2", Name: "Spare Two"}},
		Categories: []Category{{Slug: "voice", Name: "Voice"}},
		Agreements: []NewAgreement{{Slug: "spare-mou", CCSRef: "MOU-9", Title: "Spare MoU", SupplierSlug: "spare-2",
			StartsOn: "2025-01-01", EndsOn: "2027-12-31", Tiers: []Tier{{FromPence: 0, BP: 0}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := facetMap(search(t, db, everything()).Facets.Categories)["voice"]; !ok {
		t.Fatal("the new category is not among the facets")
	}
	for _, tc := range []struct{ name, stmt string }{
		{"adding an in-life tier", "INSERT INTO agreement_tiers (agreement_id, from_pence, bp) SELECT id, 5000000, 300 FROM agreements WHERE slug = 'acme-mou'"},
		{"changing an in-life tier", "UPDATE agreement_tiers SET bp = 350 WHERE from_pence = 5000000"},
		{"removing an in-life tier", "DELETE FROM agreement_tiers WHERE from_pence = 5000000"},
		{"deleting an agreement", "DELETE FROM agreement_tiers WHERE agreement_id = (SELECT id FROM agreements WHERE slug = 'spare-mou'); DELETE FROM agreements WHERE slug = 'spare-mou'"},
		{"deleting a supplier", "DELETE FROM suppliers WHERE slug = 'spare'"},
		{"deleting a category", "DELETE FROM categories WHERE slug = 'voice'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := db.Versions()[DataCatalogue]
			testExec(t, db, tc.stmt)
			var inDB int64
			if err := db.r.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'catalogue_version'").Scan(&inDB); err != nil {
				t.Fatal(err)
			}
			// The agreement delete is two statements: each counts.
			if after := db.Versions()[DataCatalogue]; after <= before || inDB != after {
				t.Errorf("catalogue version: got %d → %d (database %d), want it raised and published", before, after, inDB)
			}
		})
	}
	res := search(t, db, everything())
	if _, ok := facetMap(res.Facets.Categories)["voice"]; ok {
		t.Error("after deleting the category: still among the facets")
	}
	if _, ok := facetMap(res.Facets.Suppliers)["spare"]; ok {
		t.Error("after deleting the supplier: still among the facets")
	}
}

// TestOtherProcessWriteReachesTheIndex: a write by another process (a
// command-line import) reaches the search index through the data versions
// check (RefreshVersions, which WatchVersions runs), with no search needed
// to notice it.
func TestOtherProcessWriteReachesTheIndex(t *testing.T) {
	db, ctx := openFixtureDB(t)
	cheap := SearchParams{MaxMonthly: 1000, PerPage: -1}
	if got := slugsOf(search(t, db, cheap).Offerings); slices.Contains(got, "bolt-sdwan-hub") {
		t.Fatalf("before: got %v, want no bolt-sdwan-hub", got)
	}
	other, err := Open(ctx, db.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	testExec(t, other, "UPDATE offerings SET monthly_pence = 100 WHERE slug = 'bolt-sdwan-hub'")
	started, release := holdIndexBuilds(t, db)
	if err := db.RefreshVersions(ctx); err != nil {
		t.Fatal(err)
	}
	// Only the indexer builds, and only a catalogue version change has woken it.
	within(t, started, "a rebuild after the refresh")
	release()
	if err := db.WaitSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if got := slugsOf(search(t, db, cheap).Offerings); !slices.Contains(got, "bolt-sdwan-hub") {
		t.Errorf("after the refresh: got %v, want bolt-sdwan-hub (now £0.95 MoU)", got)
	}
}

// TestSearchTakesHalfTheReaders holds every uncached search at the moment
// it has a reader connection: however many search at once, they hold at
// most half of the reader pool, and another reader (a signed-in page) is
// served meanwhile.
func TestSearchTakesHalfTheReaders(t *testing.T) {
	db := benchSearchDB(t, 60)
	ctx := context.Background()
	if err := db.WaitSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	db.ResetSearchCache()
	pool := db.r.Stats().MaxOpenConnections
	budget := cap(db.search.gate.tokens)
	if budget != pool/2 {
		t.Fatalf("search budget: got %d connections, want half the %d readers", budget, pool)
	}
	got, waiting, release := make(chan struct{}, 64), make(chan struct{}, 64), make(chan struct{})
	hook := func(stage string) {
		if stage == "wait" {
			waiting <- struct{}{}
			return
		}
		select {
		case got <- struct{}{}:
			<-release
		case <-release: // let go: nothing counts any more
		}
	}
	db.search.gate.hook.Store(&hook)
	defer db.search.gate.hook.Store(nil)
	var releaseOnce sync.Once
	defer releaseOnce.Do(func() { close(release) })

	// Two-letter prefixes: each search reads several vocab ranges in
	// parallel, so together they ask for more connections than the budget.
	queries := []string{"si", "et", "fi", "ma", "da", "bu"}
	errs := make(chan error, len(queries))
	var wg sync.WaitGroup
	for _, q := range queries {
		wg.Go(func() {
			_, err := db.SearchOfferings(ctx, SearchParams{Query: q, MaxMonthly: -1})
			errs <- err
		})
	}
	for range budget {
		within(t, got, "a search taking a connection")
	}
	if runtime.GOMAXPROCS(0) >= 2 {
		within(t, waiting, "a search waiting for the budget")
	}
	if n := db.r.Stats().InUse; n > budget {
		t.Errorf("reader connections in use while searches are held: got %d, want at most %d", n, budget)
	}
	// A signed-in page's read is served from the other half.
	pinged := make(chan error, 1)
	go func() { pinged <- db.Ping(ctx) }()
	if err := within(t, pinged, "a read beside the searches"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
		t.Fatalf("a search took a connection beyond the budget of %d", budget)
	default:
	}
	releaseOnce.Do(func() { close(release) })
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestRankingFallbackIsLoud damages one row of FTS5's docsize shadow table
// (standing for a format change in a new SQLite): the index build notices,
// logs it as an error once, and searches rank with bm25() instead, with the
// same results.
func TestRankingFallbackIsLoud(t *testing.T) {
	db, _ := openFixtureDB(t)
	p := SearchParams{Query: "sim", MaxMonthly: -1, PerPage: -1}
	want := slugsOf(search(t, db, p).Offerings)
	if why := db.SearchRankingFallback(); why != "" {
		t.Fatalf("before: got fallback %q, want none", why)
	}
	var logged bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
	defer slog.SetDefault(old)

	testExec(t, db, "UPDATE offerings_fts_docsize SET sz = x'ff' WHERE id = (SELECT id FROM offerings WHERE slug = 'bolt-sdwan-hub')")
	testExec(t, db, "UPDATE offerings SET monthly_pence = monthly_pence + 1 WHERE slug = 'acme-sim-unlimited'") // a catalogue change: rebuild
	if got := slugsOf(search(t, db, p).Offerings); !slices.Equal(got, want) {
		t.Errorf("with the fallback: got %v, want %v", got, want)
	}
	if why := db.SearchRankingFallback(); why == "" {
		t.Error("fallback: got none, want the damaged docsize row reported")
	}
	testExec(t, db, "UPDATE offerings SET monthly_pence = monthly_pence + 1 WHERE slug = 'acme-sim-unlimited'")
	search(t, db, p)
	if n := bytes.Count(logged.Bytes(), []byte("SEARCH RANKING FALLBACK")); n != 1 || !bytes.Contains(logged.Bytes(), []byte("level=ERROR")) {
		t.Errorf("log: got %d fallback errors in %q, want exactly one, at ERROR", n, logged.String())
	}
}
