package handlers

// Transparency (issue 11): the public register of approved quotes, its open
// data as CSV and OCDS (one query parser for all three), and a local
// authority's spend lines.

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/store"
	"portal/views"
)

// onAwards: the register shows approved quotes, their buyers' names and
// identifiers (approvals), and suppliers' and agreements' names (catalogue).
var onAwards = []store.DataSet{store.DataApprovals, store.DataCatalogue}

func (s *Server) transparencyRoutes(e *echo.Echo) {
	s.publicGET(e, "/transparency", s.register, publicPage{deps: onAwards, query: canonicalAwards})
	// The exports stream, so they are not held in the response cache; they
	// carry their own ETag (awardsETag).
	e.GET("/transparency/awards.csv", s.awardsCSV)
	e.GET("/transparency/ocds.json", s.awardsOCDS)
	e.GET("/organisations/:id/spend.csv", s.spendCSV, s.requireRole(store.RoleBuyer))
}

// canonicalAwards is the register's query in canonical form; a query with
// errors is an error page, not cached.
func canonicalAwards(v url.Values) (string, bool) {
	q, errs := store.ParseAwardQuery(v)
	if len(errs) > 0 {
		return "", false
	}
	return q.Values().Encode(), true
}

func (s *Server) register(c echo.Context) error {
	q, errs := store.ParseAwardQuery(c.QueryParams())
	r, err := s.db.AwardRegister(c.Request().Context(), q)
	if err != nil {
		return err
	}
	page := s.page(c, "Transparency register", "transparency")
	page.Errors = errs
	props := views.RegisterProps{Page: page, Register: r}
	if u := currentUser(c); u.Is(store.RoleBuyer) && store.IsLocalAuthority(u.OrgType) {
		props.SpendURL = "/organisations/" + strconv.FormatInt(u.OrgID, 10) + "/spend.csv"
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusBadRequest
	}
	return render(c, status, views.Register(props))
}

// exportQuery reads an export's filters (the page is ignored: an export
// holds every page) and the awards they match; it answers the request
// itself (400, or 304 when the client's copy is current) and returns ok
// false when it did.
func (s *Server) exportQuery(c echo.Context, kind string) (store.AwardQuery, store.AwardTotals, bool, error) {
	q, errs := store.ParseAwardQuery(c.QueryParams())
	if len(errs) > 0 {
		return q, store.AwardTotals{}, false, c.String(http.StatusBadRequest, errs[0].Message+"\n")
	}
	q.Page = 1
	sum, err := s.db.AwardsSummary(c.Request().Context(), q)
	if err != nil {
		return q, sum, false, err
	}
	tag := awardsETag(kind, q, sum, s.db.Versions())
	h := c.Response().Header()
	h.Set("Etag", tag)
	h.Set(echo.HeaderCacheControl, cacheControlPublic)
	if !sum.Latest.IsZero() {
		h.Set(echo.HeaderLastModified, sum.Latest.UTC().Format(http.TimeFormat))
	}
	if etagMatches(c.Request().Header["If-None-Match"], tag) {
		return q, sum, false, c.NoContent(http.StatusNotModified)
	}
	return q, sum, true, nil
}

// awardsETag identifies an export's content: its kind and filters, the
// awards it holds (how many, the latest approval) and the data versions
// that name their buyers, suppliers and agreements.
func awardsETag(kind string, q store.AwardQuery, sum store.AwardTotals, v store.Versions) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s?%s|%d|%d|%d|%d", kind, q.Values().Encode(), sum.Count, sum.Latest.Unix(), v[store.DataApprovals], v[store.DataCatalogue])
	return fmt.Sprintf(`"%s-%x"`, kind, h.Sum64())
}

// awardsCSVHeader is the register's CSV columns (PRODUCT.md §7).
var awardsCSVHeader = []string{"reference", "version", "approved_on", "buyer", "buyer_identifier", "supplier", "agreement",
	"net_gbp", "vat_gbp", "gross_gbp", "savings_gbp"}

func (s *Server) awardsCSV(c echo.Context) error {
	q, _, ok, err := s.exportQuery(c, "csv")
	if !ok || err != nil {
		return err
	}
	return s.streamCSV(c, "awards.csv", awardsCSVHeader, func(w *csv.Writer) error {
		return s.db.EachAward(c.Request().Context(), q, false, func(a store.Award) error {
			return w.Write([]string{a.Ref, strconv.Itoa(a.Version), a.ApprovedOn(), csvSafe(a.Buyer.Name), csvSafe(a.Buyer.Identifier),
				csvSafe(a.Supplier.Name), a.Agreement.Slug, store.FormatPounds(a.Totals.NetPence), store.FormatPounds(a.Totals.VATPence),
				store.FormatPounds(a.Totals.GrossPence), store.FormatPounds(a.Totals.SavingsPence)})
		})
	})
}

