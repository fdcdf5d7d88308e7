package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"portal/store"
)

// The soak's targets (issue 12).
const (
	soakTargetP99 = 100 * time.Millisecond
	// RSS is flat when the last fifth's peak is within this of the peak
	// just after warm-up (a tenth of the way in to three tenths).
	soakFlatMB    = 10
	soakFlatRatio = 0.10
)

// soakClass is one kind of request in the soak's mix.
type soakClass struct {
	name   string
	weight int
}

// The mix: anonymous browsing and searches (mostly answered from the
// response cache; searches have a long tail that is not), and signed-in
// buyers editing baskets and reading quotes (never cached).
var soakClasses = []soakClass{
	{"browse", 55},
	{"search", 25},
	{"basket edit", 8},
	{"basket view", 4},
	{"quote view", 8},
}

type classStats struct {
	requests, failures int
	latency            []time.Duration
	firstErr           string
}

type rssSample struct {
	at time.Duration
	kB int64
}

// soakResult is what the soak measured.
type soakResult struct {
	ran                      bool
	offerings                int
	duration                 time.Duration
	capacity, rate, achieved float64 // req/s
	classes                  map[string]*classStats
	late                     int // requests not sent on time: every worker was busy
	rss                      []rssSample
	earlyPeak, latePeak      int64 // kB
	// tenths holds the latencies of each tenth of the soak, and lateBy
	// its late requests: whether a slow p99 is a moment (the shared
	// machine) or a drift (the server).
	tenths [10][]time.Duration
	lateBy [10]int
}

