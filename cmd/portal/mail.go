package main

// Email delivery of messages (issue 8 point 6). Every message the portal
// writes is a row of the messages table, the outbox; with -smtp-addr and
// -smtp-from set, a background goroutine sends each row by SMTP with
// github.com/wneessen/go-mail:
//
//   - never while a request waits: requests only write rows;
//   - STARTTLS required (or implicit TLS on port 465) unless -smtp-insecure
//     is given for a relay on the same machine; credentials, if any, from
//     PORTAL_SMTP_USERNAME and PORTAL_SMTP_PASSWORD, never over plain text;
//   - at least once: a row is marked sent only after the server accepted
//     it, so a crash between the two sends it again, with the same
//     Message-ID (derived from the row) for the receiver to drop;
//   - while the server is unavailable, or answers with a temporary (4xx)
//     error, each row waits a little longer before its next attempt
//     (-smtp-retry); a permanent (5xx) refusal of one message is logged and
//     that row marked failed; a row older than -smtp-max-age is not emailed
//     at all (it stays in /messages).

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"portal/store"
)

// Environment variables with the SMTP credentials (never flags: flags show
// in the process list).
const (
	envSMTPUsername = "PORTAL_SMTP_USERNAME"
	envSMTPPassword = "PORTAL_SMTP_PASSWORD"
)

// Defaults of the mail settings.
var (
	defaultMailRetry  = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour}
	defaultMailMaxAge = 72 * time.Hour
	defaultMailPoll   = 5 * time.Second
)

// mailBatch is how many emails one connection sends at most.
const mailBatch = 20

// mailConfig is the optional email delivery of messages.
type mailConfig struct {
	addr     string // host:port of the SMTP server; "" sends no email
	from     string // the From address
	insecure bool   // plain SMTP, no TLS (a relay on this machine)
	// retry are the waits before each further attempt while sending
	// fails; the last one repeats.
	retry []time.Duration
	// maxAge is how old a message may be and still be emailed.
	maxAge time.Duration
	// poll is how often the sender looks for new messages.
	poll               time.Duration
	username, password string
	// publicURL is the portal's address, for links; domain, its host, is
	// the right-hand side of Message-IDs.
	publicURL, domain string
	// tls overrides the TLS settings (tests trust their own server's
	// certificate with it).
	tls *tls.Config
}

func (c mailConfig) enabled() bool { return c.addr != "" }

// mailFlags adds the mail settings to a command's flags.
func mailFlags(fs *flag.FlagSet, c *mailConfig) {
	fs.StringVar(&c.addr, "smtp-addr", "", "SMTP server (host:port) to email messages through; off when empty. Credentials come from "+
		envSMTPUsername+" and "+envSMTPPassword)
	fs.StringVar(&c.from, "smtp-from", "", "the address emails come from, like portal@buy.example.gov.uk")
	fs.BoolVar(&c.insecure, "smtp-insecure", false, "send email without TLS, to a relay on this machine (otherwise STARTTLS is required)")
	c.retry = defaultMailRetry
	fs.Func("smtp-retry", "waits between attempts while email cannot be sent, comma-separated; the last repeats (default 30s,2m,10m,30m,1h)",
		func(s string) error {
			var out []time.Duration
			for _, p := range strings.Split(s, ",") {
				d, err := time.ParseDuration(strings.TrimSpace(p))
				if err != nil || d <= 0 {
					return fmt.Errorf("%q is not a wait like 30s or 2m", p)
				}
				out = append(out, d)
			}
			c.retry = out
			return nil
		})
	fs.DurationVar(&c.maxAge, "smtp-max-age", defaultMailMaxAge, "messages older than this are not emailed (they stay in /messages)")
	c.poll = defaultMailPoll
}