func (s *Server) awardsOCDS(c echo.Context) error {
	q, sum, ok, err := s.exportQuery(c, "ocds")
	if !ok || err != nil {
		return err
	}
	if sum.Count == 0 {
		c.Response().Header().Del("Etag")
		c.Response().Header().Set(echo.HeaderCacheControl, cacheControlNone)
		return c.String(http.StatusNotFound, "No approved awards match these filters, and an OCDS release package needs at least one release.\n")
	}
	ctx := c.Request().Context()
	cpv, err := s.db.CategoryCPVs(ctx)
	if err != nil {
		return err
	}
	base := strings.TrimRight(s.cfg.PublicURL, "/")
	opts := store.OCDSOptions{OCIDPrefix: s.cfg.OCIDPrefix, PublicURL: base, CPV: cpv}
	head := store.NewOCDSPackageHead(opts, base+q.URL("/transparency/ocds.json"), sum.Latest)
	open, err := head.Open()
	if err != nil {
		return err
	}
	return s.stream(c, "application/json; charset=utf-8", "ocds.json", func(w *streamWriter) error {
		w.Write(open)
		n := 0
		err := s.db.EachAward(ctx, q, true, func(a store.Award) error {
			b, err := json.Marshal(store.NewOCDSRelease(a, opts))
			if err != nil {
				return err
			}
			if n > 0 {
				w.Write([]byte{','})
			}
			n++
			w.Write(b)
			return w.err
		})
		w.Write(head.Close())
		return err
	})
}

// spendCSVHeader is the Local Government Transparency Code's spend columns.
var spendCSVHeader = []string{"body", "body_identifier", "date", "expense_type", "beneficiary", "beneficiary_identifier",
	"amount_gbp", "irrecoverable_vat", "reference"}

func (s *Server) spendCSV(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.Request().Context()
	// Checked before the download starts, so a refusal is a whole page.
	org, err := s.db.SpendOrganisation(ctx, u, id)
	if err != nil {
		return err
	}
	name := "spend-" + strings.ToLower(org.Identifier) + ".csv"
	return s.streamCSV(c, name, spendCSVHeader, func(w *csv.Writer) error {
		return s.db.EachSpendLine(ctx, u, id, func(a store.Award) error {
			return w.Write([]string{csvSafe(a.Buyer.Name), csvSafe(a.Buyer.Identifier), a.ApprovedOn(), csvSafe(spendExpenseType(a)),
				csvSafe(a.Supplier.Name), csvSafe(a.Supplier.Identifier), store.FormatPounds(a.Totals.NetPence),
				"None: the amount is net of VAT, which the council recovers", a.Ref + "/v" + strconv.Itoa(a.Version)})
		})
	})
}

// spendExpenseType names the spend: telecommunications, and the categories
// bought.
func spendExpenseType(a store.Award) string {
	if a.Snapshot == nil {
		return "Telecommunications"
	}
	return "Telecommunications: " + strings.TrimPrefix(store.TenderTitle(a.Agreement.Title, a.Snapshot.Lines), "Call-off under the "+a.Agreement.Title+": ")
}

// streamWriter buffers a download's writes and remembers the first error,
// so a long stream checks it once per item rather than per write.
type streamWriter struct {
	w   *bufio.Writer
	err error
}

// Write writes b unless an earlier write failed.
func (w *streamWriter) Write(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

// stream answers with a download that body writes as it reads: the status
// at once, then the body. A failure part-way aborts the connection (as
// streamCSV does), so a client never takes a cut-short file for a whole one.
func (s *Server) stream(c echo.Context, contentType, filename string, body func(w *streamWriter) error) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentDisposition, `inline; filename="`+filename+`"`)
	c.Response().WriteHeader(http.StatusOK)
	w := &streamWriter{w: bufio.NewWriterSize(c.Response(), 32<<10)}
	err := body(w)
	if err == nil {
		err = w.err
	}
	if err == nil {
		err = w.w.Flush()
	}
	if err != nil {
		reqLog(c).Error("download cut short: aborting the response", "file", filename, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}
