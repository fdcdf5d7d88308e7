package handlers

// Reading forms (PRODUCT.md §8 input hygiene). The readBody middleware reads
// every request body once, before the CSRF check and any handler, within a
// size and field-count limit, and parses a form from the body only: after it,
// the request's Form and PostForm hold the body's fields and never the query
// string. So Echo's CSRF lookup ("form:_csrf") and the readers below see the
// body alone, and a token or field put in a URL (where it would reach access
// logs and browser history) is ignored.
//
// Handlers read fields with formValue and dateInput, never c.FormValue or
// c.FormParams (TestHandlersReadTheBodyOnly checks).

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"portal/store"
)

// Limits on a request body. PRODUCT.md §8: a form over 1 MB answers 413
// (an upload route may allow more: see largeBodies).
const (
	maxBodyBytes  = 1 << 20
	maxFormFields = 1000
)

// largeBodies are the routes ("METHOD /pattern") that take bodies over
// maxBodyBytes, with their limit; the supplier's price-list upload
// (PRODUCT.md §8: 5 MB) belongs here.
var largeBodies = map[string]int64{}

const (
	tooLargeMessage  = "The form was too large. Send less data and try again."
	tooManyMessage   = "The form had too many fields. Go back, reload the page and try again."
	unreadableString = "The form could not be read. Go back, reload the page and try again."
)

// readBody reads and parses the request body (see the top of this file):
// over the limit — by Content-Length, or counted as a chunked body streams
// in — is 413, more than maxFormFields fields 413, a malformed form 400. It
// runs before the CSRF check, so these never show as "form expired".
func readBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		r.Form, r.PostForm = url.Values{}, url.Values{}
		if r.Body == nil || r.Body == http.NoBody {
			return next(c)
		}
		limit := int64(maxBodyBytes)
		if n, ok := largeBodies[r.Method+" "+c.Path()]; ok {
			limit = n
		}
		if r.ContentLength > limit {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, tooLargeMessage)
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, unreadableString)
		}
		if int64(len(body)) > limit {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, tooLargeMessage)
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		ct, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
		switch ct {
		case echo.MIMEApplicationForm:
			if bytes.Count(body, []byte("&"))+1 > maxFormFields {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge, tooManyMessage)
			}
			v, err := url.ParseQuery(string(body))
			if err != nil {
				return echo.NewHTTPError(http.StatusBadRequest, unreadableString)
			}
			r.Form, r.PostForm = v, v
		case echo.MIMEMultipartForm:
			// Parse with empty query-string forms already set, so nothing
			// from the URL is merged in; the standard library refuses more
			// than 1000 parts.
			if err := r.ParseMultipartForm(limit); errors.Is(err, multipart.ErrMessageTooLarge) {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge, tooManyMessage)
			} else if err != nil {
				return echo.NewHTTPError(http.StatusBadRequest, unreadableString)
			}
			r.Form = r.PostForm
		}
		return next(c)
	}
}

// formValue is the named field of the request body (never the query string).
func formValue(c echo.Context, name string) string {
	return c.Request().PostForm.Get(name)
}

// formValues is the request body's fields (never the query string).
func formValues(c echo.Context) url.Values {
	return c.Request().PostForm
}

// dateInput reads a date field in either shape PRODUCT.md §4 allows: the
// GOV.UK date input's name-day, name-month and name-year, or name as
// YYYY-MM-DD. The three fields win when any of them is in the form.
func dateInput(c echo.Context, name string) store.DateInput {
	f := formValues(c)
	_, d := f[name+"-day"]
	_, m := f[name+"-month"]
	_, y := f[name+"-year"]
	if d || m || y {
		return store.DateInput{Day: f.Get(name + "-day"), Month: f.Get(name + "-month"), Year: f.Get(name + "-year"), Parts: true}
	}
	return store.DateInput{ISO: f.Get(name)}
}
