package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"portal/store"
)

// asMain is the environment variable that makes the test binary run as the
// portal command itself (startPortalProcess), so a test can kill a real
// server process.
const asMain = "PORTAL_TEST_BINARY_AS_MAIN"

func TestMain(m *testing.M) {
	if db := os.Getenv(childEnv); db != "" {
		os.Exit(serveChild(db))
	}
	if args := os.Getenv(childArgsEnv); args != "" {
		os.Exit(runChild(args))
	}
	// The end-to-end tests are about pages, not password hashing: demo
	// accounts, when the demo data set has them, hash cheaply.
	store.UseTestPasswordParams()
	if os.Getenv(asMain) == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	stopSharedPortal()
	shutdownBrowser()
	os.Exit(code)
}

// watchWriter is an io.Writer that keeps everything written to it and lets
// a test wait for some text to appear, without sleeping.
type watchWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced by every write
}

func newWatchWriter() *watchWriter { return &watchWriter{changed: make(chan struct{})} }

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	close(w.changed)
	w.changed = make(chan struct{})
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitFor waits until re matches what has been written and returns the
// match with its groups. It gives up when stop is closed (the writer will
// get nothing more) or after timeout.
func (w *watchWriter) waitFor(re *regexp.Regexp, stop <-chan struct{}, timeout time.Duration) ([]string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		m := re.FindStringSubmatch(w.buf.String())
		changed := w.changed
		w.mu.Unlock()
		if m != nil {
			return m, nil
		}
		select {
		case <-changed:
		case <-stop:
			if m := re.FindStringSubmatch(w.String()); m != nil {
				return m, nil
			}
			return nil, fmt.Errorf("output ended without %q", re)
		case <-deadline.C:
			return nil, fmt.Errorf("no %q within %s", re, timeout)
		}
	}
}

// testPortal is `portal serve` running in this test binary through serve,
// the function the command runs, on a loopback port over its own database.
// It is the one way the end-to-end and browser tests start a server:
//
//	p := startPortal(t, withDemo())                    // stopped when the test ends
//	p := startPortal(t, withDemo(), withClock(clock))  // business time from a ManualClock
//	p := startPortal(t, withDB(path))                  // a database the test prepared
//	p := startPortal(t, withDemo(), withPrepare(fn))   // fn adds data before it listens
//
// p.url is its address; p.db its own database handle (for fixtures and
// checks); p.stop() ends it as SIGINT would and returns what serve returned.
type testPortal struct {
	url            string
	db             *store.DB
	dbPath         string
	stdout, stderr *watchWriter
	cancel         context.CancelFunc
	done           chan struct{} // closed when serve has returned
	err            error         // what serve returned; read after done
}

// portalOption changes how a test portal is started.
type portalOption func(*serveConfig, *serveHooks)

// withDemo loads the demo data set, as `portal serve -demo` does.
func withDemo() portalOption { return func(c *serveConfig, _ *serveHooks) { c.demo = true } }

// withDB serves the database at path (by default a new one in a temporary directory).
func withDB(path string) portalOption { return func(c *serveConfig, _ *serveHooks) { c.dbPath = path } }

// withClock makes clock the portal's business clock and the sweeper's alarm.
func withClock(clock store.Clock) portalOption {
	return func(_ *serveConfig, h *serveHooks) { h.clock = clock }
}

// withPublicURL sets -public-url.
func withPublicURL(u string) portalOption {
	return func(c *serveConfig, _ *serveHooks) { c.publicURL = u }
}

// withMail emails messages as -smtp-addr and its friends would set up.
func withMail(m mailConfig) portalOption { return func(c *serveConfig, _ *serveHooks) { c.mail = m } }

// withPrepare runs fn on the database before the portal listens.
func withPrepare(fn func(context.Context, *store.DB) error) portalOption {
	return func(_ *serveConfig, h *serveHooks) { h.prepare = fn }
}

// launchPortal starts a portal and waits until it listens. The caller stops it.
func launchPortal(opts ...portalOption) (*testPortal, error) {
	cfg := serveConfig{addr: "127.0.0.1:0", ocidPrefix: "ocds-demo01", sweepInterval: store.DefaultSweepInterval}
	ctx, cancel := context.WithCancel(context.Background())
	p := &testPortal{stdout: newWatchWriter(), stderr: newWatchWriter(), cancel: cancel, done: make(chan struct{})}
	h := serveHooks{stdout: p.stdout, stderr: p.stderr}
	for _, o := range opts {
		o(&cfg, &h)
	}
	if err := cfg.mail.check(cfg.publicURL); err != nil {
		cancel()
		return nil, err
	}
	if cfg.dbPath == "" {
		dir, err := os.MkdirTemp("", "portal-e2e-")
		if err != nil {
			cancel()
			return nil, err
		}
		cfg.dbPath = filepath.Join(dir, "portal.db")
		go func() { <-p.done; os.RemoveAll(dir) }()
	}
	p.dbPath = cfg.dbPath
	listening := make(chan struct{})
	h.listening = func(url string, db *store.DB) {
		p.url, p.db = url, db
		close(listening)
	}
	go func() {
		defer close(p.done)
		p.err = serve(ctx, cfg, h)
	}()
	select {
	case <-listening:
		return p, nil
	case <-p.done:
		cancel()
		return nil, fmt.Errorf("portal serve did not start: %v\nstderr:\n%s", p.err, p.stderr)
	}
}

// startPortal is launchPortal for one test: the portal stops when the test
// ends, and a failure to stop cleanly fails the test.
func startPortal(t testing.TB, opts ...portalOption) *testPortal {
	t.Helper()
	store.UseTestPasswordParams()
	p, err := launchPortal(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("stopping the portal: %v", err)
		}
	})
	return p
}

// stop cancels the server's context, as SIGINT would, and waits for serve
// to return what it returns. Calling it again returns the same.
func (p *testPortal) stop() error {
	p.cancel()
	select {
	case <-p.done:
		return p.err
	case <-time.After(time.Minute):
		return errors.New("portal serve did not stop within a minute of its context ending")
	}
}

// shared is one demo portal for the read-only end-to-end tests of the
// package, started on first use and stopped by TestMain.
var shared struct {
	once sync.Once
	p    *testPortal
	err  error
}

// sharedPortal returns the base URL of the shared demo portal. Tests that use
// it must not change its data.
func sharedPortal(t *testing.T) string {
	t.Helper()
	shared.once.Do(func() { shared.p, shared.err = launchPortal(withDemo()) })
	if shared.err != nil {
		t.Fatalf("shared portal: %v", shared.err)
	}
	return shared.p.url
}

func stopSharedPortal() {
	if shared.p != nil {
		if err := shared.p.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping the shared portal: %v\n", err)
		}
	}
}
