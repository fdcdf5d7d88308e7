package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"portal/store"
)

// Pages the end-to-end tests visit on the demo portal, with their statuses.
const (
	offeringPath  = "/offerings/ethernet-1gbps-leased-line"
	comparePath   = "/compare?id=ethernet-1gbps-leased-line&id=ffc-ethernet-1gbps-leased-line"
	agreementPath = "/agreements/vmo2b-mou"
	fiveCompare   = "/compare?id=business-unlimited-5g-sim&id=ethernet-1gbps-leased-line&id=iot-sim-1gb&id=iot-sim-10mb&id=managed-sd-wan-hub"
)

// e2ePage is a page of the demo portal and what it must answer.
type e2ePage struct {
	path   string
	status int
	want   string // text the page must contain
}

var e2ePages = []e2ePage{
	{"/", 200, "Agreements carried"},
	{"/offerings", 200, "offerings"},
	{"/offerings?q=ether", 200, "matching “ether”"},
	{offeringPath, 200, "Ethernet 1Gbps Leased Line"},
	{comparePath, 200, "Compare offerings"},
	{agreementPath, 200, "In-life discount tiers"},
	{"/offerings?max_monthly=abc", 400, "There is a problem"},
	{fiveCompare, 400, "You can compare up to 4 offerings"},
	{"/offerings/no-such-offering", 404, "Page not found"},
}

// httpGet fetches url with a client that does not follow redirects.
func httpGet(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	c := &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", u, err)
	}
	return resp, body
}

func TestServeHTTP(t *testing.T) {
	t.Parallel()
	base := sharedPortal(t)
	for _, p := range e2ePages {
		t.Run(p.path, func(t *testing.T) {
			resp, body := httpGet(t, base+p.path)
			if resp.StatusCode != p.status {
				t.Errorf("got status %d, want %d", resp.StatusCode, p.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=UTF-8" {
				t.Errorf("got Content-Type %q, want HTML in UTF-8", ct)
			}
			if !strings.Contains(string(body), p.want) {
				t.Errorf("page lacks %q", p.want)
			}
			if !resp.Uncompressed {
				t.Errorf("got an uncompressed answer to Go's Accept-Encoding: gzip, want gzip")
			}
			if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("got headers %v, want the security headers", resp.Header)
			}
		})
	}
	t.Run("healthz", func(t *testing.T) {
		resp, body := httpGet(t, base+"/healthz")
		if resp.StatusCode != 200 || string(body) != "ok" {
			t.Errorf("got %d %q, want 200 ok", resp.StatusCode, body)
		}
	})
	t.Run("CSV", func(t *testing.T) {
		resp, body := httpGet(t, base+"/offerings.csv?category=sd-wan")
		recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
		if resp.StatusCode != 200 || err != nil || len(recs) < 3 || recs[0][0] != "slug" {
			t.Fatalf("got %d, %v, %d records; want a CSV with a header and SD-WAN rows", resp.StatusCode, err, len(recs))
		}
		for _, r := range recs[1:] {
			if r[4] != "sd-wan" {
				t.Errorf("got category %q in %v, want sd-wan only", r[4], r)
			}
		}
	})
	t.Run("stylesheet", func(t *testing.T) {
		_, page := httpGet(t, base+"/")
		m := regexp.MustCompile(`href="(/static/app\.[0-9a-f]+\.css)"`).FindSubmatch(page)
		if m == nil {
			t.Fatalf("home page links no fingerprinted stylesheet")
		}
		resp, css := httpGet(t, base+string(m[1]))
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || len(css) == 0 {
			t.Errorf("got %d, Cache-Control %q, %d bytes; want the stylesheet cached for good", resp.StatusCode, resp.Header.Get("Cache-Control"), len(css))
		}
	})
}

// smallWindowDialer connects with a tiny receive buffer and segment size, so
// that a server writing a response of more than a few tens of kilobytes to
// it blocks until the client reads: the request stays in flight for as long
// as the test wants.
func smallWindowDialer() *net.Dialer {
	return &net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048); serr == nil {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, 536)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
}