// check completes and validates the settings, given the public URL (already
// checked) for links and Message-IDs.
func (c *mailConfig) check(publicURL string) error {
	c.publicURL = publicURL
	if u, err := url.Parse(publicURL); err == nil {
		c.domain = u.Hostname()
	}
	if c.poll <= 0 {
		c.poll = defaultMailPoll
	}
	if len(c.retry) == 0 {
		c.retry = defaultMailRetry
	}
	if c.maxAge <= 0 {
		c.maxAge = defaultMailMaxAge
	}
	if !c.enabled() {
		if c.from != "" || c.insecure {
			return errors.New("-smtp-from and -smtp-insecure need -smtp-addr")
		}
		return nil
	}
	host, port, err := net.SplitHostPort(c.addr)
	if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
		return fmt.Errorf("-smtp-addr must be host:port, like smtp.example.gov.uk:587")
	}
	if a, err := mail.ParseAddress(c.from); err != nil || a.Name != "" {
		return fmt.Errorf("-smtp-from must be an email address, like portal@buy.example.gov.uk")
	}
	if c.insecure && (c.username != "" || c.password != "") {
		return fmt.Errorf("-smtp-insecure would send the %s credentials unencrypted: use TLS, or a relay that needs none", envSMTPUsername)
	}
	return nil
}

// mailer sends the outbox by SMTP.
type mailer struct {
	db     *store.DB
	cfg    mailConfig
	log    *slog.Logger
	client *gomail.Client
	// conn is the connection being set up, closed when setting up fails
	// (go-mail leaves it open then).
	conn net.Conn
}

func newMailer(db *store.DB, cfg mailConfig, log *slog.Logger) (*mailer, error) {
	host, portText, _ := net.SplitHostPort(cfg.addr)
	port, _ := strconv.Atoi(portText)
	m := &mailer{db: db, cfg: cfg, log: log}
	tlsConfig := cfg.tls
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	implicitTLS := port == 465 && !cfg.insecure
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(30 * time.Second), gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(func(ctx context.Context, network, address string) (net.Conn, error) {
			var d net.Dialer
			var conn net.Conn
			var err error
			if implicitTLS {
				conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConfig}).DialContext(ctx, network, address)
			} else {
				conn, err = d.DialContext(ctx, network, address)
			}
			m.conn = conn
			return conn, err
		})}
	switch {
	case cfg.insecure:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case implicitTLS:
		opts = append(opts, gomail.WithSSL()) // records that the dialled connection is encrypted
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if cfg.username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(cfg.username), gomail.WithPassword(cfg.password))
	}
	var err error
	if m.client, err = gomail.NewClient(host, opts...); err != nil {
		return nil, err
	}
	return m, nil
}

