// Command loadbench measures the portal against its performance targets
// (`make bench`), on loopback only, and stops by itself:
//
//   - pages: every public page type (home, catalogue, search, offering,
//     compare, agreement, help) served by the real handler stack, against a
//     bare net/http handler writing the same bytes with the same headers,
//     with gzip and without, alternating between the two at 64 connections;
//     then 300 different offering pages in turn the same way;
//   - soak: `portal serve` (the -bin binary, as a child process) under a
//     realistic mix (anonymous browsing and searches, signed-in basket edits
//     and quote views) at half its measured capacity for -soak (10 minutes
//     by default), checking errors, p99 latency and that RSS stays flat;
//   - search: store search latency over 100 000 offerings, uncached and cached;
//   - memory: the resident memory of `portal serve` while loaded with
//     varied catalogue URLs over 100 000 offerings;
//   - edits: store search latency over 100 000 offerings while an offering
//     is edited every 100 ms (the index rebuilt in the background).
//
// It ends with a Markdown summary for the README. Seeded databases are kept
// in -cache (by default a directory under the system temp directory), keyed
// by a fingerprint of the schema and the generated data.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

type config struct {
	bin           string
	cacheDir      string
	conns         int
	warmup        time.Duration
	duration      time.Duration
	rounds        int
	pageOfferings int
	offerings     int
	searchRuns    int
	rssDuration   time.Duration
	soak          time.Duration
	editDuration  time.Duration
	only          map[string]bool // parts to run; all when empty
	strict        bool
}

func (c config) runs(part string) bool { return len(c.only) == 0 || c.only[part] }

func main() {
	var cfg config
	flag.StringVar(&cfg.bin, "bin", "", "portal binary for the memory test (e.g. bin/portal); empty skips it")
	flag.StringVar(&cfg.cacheDir, "cache", filepath.Join(os.TempDir(), "portal-loadbench"), "directory for seeded databases reused between runs (empty: none)")
	flag.IntVar(&cfg.conns, "conns", 64, "concurrent connections for the load tests")
	flag.DurationVar(&cfg.warmup, "warmup", time.Second, "warm-up before each measured load run")
	flag.DurationVar(&cfg.duration, "duration", 5*time.Second, "length of each measured load run")
	flag.IntVar(&cfg.rounds, "rounds", 2, "alternating portal/bare rounds")
	flag.IntVar(&cfg.pageOfferings, "page-offerings", 10000, "synthetic offerings for the page and soak tests")
	flag.IntVar(&cfg.offerings, "offerings", 100000, "synthetic offerings for the search and memory tests")
	flag.IntVar(&cfg.searchRuns, "search-runs", 40, "timed runs per search case")
	flag.DurationVar(&cfg.rssDuration, "rss-duration", 5*time.Second, "length of the load during the memory test")
	flag.DurationVar(&cfg.soak, "soak", 10*time.Minute, "length of the soak at half capacity")
	flag.DurationVar(&cfg.editDuration, "edit-duration", time.Minute, "length of the search-while-editing run")
	flag.BoolVar(&cfg.strict, "strict", false, "exit with status 1 when a target is missed")
	only := flag.String("only", "", "comma-separated parts to run: pages, soak, search, memory, edits (default all)")
	flag.Parse()
	cfg.only = map[string]bool{}
	for _, p := range strings.Split(*only, ",") {
		switch p = strings.TrimSpace(p); p {
		case "":
		case "pages", "soak", "search", "memory", "edits":
			cfg.only[p] = true
		default:
			log.Fatalf("-only: unknown part %q (pages, soak, search, memory, edits)", p)
		}
	}
	log.SetFlags(0)
	log.SetPrefix("loadbench: ")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		log.Fatal(err)
	}
}

func logf(format string, args ...any) { log.Printf(format, args...) }

func run(ctx context.Context, cfg config) error {
	dir, err := os.MkdirTemp("", "loadbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	started := time.Now()
	var sum summary

	// 1. Every public page against a bare handler, then the soak, over
	// the same 10 000-offering catalogue (a fresh copy each).
	if cfg.runs("pages") {
		path, err := catalogueDB(ctx, cfg.cacheDir, dir, cfg.pageOfferings, logf)
		if err != nil {
			return err
		}
		if sum.pages, err = pageThroughput(ctx, cfg, path); err != nil {
			return fmt.Errorf("pages: %w", err)
		}
		removeDB(path)
	}
	if cfg.runs("soak") {
		if cfg.bin == "" {
			logf("no -bin: skipping the soak")
		} else {
			path, err := catalogueDB(ctx, cfg.cacheDir, dir, cfg.pageOfferings, logf)
			if err != nil {
				return err
			}
			if sum.soak, err = soak(ctx, cfg, path); err != nil {
				return fmt.Errorf("soak: %w", err)
			}
			removeDB(path)
		}
	}
	if cfg.runs("search") || cfg.runs("memory") || cfg.runs("edits") {
		path, err := catalogueDB(ctx, cfg.cacheDir, dir, cfg.offerings, logf)
		if err != nil {
			return err
		}
		// 2. Search over 100 000 offerings.
		if cfg.runs("search") {
			if sum.search, err = searchLatency(ctx, cfg, path); err != nil {
				return fmt.Errorf("search: %w", err)
			}
		}
		// 3. Server memory under load over the same catalogue.
		if cfg.runs("memory") {
			if cfg.bin == "" {
				logf("no -bin: skipping the server memory test")
			} else if sum.rss, err = serverMemory(ctx, cfg, path); err != nil {
				return fmt.Errorf("memory: %w", err)
			}
		}
		// 4. Search while the catalogue is edited (last: it changes the copy).
		if cfg.runs("edits") {
			if sum.edits, err = searchWhileEditing(ctx, cfg, path); err != nil {
				return fmt.Errorf("edits: %w", err)
			}
		}
	}
	sum.elapsed = time.Since(started)
	sum.print(os.Stdout, cfg)
	if !sum.ok() {
		if cfg.strict {
			return fmt.Errorf("a target was missed (see the table)")
		}
		logf("a target was missed (see the table; -strict makes that an error)")
	}
	return nil
}

// discardLogger is for servers under load: no log output.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// serve runs h on a loopback port with the http.Server settings of
// `portal serve` and returns its base URL and a shutdown function.
func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// machine describes where the figures were measured.
func machine() string {
	cpu := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	s := fmt.Sprintf("%d CPUs", runtime.NumCPU())
	if cpu != "" {
		s += " (" + cpu + ")"
	}
	return fmt.Sprintf("%s, %s/%s, %s", s, runtime.GOOS, runtime.GOARCH, runtime.Version())
}
