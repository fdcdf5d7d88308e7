package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"strings"

	"github.com/labstack/echo/v4"
)

// Context keys set by requestID (and reqLog).
const (
	ctxRequestID  = "request_id"
	ctxBaseLogger = "base_logger"
	ctxLogger     = "logger"
)

// maxRequestIDLen bounds an X-Request-Id taken from a trusted proxy.
const maxRequestIDLen = 64

// requestID gives every request an id, answers it in X-Request-Id, shows it
// on error pages and puts it on every log line the request writes (through
// reqLog). An X-Request-Id header is believed only from a trusted proxy
// (-trusted-proxies), so that the proxy's and the portal's logs share the
// id; from anyone else it is replaced, as a client could otherwise forge
// log correlation or stuff the logs.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		id := ""
		if s.fromTrustedProxy(r.RemoteAddr) {
			id = r.Header.Get(echo.HeaderXRequestID)
			if !validRequestID(id) {
				id = ""
			}
		}
		if id == "" {
			id = newRequestID()
		}
		c.Set(ctxRequestID, id)
		c.Set(ctxBaseLogger, s.log)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// newRequestID returns 16 random hex digits: short enough to read out to a
// support desk, and unique enough for any realistic log.
func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// validRequestID accepts ids of letters, digits and - _ . : only, so a
// proxy's id cannot carry markup or control characters into logs or pages.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r)) {
			return false
		}
	}
	return true
}

// fromTrustedProxy reports whether the TCP peer is one of the configured
// proxies.
func (s *Server) fromTrustedProxy(remoteAddr string) bool {
	if len(s.cfg.TrustedProxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	for _, n := range s.cfg.TrustedProxies {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// requestIDOf returns the request's id ("" outside a request).
func requestIDOf(c echo.Context) string {
	id, _ := c.Get(ctxRequestID).(string)
	return id
}

// reqLog returns the logger for the request: the server's structured logger
// with the request id on every line. It is made on first use, as most
// requests log nothing.
func reqLog(c echo.Context) *slog.Logger {
	if l, ok := c.Get(ctxLogger).(*slog.Logger); ok {
		return l
	}
	base, ok := c.Get(ctxBaseLogger).(*slog.Logger)
	if !ok {
		return slog.Default()
	}
	l := base.With("request_id", requestIDOf(c))
	c.Set(ctxLogger, l)
	return l
}