// TestGracefulShutdown cancels the server's context (what SIGINT does) while
// a large CSV is being sent, and checks that the CSV arrives whole, that the
// server stops taking connections, and that run returns nil with the
// database closed cleanly.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	// A catalogue whose CSV is about 160 KB: far more than the socket
	// buffers between server and client hold, so the server is still
	// writing when the context ends.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portal.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadDemo(ctx, "portal-demo-pass"); err != nil {
		t.Fatal(err)
	}
	var big []store.NewOffering
	for i := range 60 {
		big = append(big, store.NewOffering{Slug: fmt.Sprintf("long-%02d", i), Name: fmt.Sprintf("Long %02d %s", i, strings.Repeat("fibre ", 430)),
			CategorySlug: "business-broadband", AgreementSlug: store.DemoAgreementMoU, Unit: "connection", MonthlyPence: 1000, Terms: []int{12}})
	}
	if err := db.LoadCatalogue(ctx, store.Catalogue{Offerings: big}); err != nil {
		t.Fatal(err)
	}
	res, err := db.SearchOfferings(ctx, store.SearchParams{MaxMonthly: -1, PerPage: -1})
	if err != nil {
		t.Fatal(err)
	}
	wantRows, lastSlug := res.Total, res.Offerings[res.Total-1].Slug
	db.Close()

	p := startPortal(t, withDB(path))
	addr := strings.TrimPrefix(p.url, "http://")
	conn, err := smallWindowDialer().Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /offerings.csv HTTP/1.1\r\nHost: portal\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReaderSize(conn, 1024)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the response head: %v", err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("got status %d, want 200", resp.StatusCode)
	}

	// The CSV is being written and we are not reading: end the context.
	p.cancel()
	if _, err := p.stderr.waitFor(regexp.MustCompile(`shutting down`), p.done, time.Minute); err != nil {
		t.Fatalf("the server did not start shutting down: %v", err)
	}
	select {
	case <-p.done:
		t.Fatalf("run returned (%v) while a response was still being sent, want it to wait", p.err)
	default:
	}
	// The listener closes just after the log line: new connections are
	// refused from then on.
	for deadline := time.Now().Add(30 * time.Second); ; runtime.Gosched() {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Errorf("new connections during shutdown: got accepted for 30 s, want refused")
			break
		}
	}

	recs, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatalf("reading the in-flight CSV: %v (the response was cut off)", err)
	}
	if got := len(recs) - 1; got != wantRows || recs[len(recs)-1][0] != lastSlug {
		t.Errorf("in-flight CSV: got %d rows ending %q, want %d ending %q", got, recs[len(recs)-1][0], wantRows, lastSlug)
	}

	select {
	case <-p.done:
	case <-time.After(time.Minute):
		t.Fatalf("run did not return within a minute of the response completing")
	}
	if p.err != nil {
		t.Errorf("run returned %v, want nil after a graceful shutdown", p.err)
	}
	if !strings.Contains(p.stderr.String(), `"msg":"stopped"`) {
		t.Errorf("log: got\n%s\nwant it to end with \"stopped\"", p.stderr)
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("WAL after shutdown: got %d bytes, want the database checkpointed and closed", fi.Size())
	}
}

// ---------------------------------------------------------------------------
// In the browser

func TestPagesAreAccessible(t *testing.T) {
	t.Parallel()
	base := sharedPortal(t)
	ctx := requireBrowser(t)
	for _, p := range e2ePages {
		if p.status >= 400 {
			// An error page: navigate, then scan what is shown (axeScan
			// refuses error statuses so that it never passes on a 404 by
			// accident).
			if err := chromedp.Do(ctx, chromedp.Navigate(base+p.path), chromedp.WaitReady(chromedp.CSS("main h1"))); err != nil {
				t.Fatalf("navigating to %s: %v", p.path, err)
			}
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			if !strings.HasSuffix(loc, p.path) {
				t.Errorf("the tab shows %s, want %s", loc, p.path)
			}
			axeScanCurrent(t, ctx)
			continue
		}
		axeScan(t, ctx, base+p.path)
	}
}

