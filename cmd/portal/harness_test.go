package main

// Test harness: shared headless browser, axe-core accessibility scans and
// Nu HTML Checker (vnu) validation for the tests of this package.
//
// Helpers:
//
//	requireBrowser(t) context.Context            // a fresh tab of the shared headless Chromium
//	axeScan(t, ctx, url)                          // navigate the tab to url, fail on WCAG 2.x A/AA violations
//	axeScanCurrent(t, ctx)                        // same, on the page already loaded in the tab
//	axeViolations(ctx, url) ([]axeViolation, error)
//	axeViolationsCurrent(ctx) ([]axeViolation, error)
//	validateHTML(t, html, name)                   // fail on any vnu error in one document
//	validateHTMLBatch(t, pages)                   // one JVM start for many documents (prefer this)
//	vnuCheck(ctx, pages) (map[string][]vnuMessage, error)
//	shutdownBrowser()                             // kill the shared browser; TestMain must call it
//
// IMPORTANT: the browser is started lazily, once per test binary, and shared
// by all tests (each test gets its own tab). TestMain (in another file of this
// package) must call shutdownBrowser() after m.Run(), for example:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		shutdownBrowser()
//		os.Exit(code)
//	}
//
// (If it does not, Chromium is still killed when the test binary exits, via
// the parent-death signal that chromedp sets, but its temporary profile
// directory is left behind.)
//
// Missing tools: when /usr/bin/chromium or java is absent, the tests that need
// them are skipped with one line, unless CI=true, where they fail. The pinned
// test assets (axe.min.js, vnu.jar) live in <repo>/.cache and are fetched by
// tools/fetch-testdeps.sh, which the helpers run on first use when an asset is
// missing.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	chromiumPath = "/usr/bin/chromium"

	// browserStartTimeout bounds the start of the shared browser and the
	// opening of a tab.
	browserStartTimeout = 60 * time.Second
	// tabLifetime bounds everything a test does in its tab (a hung page
	// fails the test instead of hanging until `go test -timeout`).
	tabLifetime = 5 * time.Minute
	// axeScanTimeout bounds one axe scan (navigation + injection + run).
	axeScanTimeout = 60 * time.Second
	// vnuTimeout bounds one run of the Nu HTML checker.
	vnuTimeout = 3 * time.Minute

	// axeMaxNodes is how many failing elements are printed per violation.
	axeMaxNodes = 5
)

// axeTags are the axe-core rule tags that the scans run.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// ciRequired reports whether missing tools must fail tests instead of skipping.
func ciRequired() bool { return os.Getenv("CI") == "true" }

// skipOrFail skips the test with one line when the tool at missing is not
// installed, or fails it when CI=true. what names the skipped checks.
func skipOrFail(t testing.TB, what, missing string) {
	t.Helper()
	if ciRequired() {
		t.Fatalf("%s: %s not found, and CI=true requires it", what, missing)
	}
	t.Skipf("%s skipped: %s not found (set CI=true to require)", what, missing)
}

// ---------------------------------------------------------------------------
// Shared browser

var sharedBrowser struct {
	mu          sync.Mutex
	allocCancel context.CancelFunc
	ctx         context.Context // browser context (first tab); parent of all test tabs
	cancel      context.CancelFunc
	err         error // sticky start error: later tests fail fast
}

// startBrowserLocked starts the shared browser. sharedBrowser.mu must be held.
func startBrowserLocked() error {
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 1024),
		// No UserDataDir option on purpose: chromedp then creates a fresh
		// temporary --user-data-dir (chromedp-runner*) for this browser and
		// removes it, killing leftover helper processes, when it exits.
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(allocCtx)

	// The first Run starts the process; its context must not carry a
	// timeout (that would kill the browser later), so bound it from outside.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(bctx) }()
	select {
	case err := <-done:
		if err != nil {
			bcancel()
			allocCancel()
			return fmt.Errorf("starting %s: %w", chromiumPath, err)
		}
	case <-time.After(browserStartTimeout):
		bcancel()
		allocCancel()
		<-done
		return fmt.Errorf("starting %s: no answer within %s", chromiumPath, browserStartTimeout)
	}
	sharedBrowser.ctx, sharedBrowser.cancel, sharedBrowser.allocCancel = bctx, bcancel, allocCancel
	return nil
}

