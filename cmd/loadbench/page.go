package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"portal/handlers"
	"portal/store"
)

// pageCase is one public page type measured against a bare handler.
type pageCase struct {
	name, path string
}

// pageRun is one page type in one encoding: the portal and a bare net/http
// handler writing the same bytes with the same headers, in alternating
// rounds of the same length.
type pageRun struct {
	pageCase
	gzip         bool
	bodyBytes    int // as sent
	portal, bare loadResult
}

func (p pageRun) ratio() float64 {
	if p.bare.rps() == 0 {
		return 0
	}
	return p.portal.rps() / p.bare.rps()
}

func (p pageRun) encoding() string {
	if p.gzip {
		return "gzip"
	}
	return "identity"
}

// pagesResult is the page comparisons and the spread over many offerings.
type pagesResult struct {
	ran       bool
	offerings int
	conns     int
	pages     []pageRun
	spread    pageRun // 300 offering pages in turn, gzip
	spreadN   int
}

// capturedPage is a portal answer as the bare handler repeats it.
type capturedPage struct {
	header http.Header
	body   []byte
}

// capture fetches path from the portal as a client with or without gzip
// would, and returns the answer for the bare handler to repeat.
func capture(ctx context.Context, base, path string, gz bool) (capturedPage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return capturedPage{}, err
	}
	if gz {
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		return capturedPage{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return capturedPage{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return capturedPage{}, fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Encoding") == "gzip"; got != gz {
		return capturedPage{}, fmt.Errorf("GET %s: Content-Encoding %q with gzip %v", path, resp.Header.Get("Content-Encoding"), gz)
	}
	h := resp.Header.Clone()
	h.Del("Date") // net/http adds its own
	return capturedPage{header: h, body: body}, nil
}

// bareServer answers each captured URL and encoding with the captured
// headers and bytes and does nothing else: the ceiling for the portal.
type bareServer map[string]capturedPage

func bareKey(uri string, gz bool) string {
	if gz {
		return uri + "|gzip"
	}
	return uri
}

func (b bareServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, ok := b[bareKey(r.URL.RequestURI(), strings.Contains(r.Header.Get("Accept-Encoding"), "gzip"))]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	for k, v := range p.header {
		h[k] = v
	}
	w.WriteHeader(http.StatusOK)
	w.Write(p.body)
}

// publicPages are the page types measured, over the database at dbPath.
func publicPages(ctx context.Context, db *store.DB) ([]pageCase, []string, error) {
	all, err := db.SearchOfferings(ctx, store.SearchParams{MaxMonthly: -1, Sort: store.SortName, PerPage: -1})
	if err != nil {
		return nil, nil, err
	}
	if len(all.Offerings) < 300 {
		return nil, nil, fmt.Errorf("the catalogue has %d offerings, want at least 300", len(all.Offerings))
	}
	// 300 offerings spread over the whole name order.
	var spread []string
	step := len(all.Offerings) / 300
	for i := range 300 {
		spread = append(spread, "/offerings/"+all.Offerings[i*step].Slug)
	}
	return []pageCase{
		{"home", "/"},
		{"catalogue", "/offerings"},
		{"search", "/offerings?q=" + store.SeedCommonTerm},
		{"offering", "/offerings/ethernet-1gbps-leased-line"},
		{"compare", "/compare?id=ethernet-1gbps-leased-line&id=ffc-ethernet-1gbps-leased-line&id=business-full-fibre-500"},
		{"agreement", "/agreements/" + store.DemoAgreementMoU},
		{"help", "/help/accessibility"},
		{"savings", "/transparency/savings"},
	}, spread, nil
}

// pageThroughput serves every public page type from the real handler stack
// and the same bytes from a bare net/http handler, each in gzip and
// identity, and loads them in alternating rounds; then 300 offering pages in
// turn the same way.
func pageThroughput(ctx context.Context, cfg config, dbPath string) (pagesResult, error) {
	res := pagesResult{ran: true, offerings: cfg.pageOfferings, conns: cfg.conns}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return res, err
	}
	defer db.Close()
	cases, spread, err := publicPages(ctx, db)
	if err != nil {
		return res, err
	}
	res.spreadN = len(spread)
	srvCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	e, err := handlers.New(srvCtx, handlers.Config{DB: db, Logger: discardLogger()})
	if err != nil {
		return res, err
	}
	portalURL, stopPortal, err := serve(e)
	if err != nil {
		return res, err
	}
	defer stopPortal()
	bare := bareServer{}
	for _, pc := range cases {
		for _, gz := range []bool{true, false} {
			p, err := capture(ctx, portalURL, pc.path, gz)
			if err != nil {
				return res, err
			}
			bare[bareKey(pc.path, gz)] = p
		}
	}
	for _, path := range spread {
		p, err := capture(ctx, portalURL, path, true)
		if err != nil {
			return res, err
		}
		bare[bareKey(path, true)] = p
	}
	bareURL, stopBare, err := serve(bare)
	if err != nil {
		return res, err
	}
	defer stopBare()

	compare := func(run *pageRun, paths []string) error {
		sizes := map[string]int{}
		for _, p := range paths {
			sizes[p] = len(bare[bareKey(p, run.gzip)].body)
		}
		run.bodyBytes = sizes[paths[0]]
		var portals, bares []loadResult
		for round := 1; round <= cfg.rounds; round++ {
			for _, t := range []struct {
				name, base string
				out        *[]loadResult
			}{{"portal", portalURL, &portals}, {"bare", bareURL, &bares}} {
				r := runLoad(ctx, loadSpec{conns: cfg.conns, warmup: cfg.warmup, duration: cfg.duration, identity: !run.gzip,
					url: func(w, n int) string { return t.base + paths[(w*7919+n)%len(paths)] },
					ok:  func(status int, n int64) bool { return status == http.StatusOK && n > 0 }})
				if err := ctx.Err(); err != nil {
					return err
				}
				logf("%-10s %-8s round %d %-6s %8.0f req/s  p50 %-8s p99 %-8s failures %d %s", run.name, run.encoding(), round, t.name,
					r.rps(), ms(percentile(r.latency, 0.50)), ms(percentile(r.latency, 0.99)), r.failures, r.firstErr)
				*t.out = append(*t.out, r)
			}
		}
		run.portal, run.bare = merge(portals...), merge(bares...)
		logf("%-10s %-8s portal/bare %.2f×", run.name, run.encoding(), run.ratio())
		return nil
	}
	for _, pc := range cases {
		for _, gz := range []bool{true, false} {
			run := pageRun{pageCase: pc, gzip: gz}
			if err := compare(&run, []string{pc.path}); err != nil {
				return res, err
			}
			res.pages = append(res.pages, run)
		}
	}
	res.spread = pageRun{pageCase: pageCase{name: fmt.Sprintf("%d offering pages in turn", len(spread)), path: "/offerings/{slug}"}, gzip: true}
	if err := compare(&res.spread, spread); err != nil {
		return res, err
	}
	return res, nil
}