func TestPagesAreValidHTML(t *testing.T) {
	t.Parallel()
	base := sharedPortal(t)
	pages := map[string][]byte{}
	for _, p := range append(e2ePages[:len(e2ePages):len(e2ePages)],
		e2ePage{"/compare", 200, ""},
		e2ePage{"/compare?id=iot-sim-1gb", 200, ""},
		e2ePage{"/offerings?page=3&sort=price_desc", 200, ""},
		e2ePage{"/offerings?q=zebra&term=12&trial=pov&category=sd-wan", 200, ""},
		e2ePage{"/offerings?page=-3&term=x&trial=free&sort=bogus", 400, ""},
		e2ePage{"/compare?qty=0&term=x&id=iot-sim-1gb&id=iot-sim-10mb", 400, ""},
		e2ePage{"/help/accessibility", 200, ""},
	) {
		resp, body := httpGet(t, base+p.path)
		if resp.StatusCode != p.status {
			t.Errorf("GET %s: got %d, want %d", p.path, resp.StatusCode, p.status)
		}
		pages[p.path] = body
	}
	validateHTMLBatch(t, pages)
}

func TestWorksWithoutJavaScript(t *testing.T) {
	t.Parallel()
	base := sharedPortal(t)
	ctx := requireBrowser(t)
	noScript := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	// With scripts on, app.js moves focus to an error summary; with them
	// off it must stay on the page, or this test proves nothing.
	if err := chromedp.Do(ctx, noScript, chromedp.Navigate(base+"/offerings?max_monthly=abc"), chromedp.WaitReady(chromedp.CSS(".error-summary"))); err != nil {
		t.Fatal(err)
	}
	focus, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('script[src]') ? document.activeElement.tagName : 'no script'`))
	if err != nil || focus != "BODY" {
		t.Fatalf("with scripts disabled: got focus on %q (%v), want BODY: scripts still ran or there are none", focus, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/offerings")); err != nil {
		t.Fatal(err)
	}

	// Search by filling the form and pressing its button.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#q"), "ether"),
		chromedp.Click(chromedp.CSS(`form[role="search"] button[type="submit"]`)),
		chromedp.WaitReady(chromedp.CSS(`input[name="q"][value="ether"]`)),
	)
	if err != nil {
		t.Fatalf("searching: %v", err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if u, err := url.Parse(loc); err != nil || u.Path != "/offerings" || u.Query().Get("q") != "ether" {
		t.Fatalf("after searching: got %s, want /offerings?q=ether", loc)
	}
	count, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".count")))
	if !strings.Contains(count, "matching “ether”") {
		t.Errorf("result count: got %q, want it to repeat the query", count)
	}

	// Tick two offerings and compare them.
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.results input[name="id"]')].slice(0, 2).map(e => e.value)`))
	if err != nil || len(ids) != 2 {
		t.Fatalf("results to compare: got %v, %v; want two", ids, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`input[name="id"][value="`+ids[0]+`"]`)),
		chromedp.Click(chromedp.CSS(`label[for="compare-`+ids[1]+`"]`)), // the label ticks the box too
		chromedp.Click(chromedp.CSS(`form[action="/compare"] button[type="submit"]`)),
		chromedp.WaitReady(chromedp.CSS("table.compare")),
	)
	if err != nil {
		t.Fatalf("comparing: %v", err)
	}
	loc, _ = chromedp.Run(ctx, chromedp.Location())
	if u, err := url.Parse(loc); err != nil || u.Path != "/compare" || strings.Join(u.Query()["id"], ",") != strings.Join(ids, ",") {
		t.Errorf("after comparing: got %s, want /compare with ids %v", loc, ids)
	}
	cols, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.compare thead th[scope="col"]').length`))
	if cols != 2 {
		t.Errorf("compare table: got %d columns, want 2", cols)
	}
}