// browserContext returns the shared browser context, starting it if needed.
func browserContext() (context.Context, error) {
	sharedBrowser.mu.Lock()
	defer sharedBrowser.mu.Unlock()
	if sharedBrowser.err != nil {
		return nil, sharedBrowser.err
	}
	if sharedBrowser.ctx == nil || sharedBrowser.ctx.Err() != nil {
		if sharedBrowser.ctx != nil { // browser died (crash): restart it
			sharedBrowser.cancel()
			sharedBrowser.allocCancel()
			sharedBrowser.ctx = nil
		}
		if err := startBrowserLocked(); err != nil {
			sharedBrowser.err = err
			return nil, err
		}
	}
	return sharedBrowser.ctx, nil
}

// shutdownBrowser closes the shared browser (gracefully, then by force) and
// waits until the process has exited and its temporary profile is removed.
// It is safe to call more than once, and when no browser was started.
// TestMain must call it after m.Run().
func shutdownBrowser() {
	sharedBrowser.mu.Lock()
	defer sharedBrowser.mu.Unlock()
	if sharedBrowser.ctx != nil {
		cctx, ccancel := context.WithTimeout(sharedBrowser.ctx, 10*time.Second)
		_ = chromedp.Cancel(cctx) // graceful Browser.close; kills on timeout
		ccancel()
		sharedBrowser.cancel()
		sharedBrowser.allocCancel() // cancels and waits for the process and profile cleanup
	}
	sharedBrowser.ctx, sharedBrowser.cancel, sharedBrowser.allocCancel = nil, nil, nil
	sharedBrowser.err = nil
}

// requireBrowser returns the context of a new tab in the shared headless
// Chromium. The tab is closed by t.Cleanup. Use it with chromedp.Run/Do; for
// a per-step limit derive a context with context.WithTimeout from it.
// Everything done in the tab is bounded by tabLifetime.
//
// When /usr/bin/chromium is missing the test is skipped (or fails if CI=true).
func requireBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		skipOrFail(t, "browser tests", chromiumPath)
	}
	bctx, err := browserContext()
	if err != nil {
		t.Fatalf("headless browser: %v", err)
	}

	lifetime := tabLifetime
	if dl, ok := t.Deadline(); ok {
		if left := time.Until(dl) - 5*time.Second; left > 0 && left < lifetime {
			lifetime = left
		}
	}
	limited, limitCancel := context.WithTimeout(bctx, lifetime)
	tabCtx, tabCancel := chromedp.NewContext(limited)
	t.Cleanup(func() {
		tabCancel() // closes the tab and waits for it
		limitCancel()
	})

	// Open the tab now (on the tab context itself, which must be the
	// context of its first Run), bounded by browserStartTimeout.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(tabCtx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("opening a browser tab: %v", err)
		}
	case <-time.After(browserStartTimeout):
		tabCancel()
		t.Fatalf("opening a browser tab: no answer within %s", browserStartTimeout)
	}
	return tabCtx
}

// ---------------------------------------------------------------------------
// Test assets (.cache) and the repository root

var testDeps struct {
	mu      sync.Mutex
	fetched bool
	err     error
}

// repoRoot finds the repository root by walking up from the working
// directory to the directory that holds go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod in %s or any parent directory", dir)
		}
		d = parent
	}
}

// testAsset returns the absolute path of .cache/<rel>, running
// tools/fetch-testdeps.sh once if the file is missing.
func testAsset(rel string) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, ".cache", rel)
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return path, nil
	}
	testDeps.mu.Lock()
	defer testDeps.mu.Unlock()
	if !testDeps.fetched {
		testDeps.fetched = true
		script := filepath.Join(root, "tools", "fetch-testdeps.sh")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", script)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			testDeps.err = fmt.Errorf("%s failed: %v\n%s", script, err, out)
		}
	}
	if testDeps.err != nil {
		return "", testDeps.err
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return "", fmt.Errorf("%s is still missing after tools/fetch-testdeps.sh", path)
	}
	return path, nil
}

var axeSource struct {
	once sync.Once
	src  string
	err  error
}

func loadAxeSource() (string, error) {
	axeSource.once.Do(func() {
		path, err := testAsset("axe/axe.min.js")
		if err != nil {
			axeSource.err = err
			return
		}
		b, err := os.ReadFile(path)
		axeSource.src, axeSource.err = string(b), err
	})
	return axeSource.src, axeSource.err
}

// ---------------------------------------------------------------------------
// axe-core

// axeViolation is one failed axe rule with the elements that fail it.
type axeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []axeNode `json:"nodes"`
}

type axeNode struct {
	Target  []string `json:"target"`
	HTML    string   `json:"html"`
	Summary string   `json:"failureSummary"`
}

