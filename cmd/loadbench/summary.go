package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Targets from issues 2 and 12 ("Done when → Performance").
const (
	targetRatio       = 0.5 // every page type, gzip and identity, against bare
	targetSpreadRatio = 0.2 // 300 offering pages in turn
	targetP99         = 100 * time.Millisecond
	targetRSSBytes    = 150 << 20
)

type summary struct {
	pages   pagesResult
	soak    soakResult
	search  searchResult
	rss     rssResult
	edits   editResult
	elapsed time.Duration
}

// worstPage is the page run with the lowest ratio, and the highest p99.
func (p pagesResult) worst() (ratio, p99 pageRun) {
	for i, r := range p.pages {
		if i == 0 || r.ratio() < ratio.ratio() {
			ratio = r
		}
		if i == 0 || percentile(r.portal.latency, 0.99) > percentile(p99.portal.latency, 0.99) {
			p99 = r
		}
	}
	return ratio, p99
}

func (p pagesResult) ok() bool {
	if !p.ran {
		return true
	}
	for _, r := range append(slices.Clone(p.pages), p.spread) {
		if r.portal.failures > 0 || r.bare.failures > 0 || percentile(r.portal.latency, 0.99) > targetP99 {
			return false
		}
	}
	worst, _ := p.worst()
	return worst.ratio() >= targetRatio && p.spread.ratio() >= targetSpreadRatio
}

