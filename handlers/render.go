package handlers

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"portal/store"
	"portal/views"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// renderBytes renders a component fully before anything is written, so a
// render error becomes a 500 page rather than half a page.
func renderBytes(c echo.Context, comp templ.Component) ([]byte, error) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

// gzipMinSize is the body size above which pages are sent compressed.
const gzipMinSize = 1024

// gzipBytes compresses b into a slice of its own, sized to fit (cached
// pages keep it).
func gzipBytes(b []byte) []byte {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	w := gzipPool.Get().(*gzip.Writer)
	w.Reset(buf)
	w.Write(b)
	w.Close()
	gzipPool.Put(w)
	return bytes.Clone(buf.Bytes())
}

// acceptsGzip reports whether the client takes gzip: it is listed in
// Accept-Encoding (or "*" is) without q=0.
func acceptsGzip(r *http.Request) bool {
	for _, line := range r.Header["Accept-Encoding"] {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ",")
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.TrimSpace(coding)
			if !strings.EqualFold(coding, "gzip") && coding != "*" {
				continue
			}
			q := strings.ReplaceAll(params, " ", "")
			if strings.HasPrefix(q, "q=0") && strings.Trim(q[3:], ".0") == "" {
				continue // q=0, q=0.0, …: not acceptable
			}
			return true
		}
	}
	return false
}

// render writes a templ component as an HTML page with the given status.
func render(c echo.Context, status int, comp templ.Component) error {
	b, err := renderBytes(c, comp)
	if err != nil {
		return err
	}
	return writeHTML(c, status, b)
}

// writeHTML writes a rendered page, compressed when the client accepts it
// and the body is over gzipMinSize, with its length. A page being rendered
// to fill the response cache is handed to the cache instead, which stores
// and sends it (pagecache.go). Pages not from the cache that have no
// caching rule yet (a signed-in page has private, no-store) are not stored
// anywhere: they are error pages and the like.
func writeHTML(c echo.Context, status int, body []byte) error {
	if f, ok := c.Get(ctxFill).(*pageFill); ok {
		f.done, f.status, f.body = true, status, body
		return nil
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set(echo.HeaderVary, varyPage)
	if h.Get(echo.HeaderCacheControl) == "" {
		h.Set(echo.HeaderCacheControl, cacheControlNone)
	}
	if len(body) > gzipMinSize && acceptsGzip(c.Request()) {
		h.Set(echo.HeaderContentEncoding, "gzip")
		body = gzipBytes(body)
	}
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(body)
	return err
}

// handleError is the one place errors become responses: domain codes map to
// statuses, 5xx are logged in full, and nothing internal reaches the user.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, title, msg := http.StatusInternalServerError, "Sorry, there is a problem with the service", "Try again later."
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		status = he.Code
		title, msg = statusText(status, he.Message)
	default:
		switch store.ErrorCode(err) {
		case store.ENOTFOUND:
			status = http.StatusNotFound
		case store.EINVALID:
			status = http.StatusBadRequest
		case store.ECONFLICT:
			status = http.StatusConflict
		case store.EFORBIDDEN:
			status = http.StatusForbidden
		case store.EUNAUTHORIZED:
			status = http.StatusUnauthorized
		case store.ETOOMANY:
			status = http.StatusTooManyRequests
		}
		if status != http.StatusInternalServerError {
			title, _ = statusText(status, nil)
			msg = store.ErrorMessage(err)
		}
	}
	if status >= 500 {
		reqLog(c).Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "status", status, "err", err)
	}
	if rerr := render(c, status, views.ErrorPage(s.page(c, title, ""), msg, requestIDOf(c))); rerr != nil {
		reqLog(c).Error("render error page", "err", rerr)
		c.String(status, title)
	}
}

func statusText(status int, m any) (title, msg string) {
	detail, _ := m.(string)
	switch status {
	case http.StatusNotFound:
		return "Page not found", "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."
	case http.StatusBadRequest:
		return "There is a problem with your request", firstNonEmpty(detail, "Check the address or the form and try again.")
	case http.StatusForbidden:
		return "You cannot do that", firstNonEmpty(detail, "You do not have permission to do this.")
	case http.StatusMethodNotAllowed:
		return "Page not found", "This address does not accept that kind of request."
	case http.StatusTooManyRequests:
		return "Too many attempts", firstNonEmpty(detail, "Wait a few minutes and try again.")
	case http.StatusRequestEntityTooLarge:
		return "The form was too large", firstNonEmpty(detail, "Send less data and try again.")
	case http.StatusConflict:
		return "Someone else changed this", firstNonEmpty(detail, "Reload the page and try again.")
	case http.StatusUnauthorized:
		return "Sign in to continue", firstNonEmpty(detail, "You need to sign in to see this page.")
	}
	if status >= 500 {
		return "Sorry, there is a problem with the service", "Try again later."
	}
	return http.StatusText(status), detail
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// page fills the layout's common fields for the current request.
func (s *Server) page(c echo.Context, title, section string) views.Page {
	p := views.Page{
		Title:   title,
		Section: section,
		User:    currentUser(c),
		CSRF:    csrfToken(c),
		Flash:   popFlash(c),
		Demo:    s.demo,
		URL:     pageURL(c),
	}
	if p.User != nil {
		n, err := s.db.UnreadMessages(c.Request().Context(), p.User)
		if err != nil { // the header's count is not worth failing a page for
			s.log.Error("count unread messages", "user", p.User.ID, "err", err)
		}
		p.Unread = n
	}
	return p
}

// pageURL is the canonical path and query of a public page, "" for others.
func pageURL(c echo.Context) string {
	u, _ := c.Get(ctxPageURL).(string)
	return u
}
