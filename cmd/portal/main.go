// Command portal runs the buyer portal and its administration tasks.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"portal/handlers"
	"portal/store"
)

const usage = `portal — Buy connectivity through CCS agreements

Usage:
  portal serve   [-addr 127.0.0.1:8080] [-db data/portal.db] [-demo] [-secure-cookies] [-trusted-proxies CIDR,...]
                 [-ocid-prefix ocds-demo01] [-sweep-interval 5m] [-metrics-addr 127.0.0.1:9090] [-page-cache-mb 8]
                 [-public-url http://127.0.0.1:8080] [-review-sla-days 2] [-bank-holidays FILE]
                 [-smtp-addr host:port -smtp-from ADDRESS [-smtp-insecure] [-smtp-retry 30s,2m,10m,1h] [-smtp-max-age 72h]]
  portal migrate [-db PATH]
  portal seed    [-offerings N] [-baskets N] [-awards N] [-db PATH]
  portal backup  -to FILE [-db PATH]
  portal check   [-db PATH]
  portal import  -supplier SLUG [-dry-run] [-db PATH] FILE.csv
  portal restore -from FILE [-db PATH]
  portal user    add|passwd|disable ... [-db PATH]
  portal keys    rotate [-db PATH]
  portal help

Every command takes -db PATH (default data/portal.db).
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		var code exitCode
		if errors.As(err, &code) {
			os.Exit(int(code))
		}
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "portal:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], stdout, stderr)
	case "seed":
		return cmdSeed(ctx, args[1:], stdout, stderr)
	case "backup":
		return cmdBackup(ctx, args[1:], stdout, stderr)
	case "check":
		return cmdCheck(ctx, args[1:], stdout, stderr)
	case "import":
		return cmdImport(ctx, args[1:], stdout, stderr)
	case "restore":
		return cmdRestore(ctx, args[1:], stdout, stderr)
	case "user":
		return cmdUser(args[1:])
	case "keys":
		return cmdKeys(args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return flag.ErrHelp
}

// newFlags returns a flag set that prints the portal's usage on bad flags,
// with the -db flag every command takes.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("portal "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage of portal %s:\n", name)
		fs.PrintDefaults()
		fmt.Fprint(stderr, "\n"+usage)
	}
	return fs, fs.String("db", "data/portal.db", "database file")
}

// parseFlags parses a subcommand's flags and refuses stray arguments, which
// would otherwise be ignored silently (a mistyped flag value, say).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return flag.ErrHelp
	}
	return nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dbPath := newFlags("migrate", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s is at schema version %d\n", *dbPath, v)
	return nil
}

func cmdSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dbPath := newFlags("seed", stderr)
	n := fs.Int("offerings", 0, "number of synthetic offerings to add")
	baskets := fs.Int("baskets", 0, "number of synthetic baskets awaiting review to add (needs the demo data)")
	awards := fs.Int("awards", 0, "number of synthetic approved quotes to add (needs the demo data)")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 0 || *baskets < 0 || *awards < 0 || *n == 0 && *baskets == 0 && *awards == 0 {
		fmt.Fprintln(stderr, "portal seed: give -offerings N, -baskets N or -awards N (or several), more than 0")
		fs.Usage()
		return flag.ErrHelp
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if *n > 0 {
		start := time.Now()
		added, err := db.SeedOfferings(ctx, *n, *seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %d offerings in %s\n", added, time.Since(start).Round(time.Millisecond))
	}
	if *baskets > 0 {
		start := time.Now()
		added, err := db.SeedSubmittedBaskets(ctx, *baskets, *seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %d baskets awaiting review in %s\n", added, time.Since(start).Round(time.Millisecond))
	}
	if *awards > 0 {
		start := time.Now()
		added, err := db.SeedApprovedQuotes(ctx, *awards, *seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %d approved quotes in %s\n", added, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dbPath := newFlags("backup", stderr)
	to := fs.String("to", "", "file to write the backup to (must not exist)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *to == "" {
		fmt.Fprintln(stderr, "portal backup: -to FILE is required")
		fs.Usage()
		return flag.ErrHelp
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, *to); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", *dbPath, *to)
	return nil
}

// serveConfig is what `portal serve` was asked to do.
type serveConfig struct {
	addr, dbPath, ocidPrefix string
	metricsAddr              string
	demo, secureCookies      bool
	trusted                  []*net.IPNet
	sweepInterval            time.Duration
	pageCacheMB              int
	// memoryLimitMB is the Go runtime's soft memory limit (0: none).
	memoryLimitMB int
	// publicURL is the portal's address as people reach it, for links in
	// messages and emails (never a request's Host header).
	publicURL string
	// reviewSLA is the review service level with its calendar.
	reviewSLA store.SLA
	mail      mailConfig
}

func parseServe(args []string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs, dbPath := newFlags("serve", stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.BoolVar(&c.demo, "demo", false, "load the demo data set into an empty database")
	fs.BoolVar(&c.secureCookies, "secure-cookies", false, "mark cookies Secure and send HSTS (behind a TLS proxy)")
	proxies := fs.String("trusted-proxies", "", "comma-separated CIDRs of proxies whose X-Forwarded-For is trusted")
	fs.StringVar(&c.ocidPrefix, "ocid-prefix", "ocds-demo01", "OCDS ocid prefix")
	fs.DurationVar(&c.sweepInterval, "sweep-interval", store.DefaultSweepInterval, "how often the sweeper runs time-based changes, besides each UK midnight")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "", "address for Prometheus metrics at /metrics, apart from the public one (off when empty)")
	fs.IntVar(&c.pageCacheMB, "page-cache-mb", handlers.DefaultPageCacheBytes>>20, "megabytes of public pages the response cache holds")
	fs.IntVar(&c.memoryLimitMB, "memory-limit-mb", defaultMemoryLimitMB, "soft limit in megabytes on the Go runtime's memory: the garbage collector works harder near it, nothing fails (0: none; GOMEMLIMIT, when set, wins)")
	fs.StringVar(&c.publicURL, "public-url", "http://127.0.0.1:8080", "the portal's address as people reach it, for links in messages and emails")
	slaDays := fs.Int("review-sla-days", store.DefaultReviewWorkingDays, "UK working days within which a submitted basket should be decided")
	holidays := fs.String("bank-holidays", "", "England-and-Wales bank holidays as GOV.UK's bank-holidays.json (default: the list shipped, 2025-2028)")
	mailFlags(fs, &c.mail)
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	bad := func(format string, args ...any) (serveConfig, error) {
		fmt.Fprintf(stderr, "portal serve: "+format+"\n", args...)
		fs.Usage()
		return c, flag.ErrHelp
	}
	if c.sweepInterval < time.Second {
		return bad("-sweep-interval must be at least 1s, like 5m")
	}
	if c.pageCacheMB < 1 {
		return bad("-page-cache-mb must be at least 1")
	}
	if c.memoryLimitMB < 0 {
		return bad("-memory-limit-mb must be 0 (no limit) or a number of megabytes")
	}
	u, err := url.Parse(c.publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return bad("-public-url must be an http or https address like https://buy.example.gov.uk, without a query")
	}
	c.publicURL = strings.TrimRight(u.String(), "/")
	if *slaDays < 0 || *slaDays > 30 {
		return bad("-review-sla-days must be a number of working days from 0 to 30")
	}
	c.reviewSLA = store.SLA{WorkingDays: *slaDays, Calendar: store.EnglandAndWales}
	if *holidays != "" {
		b, err := os.ReadFile(*holidays)
		if err != nil {
			return bad("-bank-holidays: %v", err)
		}
		if c.reviewSLA.Calendar, err = store.ParseBankHolidays(b); err != nil {
			return bad("-bank-holidays %s: %v", *holidays, err)
		}
	}
	c.mail.username, c.mail.password = os.Getenv(envSMTPUsername), os.Getenv(envSMTPPassword)
	if err := c.mail.check(c.publicURL); err != nil {
		return bad("%v", err)
	}
	c.dbPath = *dbPath
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return bad("-trusted-proxies: %q is not a CIDR range like 10.0.0.0/8", p)
		}
		c.trusted = append(c.trusted, n)
	}
	return c, nil
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseServe(args, stderr)
	if err != nil {
		return err
	}
	if limit := softMemoryLimit(cfg, os.Getenv("GOMEMLIMIT")); limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	return serve(ctx, cfg, serveHooks{stdout: stdout, stderr: stderr})
}

// defaultMemoryLimitMB keeps `portal serve` within its 150 MB RSS budget
// at 100,000 offerings: the Go heap holds about 40 MB live there and, left
// to GOGC alone, grew to twice that under load (VmHWM 138-146 MB; with
// this limit 122 MB). SQLite's page caches live outside the Go runtime and
// are not counted in it. The response cache is inside it, so a larger
// -page-cache-mb raises the limit by as much.
const defaultMemoryLimitMB = 72

// softMemoryLimit is the limit `portal serve` sets, in bytes: none when
// GOMEMLIMIT is set (the runtime already read it) or -memory-limit-mb is 0;
// otherwise the flag's megabytes plus the response cache's.
func softMemoryLimit(cfg serveConfig, gomemlimit string) int64 {
	if gomemlimit != "" || cfg.memoryLimitMB == 0 {
		return 0
	}
	return int64(cfg.memoryLimitMB+cfg.pageCacheMB) << 20
}

// serveHooks is what runs `portal serve` besides its flags: where it writes,
// and, for tests, a clock and a look at the server once it listens.
type serveHooks struct {
	stdout, stderr io.Writer
	// clock, when set, is the business clock (DB.Now) and wakes the sweeper.
	clock store.Clock
	// prepare runs on the opened database before the server starts (tests
	// add their accounts and data here).
	prepare func(context.Context, *store.DB) error
	// listening is called once the server listens, with its URL and database.
	listening func(url string, db *store.DB)
}

// serve runs the portal until ctx is done or a SIGINT or SIGTERM arrives:
// it finishes the requests in flight, then stops the background work (the
// sweeper, session maintenance) and waits for it, and only then closes the
// database.
func serve(ctx context.Context, cfg serveConfig, h serveHooks) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// One structured (JSON) logger for everything the server writes; the
	// default logger is it too, so a library's stray log line is JSON.
	logger := slog.New(slog.NewJSONHandler(h.stderr, nil))
	slog.SetDefault(logger)
	// The lock (DB.lock beside the database) keeps a second server, and a
	// restore, off the database while this one runs.
	lock, err := store.LockDatabase(cfg.dbPath)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	db, err := store.Open(ctx, cfg.dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	clock := h.clock
	if clock == nil {
		clock = store.SystemClock{}
	} else {
		db.Now = clock.Now
	}
	if cfg.reviewSLA.Calendar != nil {
		db.ReviewSLA = cfg.reviewSLA
	}
	if until := db.ReviewSLA.Calendar.CoversUntil(); db.Now().AddDate(0, 6, 0).After(until) {
		logger.Warn("the bank holiday list ends soon: after it, only weekends are left out of review due dates; give a newer GOV.UK list with -bank-holidays",
			"covers_until", until.Format(time.DateOnly))
	}
	password := os.Getenv("PORTAL_DEMO_PASSWORD")
	if password == "" {
		password = store.DemoPasswordDefault
	}
	if cfg.demo {
		loaded, err := db.LoadDemo(ctx, password)
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		logger.Info("demo data", "loaded", loaded, "db", cfg.dbPath)
	}
	if h.prepare != nil {
		if err := h.prepare(ctx, db); err != nil {
			return err
		}
	}
	// The demo sign-ins exist only where the demo data was loaded, now or before.
	demo, err := db.HasDemoData(ctx)
	if err != nil {
		return err
	}

	// Background work starts from the shutdown context and is waited for
	// before the database closes (the deferred Close runs after this).
	var background sync.WaitGroup
	defer background.Wait()
	bgCtx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	metrics := handlers.NewMetrics(db)
	var pages *handlers.PageCache // nil: the default size
	if cfg.pageCacheMB > 0 {
		pages = handlers.NewPageCache(int64(cfg.pageCacheMB) << 20)
	}
	e, err := handlers.New(bgCtx, handlers.Config{DB: db, Logger: logger, SecureCookies: cfg.secureCookies,
		TrustedProxies: cfg.trusted, OCIDPrefix: cfg.ocidPrefix, PublicURL: cfg.publicURL, Background: &background, Metrics: metrics, PageCache: pages})
	if err != nil {
		return err
	}
	// The search index is built in the background from now on (and FTS5's
	// format checked: a fallback is logged), so the first search need not wait.
	db.WarmSearchIndex()
	background.Go(func() {
		db.RunSweeper(bgCtx, store.SweeperConfig{Interval: cfg.sweepInterval, Clock: clock, Log: logger, OnRun: metrics.SweeperRan})
	})
	if cfg.mail.enabled() {
		m, err := newMailer(db, cfg.mail, logger)
		if err != nil {
			return err
		}
		metrics.RegisterOutbox(db)
		background.Go(func() { m.run(bgCtx) })
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	// Metrics have a listener of their own (for the monitoring network
	// only), never a route on the public address.
	var metricsSrv *http.Server
	if cfg.metricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("-metrics-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics.Handler())
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
		go metricsSrv.Serve(mln)
		logger.Info("serving metrics", "url", "http://"+mln.Addr().String()+"/metrics")
	}
	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	url := "http://" + ln.Addr().String()
	printBanner(h.stdout, url, demo, password)
	logger.Info("serving", "url", url, "db", cfg.dbPath)
	if h.listening != nil {
		h.listening(url, db)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if metricsSrv != nil {
		metricsSrv.Shutdown(shutdownCtx)
	}
	stopBackground()
	background.Wait()
	logger.Info("stopped")
	return nil
}

// printBanner tells the person who ran the portal where it is and, with demo
// data, how to sign in. It goes to standard output only, never to the log.
func printBanner(w io.Writer, url string, demo bool, password string) {
	fmt.Fprintf(w, "\nBuy connectivity through CCS agreements is running at %s\n", url)
	if demo {
		fmt.Fprintf(w, "\nDemo sign-ins (password %q; set PORTAL_DEMO_PASSWORD to change it):\n", password)
		for _, a := range store.DemoAccounts {
			fmt.Fprintf(w, "  %-28s %-9s %s\n", a.Email, a.Role, a.Org)
		}
	}
	fmt.Fprintln(w, "\nPress Ctrl+C to stop.")
}