// axeRunJS waits for the document to finish loading, then runs axe and
// returns the violations in a compact JSON-friendly form.
var axeRunJS = `(async () => {
	if (document.readyState !== 'complete') {
		await new Promise(r => window.addEventListener('load', () => r(), {once: true}));
	}
	const res = await axe.run(document, {runOnly: {type: 'tag', values: ` + mustJSON(axeTags) + `}});
	return res.violations.map(v => ({
		id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({
			target: n.target.map(s => Array.isArray(s) ? s.join(' >>> ') : String(s)),
			html: n.html, failureSummary: n.failureSummary || '',
		})),
	}));
})()`

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// axeViolations navigates the tab of ctx to pageURL and returns the axe
// violations of the loaded page. It returns an error when the navigation
// fails or the document answers with an HTTP status >= 400 (so a scan never
// passes on a "404 page not found" by accident).
func axeViolations(ctx context.Context, pageURL string) ([]axeViolation, error) {
	if err := chromedp.Do(ctx); err != nil { // attach the tab on its own context first
		return nil, err
	}
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(pageURL))
	if err != nil {
		return nil, fmt.Errorf("navigating to %s: %w", pageURL, err)
	}
	if resp != nil && resp.Status >= 400 {
		return nil, fmt.Errorf("navigating to %s: HTTP %d %s", pageURL, resp.Status, resp.StatusText)
	}
	return axeViolationsCurrent(ctx)
}

// axeViolationsCurrent returns the axe violations of the page that the tab
// of ctx shows now. After an action that navigates (a form submission), wait
// first for an element of the new page (chromedp.WaitReady("#some-id")), so
// that the old page is not scanned.
func axeViolationsCurrent(ctx context.Context) ([]axeViolation, error) {
	if err := chromedp.Do(ctx); err != nil {
		return nil, err
	}
	src, err := loadAxeSource()
	if err != nil {
		return nil, fmt.Errorf("loading axe-core: %w", err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitReady("body")); err != nil {
		return nil, fmt.Errorf("waiting for <body>: %w", err)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object' && typeof window.axe.run === 'function'`))
	if err != nil {
		return nil, fmt.Errorf("checking for axe: %w", err)
	}
	if !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			return nil, fmt.Errorf("injecting axe-core: %w", err)
		}
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRunJS, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("running axe: %w", err)
	}
	return vs, nil
}

// formatViolations renders violations for a test failure message.
func formatViolations(vs []axeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  [%s] %s: %s (%d element(s))\n      %s", v.Impact, v.ID, v.Help, len(v.Nodes), v.HelpURL)
		for i, n := range v.Nodes {
			if i == axeMaxNodes {
				fmt.Fprintf(&b, "\n      ... and %d more", len(v.Nodes)-axeMaxNodes)
				break
			}
			html := strings.Join(strings.Fields(n.HTML), " ")
			if r := []rune(html); len(r) > 160 {
				html = string(r[:160]) + "..."
			}
			fmt.Fprintf(&b, "\n      - %s\n        %s", strings.Join(n.Target, ", "), html)
		}
	}
	return b.String()
}

func violationIDs(vs []axeViolation) []string {
	ids := make([]string, 0, len(vs))
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	return ids
}

// axeScan navigates the tab of ctx (from requireBrowser) to url and fails
// the test if axe-core finds WCAG 2.0/2.1/2.2 A/AA violations. It is bounded
// by axeScanTimeout.
func axeScan(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, axeScanTimeout)
	defer cancel()
	vs, err := axeViolations(sctx, url)
	if err != nil {
		t.Fatalf("axe scan of %s: %v", url, err)
	}
	if len(vs) > 0 {
		t.Errorf("axe: %d accessibility violation(s) on %s:%s", len(vs), url, formatViolations(vs))
	}
}

// axeScanCurrent is axeScan for the page already loaded in the tab, e.g. the
// error state after submitting a form. Wait for the new page first (see
// axeViolationsCurrent).
func axeScanCurrent(t *testing.T, ctx context.Context) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, axeScanTimeout)
	defer cancel()
	loc, _ := chromedp.Run(sctx, chromedp.Location())
	vs, err := axeViolationsCurrent(sctx)
	if err != nil {
		t.Fatalf("axe scan of the current page (%s): %v", loc, err)
	}
	if len(vs) > 0 {
		t.Errorf("axe: %d accessibility violation(s) on the current page (%s):%s", len(vs), loc, formatViolations(vs))
	}
}

// ---------------------------------------------------------------------------
// Nu HTML Checker (vnu)

