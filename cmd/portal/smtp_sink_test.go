package main

// A real SMTP server for the email tests (github.com/emersion/go-smtp),
// started inside the test on a loopback port: STARTTLS with a certificate
// made for the test, AUTH PLAIN (only over TLS), and ways to fail.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// sunkMail is one email the sink accepted, its subject and body decoded.
type sunkMail struct {
	From, To  string
	MessageID string
	Subject   string
	Header    mail.Header
	Body      string
}

// smtpSink is the test's mail server.
type smtpSink struct {
	t    testing.TB
	addr string
	srv  *smtp.Server
	// got receives every accepted email, in order.
	got chan sunkMail

	mu   sync.Mutex
	all  []sunkMail
	user string // AUTH PLAIN username and password; "" accepts no AUTH
	pass string
	// failNext answers the next n DATA commands with a temporary 451.
	failNext int
	// hold, when set, is waited on after an email is recorded and before
	// the server answers its DATA (a client killed meanwhile never learns
	// that it was accepted).
	hold chan struct{}
}

type sinkOptions struct {
	tls        *tls.Config // STARTTLS offered when set
	user, pass string
	addr       string // listen here (default: a free loopback port)
}

// startSink starts a sink; it stops when the test ends.
func startSink(t testing.TB, o sinkOptions) *smtpSink {
	t.Helper()
	addr := o.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{t: t, addr: ln.Addr().String(), got: make(chan sunkMail, 100), user: o.user, pass: o.pass}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }))
	s.srv.Domain = "sink.test"
	s.srv.TLSConfig = o.tls
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.ErrorLog = nullLogger{}
	go s.srv.Serve(ln)
	t.Cleanup(s.stop)
	return s
}

type nullLogger struct{}

func (nullLogger) Printf(string, ...any) {}
func (nullLogger) Println(...any)        {}

func (s *smtpSink) stop() { s.srv.Close() }

// received returns every email accepted so far.
func (s *smtpSink) received() []sunkMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunkMail(nil), s.all...)
}

// waitFor receives n emails (or fails the test after a minute).
func (s *smtpSink) waitFor(n int) []sunkMail {
	s.t.Helper()
	var out []sunkMail
	deadline := time.After(time.Minute)
	for len(out) < n {
		select {
		case m := <-s.got:
			out = append(out, m)
		case <-deadline:
			s.t.Fatalf("the mail server received %d emails within a minute, want %d", len(out), n)
		}
	}
	return out
}

type sinkSession struct {
	sink     *smtpSink
	authed   bool
	from, to string
}

func (ss *sinkSession) AuthMechanisms() []string {
	if ss.sink.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *sinkSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.sink.user || password != ss.sink.pass {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.sink.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = to
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.sink
	s.mu.Lock()
	if s.failNext > 0 {
		s.failNext--
		s.mu.Unlock()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		s.mu.Unlock()
		return err
	}
	var body io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	text, _ := io.ReadAll(body)
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		s.mu.Unlock()
		return err
	}
	sm := sunkMail{From: ss.from, To: ss.to, MessageID: m.Header.Get("Message-Id"), Subject: subject, Header: m.Header, Body: string(text)}
	s.all = append(s.all, sm)
	hold := s.hold
	s.mu.Unlock()
	s.got <- sm
	if hold != nil {
		<-hold
	}
	return nil
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", "" }
func (ss *sinkSession) Logout() error { return nil }

// testCertificate makes a self-signed certificate for 127.0.0.1 and returns
// the server's TLS configuration and a client configuration that trusts it.
func testCertificate(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sink.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}