// timeline describes each tenth of the soak: its p99 and late requests.
func (s soakResult) timeline() string {
	var parts []string
	for i, l := range s.tenths {
		p := ms(percentile(slices.Clone(l), 0.99))
		if s.lateBy[i] > 0 {
			p += fmt.Sprintf(" (%d late)", s.lateBy[i])
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

func (s soakResult) total() (requests, failures int, latency []time.Duration) {
	for _, c := range s.classes {
		requests += c.requests
		failures += c.failures
		latency = append(latency, c.latency...)
	}
	return requests, failures, latency
}

func (s soakResult) p99() time.Duration {
	_, _, l := s.total()
	return percentile(l, 0.99)
}

func (s soakResult) flat() bool {
	return s.latePeak-s.earlyPeak <= max(soakFlatMB*1024, int64(float64(s.earlyPeak)*soakFlatRatio))
}

func (s soakResult) ok() bool {
	_, failures, _ := s.total()
	return failures == 0 && s.late == 0 && s.p99() < soakTargetP99 && s.flat()
}

// soakActor is a signed-in buyer: a cookie jar, a CSRF token and baskets.
type soakActor struct {
	client  *http.Client
	csrf    string
	baskets []string // /baskets/{id}
}

// basket is the actor's basket and line form for its k-th edit or view:
// the edits go round every basket, a line at a time.
func (p *soakPlan) basket(a *soakActor, k int) (path, line string) {
	b := k % len(a.baskets)
	return a.baskets[b], p.lines[(k/len(a.baskets))%len(p.lines)]
}

// newBasket creates a basket for the actor.
func (a *soakActor) newBasket(base string, n int) error {
	resp, err := a.client.PostForm(base+"/baskets", url.Values{"_csrf": {a.csrf}, "name": {fmt.Sprintf("Soak basket %d", n)}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/baskets/") {
		return fmt.Errorf("create basket: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	a.baskets = append(a.baskets, resp.Header.Get("Location"))
	return nil
}

// soakPlan is what the mix requests.
type soakPlan struct {
	base      string
	browse    []string
	search    []string
	lines     []string // add-line forms, without the token: a basket's lines
	quotes    []string
	actors    []*soakActor
	anonymous *http.Client
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn signs a new session in as email.
func signIn(base, email, password string, tr http.RoundTripper) (*soakActor, error) {
	jar, _ := cookiejar.New(nil)
	a := &soakActor{client: &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	token := func(path string) (string, error) {
		resp, err := a.client.Get(base + path)
		if err != nil {
			return "", err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := csrfField.FindSubmatch(body)
		if m == nil {
			return "", fmt.Errorf("GET %s (%d): no CSRF token", path, resp.StatusCode)
		}
		return string(m[1]), nil
	}
	tok, err := token("/login")
	if err != nil {
		return nil, err
	}
	resp, err := a.client.PostForm(base+"/login", url.Values{"_csrf": {tok}, "email": {email}, "password": {password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in as %s: status %d", email, resp.StatusCode)
	}
	if a.csrf, err = token("/baskets"); err != nil {
		return nil, err
	}
	return a, nil
}

// soakSetup reads what the mix needs from the database: offering slugs,
// the demo buyer's quotes, the MoU offerings a basket can take.
func soakSetup(ctx context.Context, dbPath string) (browse, search, lines, quotes []string, err error) {
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	defer db.Close()
	cats, err := db.Categories(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	all, err := db.SearchOfferings(ctx, store.SearchParams{MaxMonthly: -1, Sort: store.SortName, PerPage: -1})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	r := rand.New(rand.NewPCG(3, 5))
	browse = []string{"/", "/agreements/" + store.DemoAgreementMoU, "/agreements/" + store.DemoAgreementFFC, "/help/cookies"}
	for _, u := range catalogueURLs(cats, 400) {
		if !strings.Contains(u, "q=") {
			browse = append(browse, u) // filters and pages
		}
	}
	for range 2000 {
		browse = append(browse, "/offerings/"+all.Offerings[r.IntN(len(all.Offerings))].Slug)
	}
	for range 200 {
		a, b := all.Offerings[r.IntN(len(all.Offerings))], all.Offerings[r.IntN(len(all.Offerings))]
		if a.Slug != b.Slug {
			browse = append(browse, "/compare?id="+a.Slug+"&id="+b.Slug)
		}
	}
	for _, u := range catalogueURLs(cats, 5000) {
		if strings.Contains(u, "q=") {
			search = append(search, u)
		}
	}
	mou, err := db.Agreement(ctx, store.DemoAgreementMoU)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	offs, _, err := db.AgreementOfferingsUpTo(ctx, mou.ID, basketLines)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	for _, o := range offs {
		lines = append(lines, url.Values{"offering": {o.Slug}, "quantity": {"1"}, "term_months": {strconv.Itoa(o.Terms[0])}}.Encode())
	}
	in, err := db.SignIn(ctx, store.SignInAttempt{Email: "buyer@northshire.example", Password: demoPassword})
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("demo buyer: %w", err)
	}
	qs, err := db.RecentQuotes(ctx, &in.User, 20)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	for _, q := range qs {
		quotes = append(quotes, q.URL())
	}
	if len(quotes) == 0 {
		return nil, nil, nil, nil, errors.New("the demo buyer has no quotes to view")
	}
	return browse, search, lines, quotes, nil
}

// do sends one request of the mix; it reports whether the answer was right.
func (p *soakPlan) do(ctx context.Context, class string, n int) error {
	var req *http.Request
	var err error
	client, want := p.anonymous, http.StatusOK
	actor := p.actors[n%len(p.actors)]
	switch class {
	case "browse":
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, p.base+p.browse[n%len(p.browse)], nil)
	case "search":
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, p.base+p.search[n%len(p.search)], nil)
	case "basket edit":
		basket, line := p.basket(actor, n/len(p.actors))
		body := line + "&_csrf=" + url.QueryEscape(actor.csrf)
		client, want = actor.client, http.StatusSeeOther
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, p.base+basket+"/lines", strings.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	case "basket view":
		basket, _ := p.basket(actor, n/len(p.actors))
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, p.base+basket, nil)
		client = actor.client
	case "quote view":
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, p.base+p.quotes[n%len(p.quotes)], nil)
		client = actor.client
	}
	if err != nil {
		return err
	}
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d", req.Method, req.URL.RequestURI(), resp.StatusCode, want)
	}
	return nil
}

// pick chooses a class by weight for the n-th request.
func pick(r *rand.Rand) string {
	total := 0
	for _, c := range soakClasses {
		total += c.weight
	}
	x := r.IntN(total)
	for _, c := range soakClasses {
		if x < c.weight {
			return c.name
		}
		x -= c.weight
	}
	return soakClasses[0].name
}

// The signed-in buyers: soakActors sessions, each with soakBaskets baskets
// of basketLines lines. Edits add to those lines (merging quantities), so a
// basket keeps its size; spread over many baskets, as many buyers' are, each
// basket's history (its audit trail, which its page shows) grows by about a
// hundred edits in a ten-minute soak at 1,000 requests a second.
const (
	soakActors  = 8
	soakBaskets = 50
	basketLines = 10
)

// demoPassword is the password loadbench gives the demo accounts.
const demoPassword = "loadbench-password"

// soak runs `portal serve` on the database, measures its capacity for the
// mix (closed loop, cfg.conns connections), then sends the mix at half that
// rate for cfg.soak (open loop: requests start on schedule whether or not
// earlier ones have finished, and latency counts from the scheduled time),
// sampling the server's RSS every second.
func soak(ctx context.Context, cfg config, dbPath string) (soakResult, error) {
	res := soakResult{ran: true, offerings: cfg.pageOfferings, duration: cfg.soak, classes: map[string]*classStats{}}
	browse, search, lines, quotes, err := soakSetup(ctx, dbPath)
	if err != nil {
		return res, err
	}
	child, err := startPortal(ctx, cfg.bin, dbPath)
	if err != nil {
		return res, err
	}
	defer child.stop()
	base, pid := child.base, child.pid
	logf("soak: %s serve -db %s (pid %d)", cfg.bin, dbPath, pid)

	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	plan := &soakPlan{base: base, browse: browse, search: search, lines: lines, quotes: quotes,
		anonymous: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	for range soakActors {
		a, err := signIn(base, "buyer@northshire.example", demoPassword, tr)
		if err != nil {
			return res, fmt.Errorf("soak: %w\n%s", err, child.output.String())
		}
		for range soakBaskets {
			if err := a.newBasket(base, len(plan.actors)*soakBaskets+len(a.baskets)); err != nil {
				return res, fmt.Errorf("soak: %w", err)
			}
		}
		plan.actors = append(plan.actors, a)
	}
	// Every basket gets its lines before the capacity is measured.
	for i := range soakActors * soakBaskets * len(plan.lines) {
		if err := plan.do(ctx, "basket edit", i); err != nil {
			return res, fmt.Errorf("soak: fill the baskets: %w", err)
		}
	}

	// Capacity: the mix as fast as the server answers, once the first
	// of each page has been rendered (which the soak's warm-up also sees).
	var seq atomic.Int64
	capFor := max(3*cfg.duration, 10*time.Second)
	capRun := runMix(ctx, plan, cfg.conns, max(cfg.warmup, 5*time.Second), capFor, &seq)
	res.capacity = float64(capRun.requests) / capFor.Seconds()
	res.rate = res.capacity / 2
	logf("soak: capacity for the mix %.0f req/s (%d failures %s); soaking at %.0f req/s for %s", res.capacity, capRun.failures, capRun.firstErr, res.rate, cfg.soak)

	// The soak: open loop at half capacity.
	start := time.Now()
	sampling, stopSampling := context.WithCancel(ctx)
	var sampleWG sync.WaitGroup
	var rssMu sync.Mutex
	sampleWG.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			if v, err := procStatus(pid, "VmRSS"); err == nil {
				rssMu.Lock()
				res.rss = append(res.rss, rssSample{time.Since(start), v})
				rssMu.Unlock()
			}
			select {
			case <-sampling.Done():
				return
			case <-t.C:
			}
		}
	})
	type job struct {
		class string
		n     int
		at    time.Time
	}
	jobs := make(chan job, 4096)
	var mu sync.Mutex
	tenth := func(at time.Time) int { return min(9, max(0, int(10*at.Sub(start)/cfg.soak))) }
	record := func(class string, at time.Time, d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			res.tenths[tenth(at)] = append(res.tenths[tenth(at)], d)
		}
		c := res.classes[class]
		if c == nil {
			c = &classStats{}
			res.classes[class] = c
		}
		c.requests++
		if err != nil {
			c.failures++
			if c.firstErr == "" {
				c.firstErr = err.Error()
			}
			return
		}
		c.latency = append(c.latency, d)
	}
	var workers sync.WaitGroup
	for range 256 {
		workers.Go(func() {
			for j := range jobs {
				err := plan.do(ctx, j.class, j.n)
				record(j.class, j.at, time.Since(j.at), err)
			}
		})
	}
	r := rand.New(rand.NewPCG(9, 9))
	interval := time.Duration(float64(time.Second) / res.rate)
	tick := time.NewTicker(time.Millisecond)
	next := start
	end := start.Add(cfg.soak)
dispatch:
	for now := range tick.C {
		if ctx.Err() != nil || !now.Before(end) {
			break
		}
		for ; !next.After(now); next = next.Add(interval) {
			select {
			case jobs <- job{pick(r), int(seq.Add(1)), next}:
			default:
				res.late++
				res.lateBy[tenth(next)]++
			}
			if ctx.Err() != nil {
				break dispatch
			}
		}
	}
	tick.Stop()
	close(jobs)
	workers.Wait()
	stopSampling()
	sampleWG.Wait()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	requests, failures, latency := res.total()
	res.achieved = float64(requests) / time.Since(start).Seconds()
	res.earlyPeak, res.latePeak = peakBetween(res.rss, cfg.soak/10, 3*cfg.soak/10), peakBetween(res.rss, 8*cfg.soak/10, cfg.soak)
	logf("soak: %d requests (%.0f req/s), %d failures, %d late, p50 %s p99 %s; RSS peak %d MB early, %d MB late (flat: %v)",
		requests, res.achieved, failures, res.late, ms(percentile(latency, 0.5)), ms(percentile(latency, 0.99)),
		res.earlyPeak/1024, res.latePeak/1024, res.flat())
	logf("soak: p99 by tenth of the run: %s", res.timeline())
	for _, c := range soakClasses {
		if s := res.classes[c.name]; s != nil {
			logf("soak: %-12s %7d requests, %d failures %s, p50 %s p99 %s", c.name, s.requests, s.failures, s.firstErr,
				ms(percentile(s.latency, 0.5)), ms(percentile(s.latency, 0.99)))
		}
	}
	return res, nil
}

// runMix sends the mix closed loop from conns workers, for capacity.
func runMix(ctx context.Context, plan *soakPlan, conns int, warmup, duration time.Duration, seq *atomic.Int64) loadResult {
	start := time.Now()
	measureFrom, end := start.Add(warmup), start.Add(warmup+duration)
	var mu sync.Mutex
	var res loadResult
	res.window = duration
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				err := plan.do(ctx, pick(r), int(seq.Add(1)))
				t1 := time.Now()
				mu.Lock()
				if err != nil {
					res.failures++
					if res.firstErr == "" {
						res.firstErr = err.Error()
					}
				} else if !t0.Before(measureFrom) && t1.Before(end) {
					res.latency = append(res.latency, t1.Sub(t0))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.requests = len(res.latency)
	return res
}

// peakBetween is the largest RSS sampled in [from, to).
func peakBetween(samples []rssSample, from, to time.Duration) int64 {
	var peak int64
	for _, s := range samples {
		if s.at >= from && s.at < to {
			peak = max(peak, s.kB)
		}
	}
	if peak == 0 && len(samples) > 0 { // too short a soak for the window
		peak = slices.MaxFunc(samples, func(a, b rssSample) int { return int(a.kB - b.kB) }).kB
	}
	return peak
}