func TestSkipLinkComesFirst(t *testing.T) {
	t.Parallel()
	base := sharedPortal(t)
	ctx := requireBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/offerings"), chromedp.KeyEvent(kb.Tab)); err != nil {
		t.Fatal(err)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`({text: document.activeElement.textContent.trim(), href: document.activeElement.getAttribute('href') || '', visible: String(document.activeElement.getBoundingClientRect().left >= 0)})`))
	if err != nil {
		t.Fatal(err)
	}
	if focused["text"] != "Skip to main content" || focused["href"] != "#main" {
		t.Fatalf("first Tab: got focus on %q (href %q), want the skip link to #main", focused["text"], focused["href"])
	}
	if focused["visible"] != "true" {
		t.Errorf("the focused skip link is off screen, want it shown when focused")
	}
	target, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById('main') || {}).tagName || ''`))
	if err != nil || target != "MAIN" {
		t.Errorf("#main: got %q, want the <main> element", target)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "#main") {
		t.Errorf("after Enter on the skip link: got %s, want #main", loc)
	}
}

// TestScreenshots saves screenshots of the main pages (the first screenful,
// the last, and the whole page) at desktop and phone widths for a person to
// look at; it runs only when PORTAL_SCREENSHOTS names a directory.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		t.Skip("set PORTAL_SCREENSHOTS=dir to save screenshots")
	}
	base := sharedPortal(t)
	ctx := requireBrowser(t)
	for name, path := range map[string]string{
		"offerings": "/offerings?q=fibre", "compare": comparePath + "&id=business-full-fibre-500", "offering": offeringPath,
		"error": "/offerings?max_monthly=abc&term=x", "home": "/", "agreement": agreementPath,
	} {
		for _, width := range []int64{1280, 390} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(base+path)); err != nil {
				t.Fatal(err)
			}
			shots := map[string]chromedp.Action[[]byte]{"full": chromedp.FullScreenshot(100)}
			for part, scroll := range map[string]string{"top": "window.scrollTo(0, 0)", "end": "window.scrollTo(0, document.body.scrollHeight)"} {
				shots[part] = func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
					if _, err := chromedp.Evaluate[chromedp.Void](scroll)(ctx, tg); err != nil {
						return nil, err
					}
					return chromedp.CaptureScreenshot()(ctx, tg)
				}
			}
			for part, shot := range shots {
				png, err := chromedp.Run(ctx, shot)
				if err != nil {
					t.Fatal(err)
				}
				f := filepath.Join(dir, fmt.Sprintf("%s-%d-%s.png", name, width, part))
				if err := os.WriteFile(f, png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// TestPublicPagesFollowOtherProcesses serves a public page from the response
// cache with an ETag, answers its revalidation 304, and, after another
// process changes the catalogue (`portal seed` on the same database), answers
// it with a new page within the server's periodic version check.
func TestPublicPagesFollowOtherProcesses(t *testing.T) {
	t.Parallel()
	p := startPortal(t, withDemo())
	dbPath := p.dbPath
	client := &http.Client{Timeout: time.Minute}
	get := func(inm string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, p.url+"/offerings?sort=name", nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	first := get("")
	tag := first.Header.Get("ETag")
	if first.StatusCode != http.StatusOK || tag == "" || first.Header.Get("Cache-Control") != "public, no-cache" {
		t.Fatalf("got %d, ETag %q, Cache-Control %q; want 200 with an ETag, public, no-cache", first.StatusCode, tag, first.Header.Get("Cache-Control"))
	}
	if again := get(tag); again.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: got %d, want 304", again.StatusCode)
	}
	if _, errOut, err := runCLI("seed", "-offerings", "3", "-db", dbPath); err != nil {
		t.Fatalf("portal seed beside the server: %v\n%s", err, errOut)
	}
	// The server reads the data versions every second: poll until the page
	// is new, or give up well after that.
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		resp := get(tag)
		if resp.StatusCode == http.StatusOK {
			if resp.Header.Get("ETag") == tag {
				t.Errorf("the new page has the old ETag %q", tag)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30s after another process changed the catalogue: still 304, want the new page")
		}
		<-tick.C
	}
}