func (s summary) ok() bool {
	ok := s.pages.ok() && (!s.soak.ran || s.soak.ok()) && s.edits.ok()
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
	p := s.pages
	fmt.Fprintf(w, "\n### Performance (`make bench`)\n\n")
	fmt.Fprintf(w, "Measured %s on %s (cmd/loadbench ran for %s).\n\n", time.Now().Format("2006-01-02"), machine(), s.elapsed.Round(time.Second))
	fmt.Fprintf(w, "| Target | Measured | |\n|---|---|---|\n")
	if p.ran {
		worst, slow := p.worst()
		fmt.Fprintf(w, "| Every public page ≥ %.1f× a bare net/http handler writing the same bytes, gzip and identity (%d connections) | **worst %.2f×** (%s, %s; all below) | %s |\n",
			targetRatio, p.conns, worst.ratio(), worst.name, worst.encoding(), mark(worst.ratio() >= targetRatio))
		fmt.Fprintf(w, "| %s ≥ %.1f× bare (gzip) | **%.2f×** (%s vs %s req/s) | %s |\n",
			p.spread.name, targetSpreadRatio, p.spread.ratio(), rps(p.spread.portal), rps(p.spread.bare), mark(p.spread.ratio() >= targetSpreadRatio))
		p99 := percentile(slow.portal.latency, 0.99)
		fmt.Fprintf(w, "| p99 ≤ %s at %d connections on every page | **worst p99 %s** (%s, %s) | %s |\n",
			ms(targetP99), p.conns, ms(p99), slow.name, slow.encoding(), mark(p99 <= targetP99))
	}
	if s.soak.ran {
		requests, failures, _ := s.soak.total()
		fmt.Fprintf(w, "| Soak: %s at half capacity with the mix below: no errors, p99 < %s, RSS flat | **%d errors in %s requests, %d late, p99 %s, RSS peak %d → %d MB** | %s |\n",
			s.soak.duration, ms(soakTargetP99), failures, thousands(requests), s.soak.late, ms(s.soak.p99()),
			s.soak.earlyPeak/1024, s.soak.latePeak/1024, mark(s.soak.ok()))
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
	if e := s.edits; e.ran {
		fmt.Fprintf(w, "| Search over %s offerings while an offering is edited every %s (single words, uncached): p95 < %s | **p95 %s** (p50 %s; %s searches, %d index rebuilds in %s; without edits, just before: p95 %s) | %s |\n",
			thousands(e.offerings), editEvery, ms(targetEditSearchP95), ms(e.p95), ms(e.p50), thousands(e.searches), e.rebuilds, e.duration, ms(e.quietP95), mark(e.ok()))
	}
	if s.rss.hwm > 0 {
		fmt.Fprintf(w, "| Server RSS < 150 MB serving %s offerings under load | **%d MB** peak (VmHWM; %d MB at the end of %s of varied catalogue requests) | %s |\n",
			thousands(s.rss.offerings), s.rss.hwm/1024, s.rss.endRSS/1024, cfg.rssDuration, mark(s.rss.hwm*1024 < targetRSSBytes))
	}

	if p.ran {
		fmt.Fprintf(w, "\nPublic pages over %s offerings: the portal's full handler stack (anonymous, answered from the response cache once warm) against a bare `net/http` handler writing the same bytes with the same headers; %d connections, %d alternating rounds of %s (after %s warm-up) each, load generator in the same process:\n\n",
			thousands(p.offerings), p.conns, cfg.rounds, cfg.duration, cfg.warmup)
		fmt.Fprintf(w, "| Page | Encoding | Bytes sent | Portal req/s | Bare req/s | Portal / bare | Portal p50 / p99 | Bare p50 / p99 |\n|---|---|---:|---:|---:|---:|---|---|\n")
		for _, r := range append(slices.Clone(p.pages), p.spread) {
			target := targetRatio
			if r.name == p.spread.name {
				target = targetSpreadRatio
			}
			fmt.Fprintf(w, "| %s `%s` | %s | %s | %s | %s | **%.2f×** %s | %s | %s |\n", r.name, r.path, r.encoding(), thousands(r.bodyBytes),
				rps(r.portal), rps(r.bare), r.ratio(), mark(r.ratio() >= target && percentile(r.portal.latency, 0.99) <= targetP99), lat(r.portal), lat(r.bare))
		}
	}
	if s.soak.ran {
		requests, _, latency := s.soak.total()
		fmt.Fprintf(w, "\nSoak: `portal serve` over %s offerings; its capacity for the mix measured first (%d connections, closed loop: %s req/s), then the mix sent open loop at half that (%s req/s asked, %s req/s done; latency counted from each request's scheduled start) for %s: %s requests, p50 / p99 %s / %s; RSS sampled every second, peak %d MB in the first tenths and %d MB in the last fifth.\n\n",
			thousands(s.soak.offerings), cfg.conns, thousands(int(s.soak.capacity)), thousands(int(s.soak.rate)), thousands(int(s.soak.achieved)),
			s.soak.duration, thousands(requests), ms(percentile(latency, 0.5)), ms(percentile(latency, 0.99)), s.soak.earlyPeak/1024, s.soak.latePeak/1024)
		fmt.Fprintf(w, "p99 in each tenth of the soak: %s.\n\n", s.soak.timeline())
		fmt.Fprintf(w, "| Requests | Share | Count | Errors | p50 / p99 |\n|---|---:|---:|---:|---|\n")
		for _, c := range soakClasses {
			st := s.soak.classes[c.name]
			if st == nil {
				continue
			}
			fmt.Fprintf(w, "| %s | %d%% | %s | %d | %s / %s |\n", c.name, c.weight, thousands(st.requests), st.failures,
				ms(percentile(st.latency, 0.5)), ms(percentile(st.latency, 0.99)))
		}
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
	if e := s.edits; e.ran {
		fmt.Fprintf(w, "\nSearch while editing: `store.SearchOfferings` over %s offerings for %s, the single-word cases above in turn, each uncached, one after another, while a second connection edits a random offering every %s (a price, or a summary, which FTS5 reindexes) and the store then reads the data versions (as WatchVersions does for `portal import`): %d edits, %s searches, p50 / p95 / max %s / %s / %s. The index was rebuilt %d times in the background (mean %s; first build %s); %s searches were answered from the previous index while the next was built. The same searches for %s just before, without edits: %s searches, p50 / p95 / max %s / %s / %s.\n",
			thousands(e.offerings), e.duration, editEvery, e.edits, thousands(e.searches), ms(e.p50), ms(e.p95), ms(e.max),
			e.rebuilds, ms(e.meanRebuild()), ms(e.firstBuild), thousands(e.stale), e.duration/2, thousands(e.quietSearches), ms(e.quietP50), ms(e.quietP95), ms(e.quiet100))
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
