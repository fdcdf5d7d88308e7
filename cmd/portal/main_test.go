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

// bannerURL finds the address in the start-up banner on standard output.
var bannerURL = regexp.MustCompile(`is running at (http://[0-9.:]+)\n`)

// portalProc is a `portal serve` running in this process through run(), as
// main runs it, with its own context standing in for SIGINT.
type portalProc struct {
	url            string
	dbPath         string
	stdout, stderr *watchWriter
	cancel         context.CancelFunc
	done           chan struct{} // closed when run has returned
	err            error         // what run returned; read after done
}

// launchPortal starts `portal serve -addr 127.0.0.1:0 -db dbPath args...`
// and waits for its banner.
func launchPortal(dbPath string, args ...string) (*portalProc, error) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &portalProc{dbPath: dbPath, stdout: newWatchWriter(), stderr: newWatchWriter(), cancel: cancel, done: make(chan struct{})}
	argv := append([]string{"serve", "-addr", "127.0.0.1:0", "-db", dbPath}, args...)
	go func() {
		defer close(p.done)
		p.err = run(ctx, argv, p.stdout, p.stderr)
	}()
	m, err := p.stdout.waitFor(bannerURL, p.done, 3*time.Minute)
	if err != nil {
		cancel()
		<-p.done
		return nil, fmt.Errorf("portal serve did not start: %v (run returned %v)\nstderr:\n%s", err, p.err, p.stderr)
	}
	p.url = m[1]
	return p, nil
}

// stop cancels the server's context, as SIGINT would, and waits for run to
// return what it returns.
func (p *portalProc) stop() error {
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
	dir  string
	p    *portalProc
	err  error
}

// sharedPortal returns the base URL of the shared demo portal. Tests that use
// it must not change its data.
func sharedPortal(t *testing.T) string {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "portal-e2e-")
		if shared.err == nil {
			shared.p, shared.err = launchPortal(filepath.Join(shared.dir, "portal.db"), "-demo")
		}
	})
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
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
}