// vnuMessage is one message of `vnu --format json`.
type vnuMessage struct {
	Type        string `json:"type"` // "error", "non-document-error", "info"
	SubType     string `json:"subType"`
	URL         string `json:"url"`
	FirstLine   int    `json:"firstLine"`
	LastLine    int    `json:"lastLine"`
	FirstColumn int    `json:"firstColumn"`
	LastColumn  int    `json:"lastColumn"`
	Message     string `json:"message"`
	Extract     string `json:"extract"`
}

func (m vnuMessage) String() string {
	line := m.FirstLine
	if line == 0 {
		line = m.LastLine
	}
	s := fmt.Sprintf("line %d:%d: %s: %s", line, m.FirstColumn, m.Type, m.Message)
	if m.Extract != "" {
		s += fmt.Sprintf("\n        %q", m.Extract)
	}
	return s
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// errVNUUnavailable means java is not installed.
var errVNUUnavailable = errors.New("java not found")

// vnuCheck validates the documents in pages (name -> HTML) with one vnu run
// and returns the error messages per name; a name without errors is absent.
func vnuCheck(ctx context.Context, pages map[string][]byte) (map[string][]vnuMessage, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, errVNUUnavailable
	}
	jar, err := testAsset("vnu/vnu.jar")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vnu-pages-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	names := make([]string, 0, len(pages))
	for name := range pages {
		names = append(names, name)
	}
	slices.Sort(names)
	byFile := make(map[string]string, len(pages)) // file base name -> page name
	args := []string{"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss8m", "-jar", jar,
		"--errors-only", "--no-langdetect", "--format", "json", "--stdout"}
	for i, name := range names {
		base := fmt.Sprintf("%03d-%s.html", i, strings.Trim(unsafeFileChars.ReplaceAllString(name, "_"), "_"))
		if err := os.WriteFile(filepath.Join(dir, base), pages[name], 0o644); err != nil {
			return nil, err
		}
		byFile[base] = name
		args = append(args, filepath.Join(dir, base))
	}
	if len(names) == 0 {
		return nil, nil
	}

	cmd := exec.CommandContext(ctx, java, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run() // exit status 1 when there are errors
	if ctx.Err() != nil {
		return nil, fmt.Errorf("vnu: %w", ctx.Err())
	}
	var out struct {
		Messages []vnuMessage `json:"messages"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("vnu: %v (run error: %v)\nstdout: %s\nstderr: %s", err, runErr, stdout.String(), stderr.String())
	}
	res := map[string][]vnuMessage{}
	for _, m := range out.Messages {
		if m.Type == "info" { // warnings (not requested, but be safe)
			continue
		}
		name := "(vnu)"
		if u, err := url.Parse(m.URL); err == nil && m.URL != "" {
			if n, ok := byFile[filepath.Base(u.Path)]; ok {
				name = n
			}
		}
		res[name] = append(res[name], m)
	}
	if runErr != nil && len(res) == 0 {
		return nil, fmt.Errorf("vnu failed without reporting errors: %v\nstderr: %s", runErr, stderr.String())
	}
	return res, nil
}

// validateHTMLBatch validates many documents with one JVM start and fails the
// test listing every error per document. Prefer it to validateHTML in loops.
func validateHTMLBatch(t *testing.T, pages map[string][]byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), vnuTimeout)
	defer cancel()
	res, err := vnuCheck(ctx, pages)
	if errors.Is(err, errVNUUnavailable) {
		skipOrFail(t, "HTML validation", "java")
	}
	if err != nil {
		t.Fatalf("HTML validation: %v", err)
	}
	names := make([]string, 0, len(res))
	for name := range res {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		var b strings.Builder
		for _, m := range res[name] {
			fmt.Fprintf(&b, "\n    %s", m)
		}
		t.Errorf("HTML validation (vnu): %d error(s) in %s:%s", len(res[name]), name, b.String())
	}
}

// validateHTML validates one document (name is used in messages).
func validateHTML(t *testing.T, html []byte, name string) {
	t.Helper()
	validateHTMLBatch(t, map[string][]byte{name: html})
}

// ---------------------------------------------------------------------------
// Self-test

const harnessGoodPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Harness self-check: good page</title>
</head>
<body>
<header><a href="/good">Buyer portal</a></header>
<main>
<h1>Search tenders</h1>
<img src="/logo.svg" alt="Portal logo" width="32" height="32">
<form action="/bad" method="get">
<label for="q">Keyword</label>
<input id="q" name="q" type="text">
<button type="submit">Search</button>
</form>
</main>
<footer><p>Self-check footer</p></footer>
</body>
</html>
`

const harnessBadPage = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Harness self-check: bad page</title></head>
<body>
<main id="bad-marker">
<img src="/logo.svg" width="32" height="32">
<input type="text" name="q">
</main>
</body>
</html>
`

const harnessInvalidPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Harness self-check: invalid page</title></head>
<body>
<p id="dup">one</p>
<span><div>block in inline</div></span>
<p id="dup">two</p>
</body>
</html>
`

const harnessLogo = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#036"/></svg>`

func TestHarnessSelfCheck(t *testing.T) {
	t.Run("axe", func(t *testing.T) {
		mux := http.NewServeMux()
		page := func(body string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				// A strict CSP like a real portal's: axe must still run.
				w.Header().Set("Content-Security-Policy", "default-src 'self'")
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, body)
			}
		}
		mux.HandleFunc("/good", page(harnessGoodPage))
		mux.HandleFunc("/bad", page(harnessBadPage))
		mux.HandleFunc("/logo.svg", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/svg+xml")
			fmt.Fprint(w, harnessLogo)
		})
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)

		ctx := requireBrowser(t)

		sctx, cancel := context.WithTimeout(ctx, axeScanTimeout)
		defer cancel()
		good, err := axeViolations(sctx, srv.URL+"/good")
		if err != nil {
			t.Fatalf("axe on good page: %v", err)
		}
		if len(good) != 0 {
			t.Errorf("axe on good page: want no violations, got %v:%s", violationIDs(good), formatViolations(good))
		}
		axeScan(t, ctx, srv.URL+"/good") // the t-level helper passes too

		bad, err := axeViolations(sctx, srv.URL+"/bad")
		if err != nil {
			t.Fatalf("axe on bad page: %v", err)
		}
		ids := violationIDs(bad)
		for _, want := range []string{"image-alt", "label", "html-has-lang"} {
			if !slices.Contains(ids, want) {
				t.Errorf("axe on bad page: want violation %q, got %v", want, ids)
			}
		}
		report := formatViolations(bad)
		if !strings.Contains(report, "image-alt") || !strings.Contains(report, `<img src="/logo.svg"`) {
			t.Errorf("violation report lacks the rule id or the HTML snippet:%s", report)
		}

		// The scan of the current page: submit the good page's form, which
		// leads to the bad page, wait for it, and scan it in place.
		if err := chromedp.Do(sctx,
			chromedp.Navigate(srv.URL+"/good"),
			chromedp.Click(chromedp.CSS("button[type=submit]")),
			chromedp.WaitReady(chromedp.CSS("#bad-marker")),
		); err != nil {
			t.Fatalf("submitting the form: %v", err)
		}
		cur, err := axeViolationsCurrent(sctx)
		if err != nil {
			t.Fatalf("axe on current page: %v", err)
		}
		if !slices.Contains(violationIDs(cur), "image-alt") {
			t.Errorf("axe on current (bad) page: want image-alt, got %v", violationIDs(cur))
		}

		// An HTTP error page must not pass a scan silently.
		if _, err := axeViolations(sctx, srv.URL+"/missing"); err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("axe on a 404 page: want an HTTP 404 error, got %v", err)
		}
	})

	t.Run("vnu", func(t *testing.T) {
		if _, err := exec.LookPath("java"); err != nil {
			skipOrFail(t, "HTML validation", "java")
		}
		ctx, cancel := context.WithTimeout(context.Background(), vnuTimeout)
		defer cancel()
		res, err := vnuCheck(ctx, map[string][]byte{
			"good page":    []byte(harnessGoodPage),
			"invalid/page": []byte(harnessInvalidPage),
		})
		if err != nil {
			t.Fatalf("vnu: %v", err)
		}
		if msgs := res["good page"]; len(msgs) != 0 {
			t.Errorf("vnu on good page: want no errors, got %v", msgs)
		}
		msgs := res["invalid/page"]
		var all []string
		for _, m := range msgs {
			all = append(all, m.String())
		}
		joined := strings.Join(all, "\n")
		if !strings.Contains(joined, "Duplicate ID") || !strings.Contains(joined, "“div” not allowed") {
			t.Errorf("vnu on invalid page: want duplicate-id and div-in-span errors, got:\n%s", joined)
		}
		for _, m := range msgs {
			if m.LastLine == 0 {
				t.Errorf("vnu message without a line number: %v", m)
			}
		}
		if len(res) != 1 {
			t.Errorf("vnu: want errors for exactly one page, got %d: %v", len(res), res)
		}
		validateHTML(t, []byte(harnessGoodPage), "good page") // the t-level helper passes too
	})
}
