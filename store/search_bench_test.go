package store

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"testing"
)

// Search benchmarks run on the demo catalogue plus a few thousand synthetic
// offerings so that `go test -bench` stays quick; cmd/loadbench measures
// 100 000 (make bench).

const benchSearchOfferings = 3000

func benchSearchDB(tb testing.TB, n int) *DB {
	tb.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(tb.TempDir(), "bench.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.LoadDemo(ctx, "bench-password"); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.SeedOfferings(ctx, n, 1); err != nil {
		tb.Fatal(err)
	}
	return db
}

// BenchmarkSearch times SearchOfferings per query shape, uncached (result
// and match caches cleared before each search; the catalogue index kept)
// and cached.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	db := benchSearchDB(b, benchSearchOfferings)
	all := SearchParams{MaxMonthly: -1}
	with := func(f func(*SearchParams)) SearchParams { p := all; f(&p); return p }
	cases := []struct {
		name string
		p    SearchParams
	}{
		{"rare-term", with(func(p *SearchParams) { p.Query = SeedRareTerm })},
		{"common-term", with(func(p *SearchParams) { p.Query = SeedCommonTerm })},
		{"prefix", with(func(p *SearchParams) { p.Query = "ether" })},
		{"two-terms", with(func(p *SearchParams) { p.Query = SeedCommonTerm + " sim" })},
		{"common-term-filtered", with(func(p *SearchParams) {
			p.Query, p.Categories, p.Term, p.MaxMonthly = SeedCommonTerm, []string{"mobile-voice-data"}, 24, 2000
		})},
		{"common-term-by-price", with(func(p *SearchParams) { p.Query, p.Sort = SeedCommonTerm, SortPriceAsc })},
		{"everything", all},
		{"everything-by-price-page-50", with(func(p *SearchParams) { p.Sort, p.Page = SortPriceDesc, 50 })},
	}
	if _, err := db.SearchOfferings(ctx, all); err != nil { // build the index
		b.Fatal(err)
	}
	for _, c := range cases {
		b.Run(c.name+"/uncached", func(b *testing.B) {
			var total int
			for b.Loop() {
				db.ResetSearchCache()
				res, err := db.SearchOfferings(ctx, c.p)
				if err != nil {
					b.Fatal(err)
				}
				total = res.Total
			}
			b.ReportMetric(float64(total), "matches")
		})
		b.Run(c.name+"/cached", func(b *testing.B) {
			for b.Loop() {
				if _, err := db.SearchOfferings(ctx, c.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSearchIndexBuild times rebuilding the in-memory catalogue index,
// which the first search after any catalogue change does.
func BenchmarkSearchIndexBuild(b *testing.B) {
	ctx := context.Background()
	db := benchSearchDB(b, benchSearchOfferings)
	for b.Loop() {
		if _, err := db.buildIndex(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSearchPrefixRankingIsBM25 checks that prefixMatches, which computes
// bm25 from fts5vocab instance lists, finds and ranks exactly what FTS5's
// bm25() does (same matches, bit-identical ranks), for every word and word
// prefix in a catalogue with withdrawn and edited offerings.
func TestSearchPrefixRankingIsBM25(t *testing.T) {
	ctx := context.Background()
	db := benchSearchDB(t, 150)
	for _, q := range []string{
		"UPDATE offerings SET active = 0 WHERE id % 17 = 0",
		"UPDATE offerings SET name = name || ' Council councils council' WHERE id % 13 = 0",
		"UPDATE offerings SET description = description || ' sim sim simple 5g' WHERE id % 11 = 0",
	} {
		if _, err := db.w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	idx, _, err := db.catalogueIndex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if idx.fts == nil {
		t.Fatal("the catalogue index has no FTS5 statistics")
	}
	// The most frequent terms have precomputed postings (some of them in
	// withdrawn offerings); every query is also ranked without them.
	withdrawn := false
	for _, p := range idx.fts.postings {
		for doc, f := range p.freq {
			_, active := idx.pos(int64(doc))
			withdrawn = withdrawn || f != 0 && !active
		}
	}
	if len(idx.fts.postings) < 5 || !withdrawn {
		t.Fatalf("%d terms have postings (withdrawn rows: %v); want several, some with withdrawn rows", len(idx.fts.postings), withdrawn)
	}
	stats := *idx.fts
	stats.postings = nil
	noPostings := *idx
	noPostings.fts = &stats
	conn, err := db.r.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, "SELECT DISTINCT term FROM "+vocabTable)
	if err != nil {
		t.Fatal(err)
	}
	queries := map[string]bool{}
	for rows.Next() {
		var term string
		if err := rows.Scan(&term); err != nil {
			t.Fatal(err)
		}
		for n := 1; n <= min(len(term), 3); n++ { // every 1-3 character prefix, and the whole word
			queries[term[:n]] = true
		}
		queries[term] = true
	}
	rows.Close()
	conn.Close()
	// A spread of them (SQLite is slow under the race detector), and a few
	// of several words.
	list := slices.Sorted(maps.Keys(queries))
	var sample []string
	for i := 0; i < len(list); i += max(1, len(list)/200) {
		sample = append(sample, list[i])
	}
	sample = append(sample, "council sim", "quantum council", "sim 5g", "ethernet leased line", "council council",
		"sim simple", "s c", "zzzz", "5g 5", "managed sd wan site")
	tried := 0
	for _, q := range sample {
		fq := ftsQuery(q)
		words, ok := ftsPrefixes(fq)
		if !ok {
			continue
		}
		tried++
		got, ok, err := db.prefixMatches(ctx, idx, words)
		if err != nil || !ok {
			t.Fatalf("%q: prefixMatches: ok %v, %v", q, ok, err)
		}
		want, err := db.bm25Matches(ctx, idx, fq)
		if err != nil {
			t.Fatal(err)
		}
		sortMatches(got)
		sortMatches(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q: prefixMatches gives %d matches %v..., bm25() %d %v...", q,
				len(got), got[:min(3, len(got))], len(want), want[:min(3, len(want))])
		}
		vocabOnly, _, err := db.prefixMatches(ctx, &noPostings, words)
		if err != nil {
			t.Fatal(err)
		}
		sortMatches(vocabOnly)
		if !slices.Equal(vocabOnly, want) {
			t.Errorf("%q: prefixMatches without postings gives %d matches, bm25() %d (or ranked otherwise)", q, len(vocabOnly), len(want))
		}
	}
	if tried < 100 {
		t.Errorf("only %d queries tried", tried)
	}
}

// TestSearchSortMatches checks the radix sort against a comparison sort.
func TestSearchSortMatches(t *testing.T) {
	for _, n := range []int{0, 1, 5, 511, 512, 3000} {
		m := make([]match, n)
		for i := range m {
			m[i] = match{pos: int32((i * 7919) % (n + 1)), rank: -float64((i*31)%17) / 3}
			if i%5 == 0 {
				m[i].rank = -1e-6 * float64(i%3)
			}
		}
		want := slices.Clone(m)
		slices.SortFunc(want, func(a, b match) int {
			if a.rank != b.rank {
				if a.rank < b.rank {
					return -1
				}
				return 1
			}
			return int(a.pos - b.pos)
		})
		inPosOrder := slices.Clone(m) // sortMatches skips work for these
		slices.SortFunc(inPosOrder, func(a, b match) int { return int(a.pos - b.pos) })
		sortMatches(m)
		if !slices.Equal(m, want) {
			t.Errorf("n=%d: radix sort order differs", n)
		}
		sortMatches(inPosOrder)
		if !slices.Equal(inPosOrder, want) {
			t.Errorf("n=%d: radix sort order differs for input in position order", n)
		}
	}
}

// TestEachSearchOfferingIsTheWholeSearch checks that the chunked export
// lists exactly what SearchOfferings lists on one page of everything.
func TestEachSearchOfferingIsTheWholeSearch(t *testing.T) {
	ctx := context.Background()
	db := benchSearchDB(t, 600) // more than one chunk of 500
	for _, p := range []SearchParams{
		{MaxMonthly: -1},
		{Query: SeedCommonTerm, MaxMonthly: -1},
		{Query: "sim", Sort: SortPriceDesc, MaxMonthly: 3000, Page: 3, PerPage: 5},
		{Query: "no-such-word", MaxMonthly: -1},
	} {
		all := p
		all.Page, all.PerPage = 1, -1
		want, err := db.SearchOfferings(ctx, all)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		if err := db.EachSearchOffering(ctx, p, func(o Offering) error {
			got = append(got, o.Slug)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, o := range want.Offerings {
			slugs = append(slugs, o.Slug)
		}
		if !slices.Equal(got, slugs) {
			t.Errorf("%+v: EachSearchOffering lists %d offerings, SearchOfferings %d (or in another order)", p, len(got), len(slugs))
		}
	}
}
