package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"portal/store"
)

// rssResult is the server's memory while serving the big catalogue.
type rssResult struct {
	offerings    int
	urls         int
	load         loadResult
	hwm, maxRSS  int64 // kB: VmHWM at the end, and the largest VmRSS sampled during the load
	endRSS       int64 // kB: VmRSS at the end of the load
	startRSS     int64 // kB: VmRSS after start-up and the first page
	firstRequest time.Duration
}

// serverMemory runs `portal serve` on the database as a child process,
// loads it with varied catalogue URLs (queries, filters, sorts and pages,
// so that most requests miss the caches) and reads its memory from
// /proc/<pid>/status.
func serverMemory(ctx context.Context, cfg config, dbPath string) (rssResult, error) {
	res := rssResult{offerings: cfg.offerings}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return res, err
	}
	cats, err := db.Categories(ctx)
	db.Close()
	if err != nil {
		return res, err
	}
	urls := catalogueURLs(cats, 5000)
	res.urls = len(urls)

	child, err := startPortal(ctx, cfg.bin, dbPath)
	if err != nil {
		return res, err
	}
	defer child.stop()
	pid, base := child.pid, child.base
	logf("memory test: %s serve -db %s (pid %d)", cfg.bin, dbPath, pid)
	start := time.Now()
	resp, err := http.Get(base + "/offerings")
	if err != nil {
		return res, err
	}
	resp.Body.Close()
	res.firstRequest = time.Since(start)
	res.startRSS, _ = procStatus(pid, "VmRSS")

	var mu sync.Mutex
	sample := func() {
		if v, err := procStatus(pid, "VmRSS"); err == nil {
			mu.Lock()
			res.maxRSS = max(res.maxRSS, v)
			mu.Unlock()
		}
	}
	sampling, stopSampling := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			sample()
			select {
			case <-sampling.Done():
				return
			case <-t.C:
			}
		}
	}()
	res.load = runLoad(ctx, loadSpec{conns: cfg.conns, warmup: cfg.warmup, duration: cfg.rssDuration,
		url: func(w, n int) string { return base + urls[(w*7919+n)%len(urls)] }})
	stopSampling()
	wg.Wait()
	sample()
	if res.endRSS, err = procStatus(pid, "VmRSS"); err != nil {
		return res, err
	}
	if res.hwm, err = procStatus(pid, "VmHWM"); err != nil {
		return res, err
	}
	logf("memory test: %d distinct URLs, %.0f req/s, p50 %s, p99 %s, failures %d %s", res.urls, res.load.rps(),
		ms(percentile(res.load.latency, 0.5)), ms(percentile(res.load.latency, 0.99)), res.load.failures, res.load.firstErr)
	logf("memory test: VmRSS %d MB after the first page, %d MB at most while loaded, %d MB at the end; VmHWM %d MB",
		res.startRSS/1024, res.maxRSS/1024, res.endRSS/1024, res.hwm/1024)
	if err := child.stop(); err != nil {
		logf("portal serve exit: %v", err)
	}
	return res, ctx.Err()
}

// childPortal is `portal serve` running as a child process.
type childPortal struct {
	pid     int
	base    string // http://127.0.0.1:port
	output  *limitedBuffer
	done    chan struct{} // closed when the process has ended
	waitErr error         // how it ended; read after done
	stopped bool
}

// startPortal runs `bin serve` on the database on a free loopback port and
// waits until it answers /healthz.
func startPortal(ctx context.Context, bin, dbPath string) (*childPortal, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	p := &childPortal{base: "http://" + addr, output: &limitedBuffer{}, done: make(chan struct{})}
	cmd := exec.CommandContext(ctx, bin, "serve", "-db", dbPath, "-addr", addr)
	cmd.Stdout, cmd.Stderr = p.output, p.output
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 25 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p.pid = cmd.Process.Pid
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	if err := waitHealthy(ctx, p.base, p.done); err != nil {
		p.stop()
		return nil, fmt.Errorf("%w\n%s", err, p.output.String())
	}
	return p, nil
}

// stop sends SIGTERM and waits for the process to end (killing it after
// 30 seconds); it returns how the process ended, and nil when called again.
func (p *childPortal) stop() error {
	if p.stopped {
		return nil
	}
	p.stopped = true
	if proc, err := os.FindProcess(p.pid); err == nil {
		proc.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
		return p.waitErr
	case <-time.After(30 * time.Second):
		if proc, err := os.FindProcess(p.pid); err == nil {
			proc.Kill()
		}
		return fmt.Errorf("portal serve did not stop within 30s of SIGTERM")
	}
}

// catalogueURLs returns n varied catalogue URLs: queries, pages, filters and
// sorts drawn at random (fixed seed), as visitors browsing would send them.
func catalogueURLs(cats []store.Category, n int) []string {
	r := rand.New(rand.NewPCG(7, 11))
	queries := []string{"", "", "", store.SeedCommonTerm, store.SeedRareTerm, "sim", "5g sim", "ethernet", "leased line",
		"fibre", "broadband", "sd-wan", "iot", "data", "managed", "unlimited", "router", "voice", "teams", "school",
		"council sim", "quantum ethernet", "fibre 1000", "nhs", "support"}
	sorts := []string{"", "", store.SortPriceAsc, store.SortPriceDesc, store.SortName}
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		v := url.Values{}
		if q := queries[r.IntN(len(queries))]; q != "" {
			v.Set("q", q)
		}
		if len(cats) > 0 && r.IntN(3) == 0 {
			v.Add("category", cats[r.IntN(len(cats))].Slug)
		}
		if r.IntN(6) == 0 {
			v.Set("term", []string{"12", "24", "36"}[r.IntN(3)])
		}
		if r.IntN(8) == 0 {
			v.Set("trial", []string{store.TrialPOV, store.TrialSDWAN}[r.IntN(2)])
		}
		if r.IntN(6) == 0 {
			v.Set("max_monthly", strconv.Itoa(10+r.IntN(400)))
		}
		if s := sorts[r.IntN(len(sorts))]; s != "" {
			v.Set("sort", s)
		}
		if p := 1 + r.IntN(40); p > 1 && r.IntN(2) == 0 {
			v.Set("page", strconv.Itoa(p))
		}
		u := "/offerings"
		if len(v) > 0 {
			u += "?" + v.Encode()
		}
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHealthy(ctx context.Context, base string, exited <-chan struct{}) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("portal serve exited early")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("portal serve not healthy after 60s")
}

// procStatus reads a kB field such as VmRSS from /proc/<pid>/status.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == field {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// limitedBuffer keeps the first 64 KB written to it (the child's output, for errors).
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := 64<<10 - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
