package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"portal/store"
)

// searchCase is one timed store query.
type searchCase struct {
	label  string
	p      store.SearchParams
	target time.Duration // p95 target for the uncached query; 0 for none
}

type searchTiming struct {
	searchCase
	total                    int // matching offerings
	uncachedP50, uncachedP95 time.Duration
	uncachedMax              time.Duration
	cachedP50, cachedP95     time.Duration
}

type searchResult struct {
	offerings  int
	indexBuild time.Duration // the first search: builds the in-memory catalogue index
	cases      []searchTiming
}

func searchCases(cats []store.Category) []searchCase {
	q := func(s string) store.SearchParams { return store.SearchParams{Query: s, MaxMonthly: -1} }
	with := func(p store.SearchParams, f func(*store.SearchParams)) store.SearchParams { f(&p); return p }
	const distinct, single = 5 * time.Millisecond, 50 * time.Millisecond
	cs := []searchCase{
		{label: fmt.Sprintf("distinctive term `%s`", store.SeedRareTerm), p: q(store.SeedRareTerm), target: distinct},
		{label: fmt.Sprintf("common term `%s`", store.SeedCommonTerm), p: q(store.SeedCommonTerm), target: single},
	}
	// Single words from rare to nearly everywhere: "with" is in every
	// synthetic offering, "and" in 95% (226 000 times).
	for _, w := range []string{"sim", "ethernet", "fibre", "5g", "data", "managed", "business", "site", "the", "and", "with", "support", "sd"} {
		cs = append(cs, searchCase{label: fmt.Sprintf("term `%s`", w), p: q(w), target: single})
	}
	cat := ""
	if len(cats) > 0 {
		cat = cats[0].Slug
	}
	common, rare := q(store.SeedCommonTerm), q(store.SeedRareTerm)
	cs = append(cs,
		searchCase{label: "one-letter prefix `s`", p: q("s")},
		searchCase{label: fmt.Sprintf("`%s sim` (two terms)", store.SeedCommonTerm), p: q(store.SeedCommonTerm + " sim")},
		searchCase{label: fmt.Sprintf("`%s ethernet` (two terms)", store.SeedRareTerm), p: q(store.SeedRareTerm + " ethernet")},
		searchCase{label: fmt.Sprintf("`%s`, category %s", store.SeedCommonTerm, cat), p: with(common, func(p *store.SearchParams) { p.Categories = []string{cat} })},
		searchCase{label: fmt.Sprintf("`%s`, sorted by price", store.SeedCommonTerm), p: with(common, func(p *store.SearchParams) { p.Sort = store.SortPriceAsc })},
		searchCase{label: fmt.Sprintf("`%s`, page 100", store.SeedCommonTerm), p: with(common, func(p *store.SearchParams) { p.Page = 100 })},
		searchCase{label: fmt.Sprintf("`%s`, 36 months, PoV trial, max £50", store.SeedCommonTerm), p: with(common, func(p *store.SearchParams) {
			p.Term, p.Trial, p.MaxMonthly = 36, store.TrialPOV, 5000
		})},
		searchCase{label: fmt.Sprintf("`%s`, sorted by price, high first", store.SeedRareTerm), p: with(rare, func(p *store.SearchParams) { p.Sort = store.SortPriceDesc })},
		searchCase{label: "no query (everything)", p: q("")},
		searchCase{label: "no query, sorted by price, page 500", p: with(q(""), func(p *store.SearchParams) { p.Sort, p.Page = store.SortPriceAsc, 500 })},
		searchCase{label: fmt.Sprintf("no query, category %s, max £20", cat), p: with(q(""), func(p *store.SearchParams) {
			p.Categories, p.MaxMonthly = []string{cat}, 2000
		})},
	)
	return cs
}

// searchLatency times store.SearchOfferings on the big catalogue: each case
// uncached (store.DB.ResetSearchCache before every run: no cached results,
// lists or FTS matches; the catalogue index stays built, as it does until
// the catalogue changes) and cached.
func searchLatency(ctx context.Context, cfg config, dbPath string) (searchResult, error) {
	res := searchResult{offerings: cfg.offerings}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return res, err
	}
	defer db.Close()
	cats, err := db.Categories(ctx)
	if err != nil {
		return res, err
	}
	start := time.Now()
	if _, err := db.SearchOfferings(ctx, store.SearchParams{MaxMonthly: -1}); err != nil {
		return res, err
	}
	res.indexBuild = time.Since(start)
	logf("search over %d offerings: catalogue index built in %s", cfg.offerings, ms(res.indexBuild))

	for _, c := range searchCases(cats) {
		t := searchTiming{searchCase: c}
		// One untimed run first, so the connections and SQLite's page cache
		// are in the state they are in on a running server.
		db.ResetSearchCache()
		r, err := db.SearchOfferings(ctx, c.p)
		if err != nil {
			return res, fmt.Errorf("%s: %w", c.label, err)
		}
		t.total = r.Total
		var unc, cached []time.Duration
		for range cfg.searchRuns {
			db.ResetSearchCache()
			s := time.Now()
			if _, err := db.SearchOfferings(ctx, c.p); err != nil {
				return res, err
			}
			unc = append(unc, time.Since(s))
		}
		for range cfg.searchRuns {
			s := time.Now()
			if _, err := db.SearchOfferings(ctx, c.p); err != nil {
				return res, err
			}
			cached = append(cached, time.Since(s))
		}
		t.uncachedP50, t.uncachedP95, t.uncachedMax = percentile(unc, 0.5), percentile(unc, 0.95), percentile(unc, 1)
		t.cachedP50, t.cachedP95 = percentile(cached, 0.5), percentile(cached, 0.95)
		verdict := ""
		if c.target > 0 {
			verdict = fmt.Sprintf("target p95 < %s: %s", ms(c.target), okMark(t.uncachedP95 < c.target))
		}
		logf("%-48s %6d matches  uncached p50 %-8s p95 %-8s  cached p50 %-8s %s", strings.ReplaceAll(c.label, "`", ""),
			t.total, ms(t.uncachedP50), ms(t.uncachedP95), ms(t.cachedP50), verdict)
		res.cases = append(res.cases, t)
		if err := ctx.Err(); err != nil {
			return res, err
		}
	}
	return res, nil
}

func okMark(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// ms formats a duration in milliseconds with sensible precision.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 0.1:
		return fmt.Sprintf("%.3f ms", v)
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	case v < 100:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}