// run sends what is due until ctx is done. Start it from the server's
// shutdown context and wait for it before the database closes.
func (m *mailer) run(ctx context.Context) {
	m.log.Info("emailing messages", "smtp", m.cfg.addr, "tls", map[bool]string{true: "none (-smtp-insecure)", false: "required"}[m.cfg.insecure])
	for {
		wait := m.sendDue(ctx)
		if ctx.Err() != nil {
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// sendDue sends every email that is due, a batch per connection, and says
// how long to wait before looking again.
func (m *mailer) sendDue(ctx context.Context) time.Duration {
	for ctx.Err() == nil {
		batch, err := m.db.DueMail(ctx, time.Now(), mailBatch)
		if err != nil {
			if ctx.Err() == nil {
				m.log.Error("read the outbox", "err", err)
			}
			return m.cfg.poll
		}
		if len(batch) == 0 || !m.sendBatch(ctx, batch) {
			break
		}
	}
	wait := m.cfg.poll
	if next, ok, err := m.db.NextMailAt(ctx); err == nil && ok {
		wait = min(wait, max(time.Until(next), 10*time.Millisecond))
	}
	return wait
}

// sendBatch sends a batch over one connection and records each outcome.
// It reports false when the server could not be reached (the batch then
// waits for its next attempt).
func (m *mailer) sendBatch(ctx context.Context, batch []store.OutboxMail) bool {
	// Recording outcomes must not be lost to a shutdown that starts while
	// the batch is being sent: the server has the emails by then.
	record, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := m.db.Now()
	var msgs []*gomail.Msg
	var rows []store.OutboxMail
	for _, o := range batch {
		if age := now.Sub(o.Created); age > m.cfg.maxAge {
			m.log.Warn("message too old to email: not sent", "message", o.ID, "age", age.Round(time.Minute).String())
			m.giveUp(record, o, "expired", "older than -smtp-max-age ("+m.cfg.maxAge.String()+") when its turn came")
			continue
		}
		msg, err := m.message(o)
		if err != nil {
			m.log.Error("message cannot be emailed", "message", o.ID, "err", err)
			m.giveUp(record, o, "failed", err.Error())
			continue
		}
		msgs, rows = append(msgs, msg), append(rows, o)
	}
	if len(msgs) == 0 {
		return true
	}
	m.conn = nil
	client, err := m.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if m.conn != nil {
			m.conn.Close()
		}
		if ctx.Err() == nil {
			m.log.Warn("mail server unavailable: will retry", "smtp", m.cfg.addr, "err", err, "waiting", len(rows))
		}
		for _, o := range rows {
			m.retry(record, o, err)
		}
		return false
	}
	m.client.SendWithSMTPClient(client, msgs...) // outcomes are recorded per message
	if err := m.client.CloseWithSMTPClient(client); err != nil {
		m.log.Debug("closing the SMTP connection", "err", err)
	}
	sent := 0
	for i, msg := range msgs {
		o := rows[i]
		var se *gomail.SendError
		switch err := msg.SendError(); {
		case err == nil:
			if err := m.db.MailSent(record, o.ID, time.Now()); err != nil {
				m.log.Error("record an email as sent (it may be sent again, with the same Message-ID)", "message", o.ID, "err", err)
			}
			sent++
		case errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600:
			m.log.Error("mail server refused a message for good", "message", o.ID, "to", o.To, "err", err)
			m.giveUp(record, o, "failed", err.Error())
		default:
			m.retry(record, o, err)
		}
	}
	if sent > 0 {
		m.log.Info("emailed messages", "sent", sent, "of", len(rows))
	}
	return true
}

// message is the email for an outbox row.
func (m *mailer) message(o store.OutboxMail) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(m.cfg.from); err != nil {
		return nil, err
	}
	if err := msg.AddToFormat(o.ToName, o.To); err != nil {
		return nil, err
	}
	msg.Subject(o.Title)
	msg.SetDateWithValue(o.Created)
	msg.SetMessageIDWithValue(o.MessageID(m.cfg.domain))
	msg.SetGenHeader("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(gomail.TypeTextPlain, emailBody(o, m.cfg.publicURL))
	return msg, nil
}

// emailBody is a message's text with absolute links to its page and to the
// person's messages.
func emailBody(o store.OutboxMail, publicURL string) string {
	var b strings.Builder
	b.WriteString(o.Body)
	b.WriteString("\n\n" + publicURL + o.Path + "\n\n")
	b.WriteString("-- \nBuy connectivity through CCS agreements. You get this email because you have an account; all your messages are at " +
		publicURL + "/messages\n")
	return b.String()
}

func (m *mailer) retry(ctx context.Context, o store.OutboxMail, cause error) {
	wait := m.cfg.retry[min(o.Attempts, len(m.cfg.retry)-1)]
	if err := m.db.MailRetry(ctx, o.ID, cause.Error(), time.Now().Add(wait)); err != nil {
		m.log.Error("record a failed email attempt", "message", o.ID, "err", err)
	}
}

func (m *mailer) giveUp(ctx context.Context, o store.OutboxMail, state, reason string) {
	if err := m.db.MailGiveUp(ctx, o.ID, state, reason); err != nil {
		m.log.Error("record an email not sent", "message", o.ID, "err", err)
	}
}
