package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"portal/store"
)

// childEnv makes the test binary act as `portal serve` (see serveChild).
const childEnv = "PORTAL_TEST_CHILD_SERVE_DB"

// leftoverMarker starts serveChild's report of goroutines still running.
const leftoverMarker = "background goroutines left after serve returned:"

// serveChild runs `portal serve` exactly as main does — run with a context
// that is never cancelled, stopped by a real SIGINT — and then reports every
// goroutine of the portal's own packages that is still running. TestMain
// calls it when childEnv is set.
func serveChild(dbPath string) int {
	err := run(context.Background(), []string{"serve", "-addr", "127.0.0.1:0", "-db", dbPath}, os.Stdout, os.Stderr)
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var left []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "portal/handlers.") || strings.Contains(g, "portal/store.") {
			left = append(left, g)
		}
	}
	fmt.Printf("%s %d\n%s\n", leftoverMarker, len(left), strings.Join(left, "\n\n"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	return 0
}

// Defect 7 of issue 7: the session-maintenance goroutine outlived the
// database, because main gave it a context that SIGINT never cancelled.
// Now every background goroutine (sessions, the sweeper) starts from the
// shutdown context and is waited for before the database closes.
func TestServeWaitsForBackgroundWorkOnSIGINT(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+filepath.Join(t.TempDir(), "portal.db"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		io.Copy(io.Discard, stdout)
	}()
	deadline := time.After(3 * time.Minute)
	var out []string
	for running := false; !running; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("portal serve ended before it started:\n%s\n%s", strings.Join(out, "\n"), stderr.String())
			}
			out = append(out, l)
			running = strings.Contains(l, "is running at")
		case <-deadline:
			t.Fatalf("portal serve did not start within 3 minutes:\n%s", stderr.String())
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for l := range lines {
		out = append(out, l)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("portal serve after SIGINT: %v\n%s", err, stderr.String())
	}
	report := strings.Join(out, "\n")
	m := regexp.MustCompile(regexp.QuoteMeta(leftoverMarker) + ` (\d+)`).FindStringSubmatch(report)
	if m == nil {
		t.Fatalf("no goroutine report in the output:\n%s", report)
	}
	if m[1] != "0" {
		t.Fatalf("got %s goroutines of the portal still running after serve returned (the database is closed), want none:\n%s", m[1], report)
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("log: got\n%s\nwant it to end with \"stopped\"", stderr.String())
	}
}

// The sweeper runs inside the server: a quote past its validity expires when
// the clock passes UK midnight, without any page being visited.
func TestServerSweepsWithoutAnyRequest(t *testing.T) {
	t.Parallel()
	clock := store.NewManualClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	p := startPortal(t, withDemo(), withClock(clock))
	sweeperIdle(t, p, clock)() // the start-up run: a clock move during it is lost
	ctx := context.Background()
	buyer, err := p.db.UserByEmail(ctx, store.Operator(), "buyer@eastbridge.example")
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.db.CreateBasket(ctx, &buyer, "Swept")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.db.AddLine(ctx, &buyer, b.ID, store.LineForm{Offering: "iot-sim-1gb", Quantity: "3", TermMonths: "12"}); err != nil {
		t.Fatal(err)
	}
	if err := p.db.SetRequirements(ctx, &buyer, b.ID, store.RequirementsForm{Need: "Sensors", Budget: "500", Sites: "1",
		RequiredBy: store.DateInput{ISO: "2026-05-01"}, WeightPrice: "50", WeightQuality: "40", WeightSocial: "10"}); err != nil {
		t.Fatal(err)
	}
	ref, _, err := p.db.Submit(ctx, &buyer, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.stderr.String(), `"job":"expire-quotes"`) {
		t.Fatalf("the sweeper expired something before the quote's time:\n%s", p.stderr)
	}
	clock.Set(time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)) // 1:00 BST on 2 April: valid until 1 April
	re := regexp.MustCompile(`"msg":"sweeper job made changes","job":"expire-quotes","changed":1`)
	if _, err := p.stderr.waitFor(re, p.done, time.Minute); err != nil {
		t.Fatalf("the sweeper did not expire %s: %v\n%s", ref.Ref, err, p.stderr)
	}
	q, err := p.db.Quote(ctx, &buyer, ref.Ref, 1)
	if err != nil || q.Status != store.QuoteExpired {
		t.Fatalf("got %s (%v), want expired", q.Status, err)
	}
	last := q.Events[len(q.Events)-1]
	if last.Action != store.ActionExpire || !last.Actor.System() {
		t.Fatalf("got last event %+v, want the expiry by the portal", last)
	}
}

// sweeperIdle returns a function that returns once the portal's sweeper
// has finished a run and waits for the next (it logs a run's changes
// before it starts waiting): move clock only while it is idle.
func sweeperIdle(t *testing.T, p *testPortal, clock *store.ManualClock) func() {
	return func() {
		t.Helper()
		select {
		case <-clock.Waits():
		case <-time.After(time.Minute):
			t.Fatalf("the sweeper did not finish a run within a minute\n%s", p.stderr)
		}
	}
}

// The sweeper inside the server messages every reviewer once a submitted
// basket is past the review service level, and reminds the buyer and the
// reviewers a week before its quote expires, without any page being visited.
func TestServerSweepsReviewMessages(t *testing.T) {
	t.Parallel()
	clock := store.NewManualClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)) // Monday: due by Wednesday
	p := startPortal(t, withDemo(), withClock(clock))
	idle := sweeperIdle(t, p, clock)
	idle() // the start-up run
	submitAsDemoBuyer(t, p.db, "Waiting for review")
	clock.Set(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)) // Thursday, UK midnight
	idle()
	if !strings.Contains(p.stderr.String(), `"job":"review-overdue","changed":1`) {
		t.Fatalf("no overdue message:\n%s", p.stderr)
	}
	clock.Set(time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC)) // 7 days before its last valid day, 1 April
	idle()
	if !strings.Contains(p.stderr.String(), `"job":"quote-expiry-reminders","changed":1`) {
		t.Fatalf("no reminder:\n%s", p.stderr)
	}
	ctx := context.Background()
	reviewer, err := p.db.UserByEmail(ctx, store.Operator(), "reviewer2@ccs.example")
	if err != nil {
		t.Fatal(err)
	}
	mp, err := p.db.Messages(ctx, &reviewer, 1)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, m := range mp.Messages {
		kinds = append(kinds, m.Kind)
	}
	if got := strings.Join(kinds, ","); got != store.MsgQuoteExpiring+","+store.MsgReviewOverdue+","+store.MsgReviewRequested {
		t.Fatalf("the reviewer's messages, newest first: got %s", got)
	}
}
