package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/handlers"
	"portal/store"
)

// pageResult is the catalogue page throughput comparison.
type pageResult struct {
	ran            bool
	path           string
	offerings      int
	results        int // offerings listed on the page
	gzipBytes      int
	htmlBytes      int
	portal, bare   loadResult
	portalRender   loadResult // page cache bypassed: render and gzip on every request
	conns, rounds  int
	headersCopied  []string
	contentEncoded string
}

func (p pageResult) ratio() float64 {
	if p.bare.rps() == 0 {
		return 0
	}
	return p.portal.rps() / p.bare.rps()
}

// pageThroughput serves the catalogue from the real handler stack and the
// same bytes from a bare Echo handler, and loads each in alternating rounds.
func pageThroughput(ctx context.Context, cfg config, dbPath string) (pageResult, error) {
	res := pageResult{ran: true, path: cfg.pagePath, offerings: cfg.pageOfferings, conns: cfg.conns, rounds: cfg.rounds}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return res, err
	}
	defer db.Close()
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

	// The page as a browser gets it.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, portalURL+cfg.pagePath, nil)
	if err != nil {
		return res, err
	}
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		return res, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return res, err
	}
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("GET %s: status %d", cfg.pagePath, resp.StatusCode)
	}
	res.gzipBytes = len(body)
	res.contentEncoded = resp.Header.Get("Content-Encoding")
	html := body
	if res.contentEncoded == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return res, err
		}
		if html, err = io.ReadAll(zr); err != nil {
			return res, err
		}
	}
	res.htmlBytes = len(html)
	res.results = strings.Count(string(html), `name="id"`)
	logf("page %s: %d results, %d bytes of HTML, %d bytes sent (Content-Encoding %q)",
		cfg.pagePath, res.results, res.htmlBytes, res.gzipBytes, res.contentEncoded)

	// The bare handler: the same status, headers and bytes, nothing else.
	header := http.Header{}
	for k, v := range resp.Header {
		if k == "Date" {
			continue // net/http adds its own
		}
		header[k] = append([]string(nil), v...)
		res.headersCopied = append(res.headersCopied, k)
	}
	bare := echo.New()
	bare.HideBanner, bare.HidePort = true, true
	bare.GET("/offerings", func(c echo.Context) error {
		h := c.Response().Header()
		for k, v := range header {
			h[k] = v
		}
		c.Response().WriteHeader(http.StatusOK)
		_, err := c.Response().Write(body)
		return err
	})
	bareURL, stopBare, err := serve(bare)
	if err != nil {
		return res, err
	}
	defer stopBare()

	same := func(status int, n int64) bool { return status == http.StatusOK && n == int64(len(body)) }
	var portals, bares []loadResult
	for round := 1; round <= cfg.rounds; round++ {
		for _, t := range []struct {
			name string
			url  string
			out  *[]loadResult
		}{{"portal", portalURL, &portals}, {"bare Echo", bareURL, &bares}} {
			url := t.url + cfg.pagePath
			r := runLoad(ctx, loadSpec{conns: cfg.conns, warmup: cfg.warmup, duration: cfg.duration, ok: same,
				url: func(int, int) string { return url }})
			if err := ctx.Err(); err != nil {
				return res, err
			}
			logf("round %d %-9s %8.0f req/s  p50 %-8s p99 %-8s failures %d %s", round, t.name, r.rps(),
				ms(percentile(r.latency, 0.50)), ms(percentile(r.latency, 0.99)), r.failures, r.firstErr)
			*t.out = append(*t.out, r)
		}
	}
	res.portal, res.bare = merge(portals...), merge(bares...)

	// For information: the render path, with the page cache missed on every
	// request (an unknown parameter makes each URL new; search results stay cached).
	sep := "?"
	if strings.Contains(cfg.pagePath, "?") {
		sep = "&"
	}
	res.portalRender = runLoad(ctx, loadSpec{conns: cfg.conns, warmup: cfg.warmup, duration: cfg.duration,
		ok: func(status int, _ int64) bool { return status == http.StatusOK },
		url: func(w, n int) string {
			return fmt.Sprintf("%s%s%sx=%d-%d", portalURL, cfg.pagePath, sep, w, n)
		}})
	logf("portal, page cache missed: %8.0f req/s  p50 %s p99 %s failures %d %s", res.portalRender.rps(),
		ms(percentile(res.portalRender.latency, 0.50)), ms(percentile(res.portalRender.latency, 0.99)),
		res.portalRender.failures, res.portalRender.firstErr)
	return res, ctx.Err()
}
