package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Targets from issue 2 ("Done when → Performance").
const (
	targetRatio    = 0.5
	targetGzip     = 14000 // bytes (14 KB)
	targetRSSBytes = 150 << 20
)

type summary struct {
	page    pageResult
	search  searchResult
	rss     rssResult
	elapsed time.Duration
}

func (s summary) ok() bool {
	ok := !s.page.ran || s.page.ratio() >= targetRatio && s.page.gzipBytes < targetGzip && s.page.portal.failures == 0 && s.page.bare.failures == 0
	for _, c := range s.search.cases {
		if c.target > 0 && c.uncachedP95 >= c.target {
			ok = false
		}
	}
	if s.rss.hwm > 0 && s.rss.hwm*1024 >= targetRSSBytes {
		ok = false
	}
	return ok
}

func mark(ok bool) string {
	if ok {
		return "✅"
	}
	return "❌"
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func rps(r loadResult) string { return thousands(int(r.rps() + 0.5)) }

func lat(r loadResult) string {
	return fmt.Sprintf("%s / %s", ms(percentile(r.latency, 0.50)), ms(percentile(r.latency, 0.99)))
}

// print writes the Markdown summary for the README.
func (s summary) print(w io.Writer, cfg config) {
	p := s.page
	fmt.Fprintf(w, "\n### Performance (`make bench`)\n\n")
	fmt.Fprintf(w, "Measured %s on %s (cmd/loadbench ran for %s).\n\n", time.Now().Format("2006-01-02"), machine(), s.elapsed.Round(time.Second))
	fmt.Fprintf(w, "| Target | Measured | |\n|---|---|---|\n")
	if p.ran {
		fmt.Fprintf(w, "| Catalogue page throughput ≥ %.1f× bare Echo writing the same bytes (%d connections) | **%.2f×** (%s vs %s req/s) | %s |\n",
			targetRatio, p.conns, p.ratio(), rps(p.portal), rps(p.bare), mark(p.ratio() >= targetRatio))
		fmt.Fprintf(w, "| Catalogue page < 14 KB gzipped | **%s bytes** gzipped (%s bytes of HTML, %d results) | %s |\n",
			thousands(p.gzipBytes), thousands(p.htmlBytes), p.results, mark(p.gzipBytes < targetGzip))
	}
	for _, c := range s.search.cases {
		if c.target > 0 && (strings.HasPrefix(c.label, "distinctive") || strings.HasPrefix(c.label, "common")) {
			fmt.Fprintf(w, "| Search over %s offerings, %s (%s matches): p95 < %s | **p95 %s** uncached (p50 %s; cached p50 %s) | %s |\n",
				thousands(s.search.offerings), c.label, thousands(c.total), ms(c.target), ms(c.uncachedP95), ms(c.uncachedP50),
				ms(c.cachedP50), mark(c.uncachedP95 < c.target))
		}
	}
	if n, worst, met := s.singleTerms(); n > 0 {
		fmt.Fprintf(w, "| Search, any single word (%d words tried, see below): p95 < 50 ms | **worst p95 %s** (%s) | %s |\n",
			n, ms(worst.uncachedP95), worst.label, mark(met))
	}
	if s.rss.hwm > 0 {
		fmt.Fprintf(w, "| Server RSS < 150 MB serving %s offerings under load | **%d MB** peak (VmHWM; %d MB at the end of %s of varied catalogue requests) | %s |\n",
			thousands(s.rss.offerings), s.rss.hwm/1024, s.rss.endRSS/1024, cfg.rssDuration, mark(s.rss.hwm*1024 < targetRSSBytes))
	}

	if p.ran {
		fmt.Fprintf(w, "\nCatalogue page `%s` over %s offerings; %d connections, %d alternating rounds of %s (after %s warm-up) each; load generator in the same process:\n\n",
			p.path, thousands(p.offerings), p.conns, p.rounds, cfg.duration, cfg.warmup)
		fmt.Fprintf(w, "| Server | Requests/s | p50 / p99 latency |\n|---|---:|---|\n")
		fmt.Fprintf(w, "| Portal (full middleware and handler; anonymous page from the page cache) | %s | %s |\n", rps(p.portal), lat(p.portal))
		fmt.Fprintf(w, "| Bare Echo handler, same headers and bytes | %s | %s |\n", rps(p.bare), lat(p.bare))
		fmt.Fprintf(w, "| Portal, page cache missed every request (render + gzip; search cached) | %s | %s |\n", rps(p.portalRender), lat(p.portalRender))
	}

	if len(s.search.cases) > 0 {
		fmt.Fprintf(w, "\n`store.SearchOfferings` over %s offerings (%d runs each; uncached = result, list and match caches cleared before every run, the catalogue index kept (built once, in %s)):\n\n",
			thousands(s.search.offerings), cfg.searchRuns, ms(s.search.indexBuild))
		fmt.Fprintf(w, "| Query | Matches | Uncached p50 | Uncached p95 | Cached p50 |\n|---|---:|---:|---:|---:|\n")
		for _, c := range s.search.cases {
			m := ""
			if c.target > 0 {
				m = " " + mark(c.uncachedP95 < c.target)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s%s | %s |\n", c.label, thousands(c.total), ms(c.uncachedP50), ms(c.uncachedP95), m, ms(c.cachedP50))
		}
	}
	if s.rss.hwm > 0 {
		fmt.Fprintf(w, "\nMemory: `portal serve` over %s offerings, %d connections requesting %s distinct catalogue URLs for %s at %s req/s (p50 / p99 %s); VmRSS %d MB after the first page, VmHWM %d MB.\n",
			thousands(s.rss.offerings), cfg.conns, thousands(s.rss.urls), cfg.rssDuration, rps(s.rss.load), lat(s.rss.load), s.rss.startRSS/1024, s.rss.hwm/1024)
	}
}

// singleTerms reports the single-word search cases with a target: how many,
// the slowest, and whether all met it.
func (s summary) singleTerms() (n int, worst searchTiming, met bool) {
	met = true
	for _, c := range s.search.cases {
		if c.target == 0 || strings.HasPrefix(c.label, "distinctive") {
			continue
		}
		n++
		if c.uncachedP95 > worst.uncachedP95 {
			worst = c
		}
		if c.uncachedP95 >= c.target {
			met = false
		}
	}
	return n, worst, met
}
