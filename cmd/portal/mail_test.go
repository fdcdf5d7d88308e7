package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"portal/store"
)

// childArgsEnv makes the test binary run `portal` with the JSON array of
// arguments it holds (see runChild).
const childArgsEnv = "PORTAL_TEST_CHILD_ARGS"

// runChild runs the portal command exactly as main does, in a process of
// its own that a test can kill.
func runChild(argsJSON string) int {
	var args []string
	if err := json.Unmarshal([]byte(argsJSON), &args); err != nil {
		fmt.Fprintln(os.Stderr, "child arguments:", err)
		return 2
	}
	if err := run(context.Background(), args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		return 1
	}
	return 0
}

const testPublicURL = "https://buy.example.gov.uk"

// submitAsDemoBuyer submits a one-line basket for a demo buyer, which
// messages the buyer's organisation and both demo reviewers: 3 messages.
func submitAsDemoBuyer(t testing.TB, db *store.DB, name string) {
	t.Helper()
	ctx := context.Background()
	u, err := db.UserByEmail(ctx, store.Operator(), "buyer@northshire.example")
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateBasket(ctx, &u, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddLine(ctx, &u, b.ID, store.LineForm{Offering: "iot-sim-1gb", Quantity: "3", TermMonths: "12"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetRequirements(ctx, &u, b.ID, store.RequirementsForm{Need: "Sensors", Budget: "500", Sites: "1",
		RequiredBy: store.DateInput{ISO: db.Now().AddDate(0, 1, 0).Format(time.DateOnly)}, WeightPrice: "50", WeightQuality: "40", WeightSocial: "10"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Submit(ctx, &u, b.ID); err != nil {
		t.Fatal(err)
	}
}

// outboxRow is a message as its row stands.
type outboxRow struct {
	id                 int64
	email, title, path string
	messageID, state   string
}

// readOutbox reads every message row of a portal's database (stopped).
func readOutbox(t testing.TB, path string) []outboxRow {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT m.id, u.email, m.title, m.path, m.mail_token, m.mail_state FROM messages m JOIN users u ON u.id = m.user_id ORDER BY m.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		var token string
		if err := rows.Scan(&r.id, &r.email, &r.title, &r.path, &token, &r.state); err != nil {
			t.Fatal(err)
		}
		r.messageID = "<" + store.OutboxMail{ID: r.id, Token: token}.MessageID("buy.example.gov.uk") + ">"
		out = append(out, r)
	}
	return out
}

// The mail server is down when the messages are written, comes back, then
// refuses twice with a temporary error: every message arrives, once, over
// STARTTLS with the credentials, and every row ends up sent.
func TestMailDeliveredThroughAnOutage(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := testCertificate(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here yet: the mail server is down
	p := startPortal(t, withDemo(), withDB(filepath.Join(t.TempDir(), "portal.db")), withPublicURL(testPublicURL), withMail(mailConfig{addr: addr, from: "portal@buy.example.gov.uk",
		username: "portal", password: "correct horse battery", tls: clientTLS,
		retry: []time.Duration{20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond}, poll: 20 * time.Millisecond, maxAge: time.Hour}))
	for i := range 3 {
		submitAsDemoBuyer(t, p.db, fmt.Sprintf("Outage %d", i))
	}
	if _, err := p.stderr.waitFor(regexp.MustCompile(`"msg":"mail server unavailable: will retry"`), p.done, time.Minute); err != nil {
		t.Fatalf("the portal never found the mail server down: %v\n%s", err, p.stderr)
	}
	sink := startSink(t, sinkOptions{tls: serverTLS, user: "portal", pass: "correct horse battery", addr: addr})
	sink.mu.Lock()
	sink.failNext = 2 // and, once up, it fails twice with 451 before it accepts
	sink.mu.Unlock()
	got := sink.waitFor(9)
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	rows := readOutbox(t, p.dbPath)
	if len(rows) != 9 {
		t.Fatalf("got %d messages in the outbox, want 9", len(rows))
	}
	byID := map[string]sunkMail{}
	for _, m := range sink.received() {
		if _, twice := byID[m.MessageID]; twice {
			t.Errorf("%s arrived twice", m.MessageID)
		}
		byID[m.MessageID] = m
	}
	for _, r := range rows {
		m, ok := byID[r.messageID]
		if !ok {
			t.Errorf("message %d (%q to %s) was lost", r.id, r.title, r.email)
			continue
		}
		if r.state != "sent" {
			t.Errorf("message %d: mail_state %q, want sent", r.id, r.state)
		}
		if m.To != r.email || m.Subject != r.title || m.From != "portal@buy.example.gov.uk" || m.Header.Get("Auto-Submitted") != "auto-generated" {
			t.Errorf("message %d arrived as %+v", r.id, m)
		}
		if !strings.Contains(m.Body, testPublicURL+r.path) || !strings.Contains(m.Body, testPublicURL+"/messages") {
			t.Errorf("message %d: the email lacks its absolute links:\n%s", r.id, m.Body)
		}
	}
	if len(got) != 9 {
		t.Fatalf("got %d emails", len(got))
	}
}

// A crash between the mail server accepting an email and the portal
// recording it: the restarted portal sends it again with the same
// Message-ID, and sends the rest.
func TestMailResentWithTheSameMessageIDAfterACrash(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "portal.db")
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadDemo(ctx, store.DemoPasswordDefault); err != nil {
		t.Fatal(err)
	}
	submitAsDemoBuyer(t, db, "Before the crash")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	sink := startSink(t, sinkOptions{})
	hold := make(chan struct{})
	sink.mu.Lock()
	sink.hold = hold // the first email is recorded, then its DATA waits for an answer
	sink.mu.Unlock()
	args, _ := json.Marshal([]string{"serve", "-addr", "127.0.0.1:0", "-db", path, "-public-url", testPublicURL,
		"-smtp-addr", sink.addr, "-smtp-from", "portal@buy.example.gov.uk", "-smtp-insecure"})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(args), envSMTPUsername+"=", envSMTPPassword+"=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := sink.waitFor(1)[0]
	if err := cmd.Process.Kill(); err != nil { // the crash: the server has it, the row is not marked
		t.Fatal(err)
	}
	cmd.Wait()
	sink.mu.Lock()
	sink.hold = nil
	sink.mu.Unlock()
	close(hold)
	if rows := readOutbox(t, path); rows[0].state != "pending" || rows[0].messageID != first.MessageID {
		t.Fatalf("after the crash: got %+v, want the first message still pending (it was sent as %s)\n%s", rows[0], first.MessageID, stderr.String())
	}

	p := startPortal(t, withDB(path), withPublicURL(testPublicURL), withMail(mailConfig{addr: sink.addr, from: "portal@buy.example.gov.uk",
		insecure: true, retry: []time.Duration{20 * time.Millisecond}, poll: 20 * time.Millisecond, maxAge: time.Hour}))
	again := sink.waitFor(3)
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range again {
		ids = append(ids, m.MessageID)
	}
	if !slices.Contains(ids, first.MessageID) {
		t.Fatalf("after the restart got %v, want %s sent again", ids, first.MessageID)
	}
	rows := readOutbox(t, path)
	for _, r := range rows {
		if r.state != "sent" || !slices.Contains(ids, r.messageID) {
			t.Errorf("message %d: %s, sent as %s; received after the restart: %v", r.id, r.state, r.messageID, ids)
		}
	}
	if n := len(sink.received()); n != 4 {
		t.Fatalf("the server received %d emails in all, want 4 (one twice)", n)
	}
}

// Without -smtp-insecure the portal never sends in plain text: a server
// without STARTTLS gets nothing, and the messages wait.
func TestMailRequiresSTARTTLS(t *testing.T) {
	t.Parallel()
	sink := startSink(t, sinkOptions{}) // no TLS on offer
	p := startPortal(t, withDemo(), withDB(filepath.Join(t.TempDir(), "portal.db")), withMail(mailConfig{addr: sink.addr, from: "portal@buy.example.gov.uk",
		retry: []time.Duration{time.Hour}, poll: 20 * time.Millisecond, maxAge: time.Hour}),
		func(c *serveConfig, _ *serveHooks) { c.metricsAddr = "127.0.0.1:0" })
	submitAsDemoBuyer(t, p.db, "Plain text")
	if _, err := p.stderr.waitFor(regexp.MustCompile(`does not support STARTTLS`), p.done, time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, p.stderr)
	}
	// The backlog shows in the metrics.
	m, err := p.stderr.waitFor(metricsURL, p.done, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_, body := e2eGet(t, e2eClient(t), m[1])
	scraped := string(body)
	if !strings.Contains(scraped, "\nportal_outbox_backlog_messages 3\n") || !regexp.MustCompile(`\nportal_outbox_oldest_message_age_seconds [0-9.e+]+\n`).MatchString(scraped) {
		t.Fatalf("metrics lack the outbox backlog of 3:\n%s", scraped)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	for _, r := range readOutbox(t, p.dbPath) {
		if r.state != "pending" {
			t.Errorf("message %d: %s, want still pending", r.id, r.state)
		}
	}
	if n := len(sink.received()); n != 0 {
		t.Fatalf("the server received %d emails in plain text", n)
	}
}

func TestMailFlags(t *testing.T) {
	parse := func(args ...string) (serveConfig, string, error) {
		var stderr bytes.Buffer
		c, err := parseServe(args, &stderr)
		return c, stderr.String(), err
	}
	t.Setenv(envSMTPUsername, "portal")
	t.Setenv(envSMTPPassword, "from the environment")
	c, _, err := parse("-smtp-addr", "smtp.example.gov.uk:587", "-smtp-from", "portal@buy.example.gov.uk", "-smtp-retry", "1s,5s", "-public-url", "https://buy.example.gov.uk/")
	if err != nil || !c.mail.enabled() || c.mail.username != "portal" || c.mail.password != "from the environment" ||
		!slices.Equal(c.mail.retry, []time.Duration{time.Second, 5 * time.Second}) || c.publicURL != "https://buy.example.gov.uk" || c.mail.domain != "buy.example.gov.uk" {
		t.Fatalf("got %+v, %v", c, err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-smtp-addr", "smtp.example.gov.uk:587", "-smtp-from", "portal@buy.example.gov.uk", "-smtp-insecure"}, "unencrypted"},
		{[]string{"-smtp-addr", "smtp.example.gov.uk", "-smtp-from", "portal@buy.example.gov.uk"}, "host:port"},
		{[]string{"-smtp-addr", "smtp.example.gov.uk:587", "-smtp-from", "Portal <portal@buy.example.gov.uk>"}, "-smtp-from"},
		{[]string{"-smtp-from", "portal@buy.example.gov.uk"}, "need -smtp-addr"},
		{[]string{"-smtp-retry", "soon"}, "not a wait"},
		{[]string{"-public-url", "buy.example.gov.uk"}, "-public-url"},
		{[]string{"-public-url", "https://buy.example.gov.uk/?x=1"}, "-public-url"},
		{[]string{"-review-sla-days", "-1"}, "-review-sla-days"},
		{[]string{"-bank-holidays", "/no/such/file.json"}, "-bank-holidays"},
	} {
		if _, out, err := parse(tt.args...); err == nil || !strings.Contains(out, tt.want) {
			t.Errorf("%v: got %v and %q, want a refusal mentioning %q", tt.args, err, out, tt.want)
		}
	}
}
