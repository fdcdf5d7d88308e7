package handlers

// The supplier area (issue 10): a supplier's own offerings, the edit form,
// price-list import with its dry-run report, and the public change log.
// Every rule (whose offering, the checks, what applying does) is in the
// store; these handlers read forms and choose statuses.

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/store"
	"portal/views"
)

// maxImportBody is the largest upload request: the 5 MB file and the rest
// of the multipart form. A bigger body is refused (413) as soon as it
// passes this, before it is all read.
const maxImportBody = 6 << 20

func init() {
	largeBodies[http.MethodPost+" /supplier/import"] = maxImportBody
}

func (s *Server) supplierRoutes(e *echo.Echo) {
	g := e.Group("/supplier", s.requireRole(store.RoleSupplier))
	g.GET("", s.supplierHome)
	g.GET("/offerings/:slug", s.editOfferingPage)
	g.POST("/offerings/:slug", s.saveOffering)
	g.GET("/import", s.importPage)
	g.POST("/import", s.importUpload)
	g.POST("/import/:id/apply", s.applyImport)
}

// pageParam reads a 1-based page number; anything else is page 1.
func pageParam(v url.Values) int {
	n, err := strconv.Atoi(v.Get("page"))
	if err != nil || n < 1 || n > 1_000_000 {
		return 1
	}
	return n
}

func pagesOf(total, size int) int { return max(1, (total+size-1)/size) }

func (s *Server) supplierHome(c echo.Context) error {
	q := store.CleanSearch(c.QueryParam("q"))
	page := pageParam(c.QueryParams())
	rows, total, err := s.db.SupplierOfferings(c.Request().Context(), currentUser(c), q, page)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.SupplierHome(views.SupplierHomeProps{Page: s.page(c, "Your offerings", "supplier"),
		Q: q, Rows: rows, Total: total,
		Pager: views.Pager{Label: "Offerings pages", Page: page, Pages: pagesOf(total, store.SupplierPageSize),
			URL: func(n int) string { return views.SupplierPageURL(q, n) }}}))
}

func (s *Server) editOfferingPage(c echo.Context) error {
	o, pending, err := s.db.SupplierOffering(c.Request().Context(), currentUser(c), c.Param("slug"))
	if err != nil {
		return err
	}
	return s.renderOfferingEdit(c, http.StatusOK, o, pending, store.OfferingFormOf(o, pending), nil)
}

func (s *Server) renderOfferingEdit(c echo.Context, status int, o store.Offering, pending *store.PendingPrice, f store.OfferingForm, errs []store.FieldError) error {
	cats, err := s.db.Categories(c.Request().Context())
	if err != nil {
		return err
	}
	page := s.page(c, "Change "+o.Name, "supplier")
	page.Errors = errs
	return render(c, status, views.OfferingEditPage(views.OfferingEditProps{Page: page, Offering: o, Pending: pending, Form: f,
		Categories: cats, Today: store.TodayLondon(s.db.Now())}))
}

func (s *Server) saveOffering(c echo.Context) error {
	ctx, u, slug := c.Request().Context(), currentUser(c), c.Param("slug")
	// Textareas come with CRLF line breaks; the form shown again keeps
	// them as typed, one break a line.
	lines := func(field string) string { return strings.ReplaceAll(formValue(c, field), "\r\n", "\n") }
	f := store.OfferingForm{Name: formValue(c, "name"), Unit: formValue(c, "unit"), Category: formValue(c, "category"),
		Summary: formValue(c, "summary"), Description: lines("description"), Attributes: lines("attributes"),
		SocialValue: lines("social_value"), PovTrial: formValue(c, "pov_trial") == "true", SdwanTrial: formValue(c, "sdwan_trial") == "true",
		Terms: formValue(c, "term_options"), Monthly: formValue(c, "monthly"), OneOff: formValue(c, "one_off"), MouBP: formValue(c, "mou_discount_bp"),
		EffectiveFrom: dateInput(c, "effective_from"), Status: formValue(c, "status")}
	err := s.db.EditOffering(ctx, u, slug, f)
	if err == nil {
		setFlash(c, "Your changes have been saved")
		return c.Redirect(http.StatusSeeOther, "/supplier/offerings/"+slug)
	}
	if store.ErrorCode(err) != store.EINVALID {
		return err
	}
	o, pending, oerr := s.db.SupplierOffering(ctx, u, slug)
	if oerr != nil {
		return oerr
	}
	return s.renderOfferingEdit(c, http.StatusUnprocessableEntity, o, pending, f, store.ErrorFields(err))
}

func (s *Server) importPage(c echo.Context) error {
	return render(c, http.StatusOK, views.ImportPage(views.ImportProps{Page: s.page(c, "Import a price list", "supplier")}))
}

// importUpload checks an uploaded price list: the answer is always the
// dry-run report, 200 when it can be applied, 422 listing every error.
func (s *Server) importUpload(c echo.Context) error {
	page := s.page(c, "Import a price list", "supplier")
	fh, err := c.FormFile("file")
	if err != nil {
		page.Errors = []store.FieldError{{Field: "file", Message: "Choose a price list (a CSV file) to upload"}}
		return render(c, http.StatusUnprocessableEntity, views.ImportPage(views.ImportProps{Page: page}))
	}
	if fh.Size > store.MaxPriceListBytes {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "The price list is larger than 5 MB: split it into smaller files and upload each.")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	body, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return err
	}
	up, err := s.db.CheckUpload(c.Request().Context(), currentUser(c), fh.Filename, body)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !up.Plan.Valid() {
		status = http.StatusUnprocessableEntity
		page.Title = "Error: " + page.Title
	}
	return render(c, status, views.ImportPage(views.ImportProps{Page: page, Report: &up}))
}

// applyImport applies a checked upload → 303 to the supplier's list; if the
// catalogue moved and the upload now means something else, 409 with the
// fresh report.
func (s *Server) applyImport(c echo.Context) error {
	up, err := s.db.ApplyUpload(c.Request().Context(), currentUser(c), c.Param("id"))
	if err == nil {
		created, changed, withdrawn := up.Plan.Counts()
		setFlash(c, up.Filename+" has been applied: "+strconv.Itoa(created)+" created, "+strconv.Itoa(changed)+" changed, "+strconv.Itoa(withdrawn)+" withdrawn")
		return c.Redirect(http.StatusSeeOther, "/supplier")
	}
	if store.ErrorCode(err) != store.ECONFLICT || up.Plan.CheckedAt.IsZero() {
		return err
	}
	status := http.StatusConflict
	return render(c, status, views.ImportPage(views.ImportProps{Page: s.page(c, "Import a price list", "supplier"), Report: &up, Conflict: store.ErrorMessage(err)}))
}

// canonicalPage is the query of a paged public list: page alone.
func canonicalPage(v url.Values) (string, bool) {
	if n := pageParam(v); n > 1 {
		return "page=" + strconv.Itoa(n), true
	}
	return "", true
}

// agreementChanges is the public change log of an agreement.
func (s *Server) agreementChanges(c echo.Context) error {
	ctx, u := c.Request().Context(), currentUser(c)
	a, err := s.db.Agreement(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	page := pageParam(c.QueryParams())
	changes, total, err := s.db.ChangeLog(ctx, u, a.ID, 0, page, store.ChangeLogPageSize)
	if err != nil {
		return err
	}
	base := "/agreements/" + a.Slug + "/changes"
	return render(c, http.StatusOK, views.ChangeLogPage(views.ChangeLogProps{Page: s.page(c, "Changes: "+a.Title, ""), Agreement: a,
		Changes: changes, Total: total, ShowActor: u.Is(store.RoleReviewer),
		Pager: views.Pager{Label: "Change log pages", Page: page, Pages: pagesOf(total, store.ChangeLogPageSize), URL: func(n int) string {
			if n == 1 {
				return base
			}
			return base + "?page=" + strconv.Itoa(n)
		}}}))
}

// offeringChangesLimit is how many changes the offering page lists.
const offeringChangesLimit = 10

// priceNoticeDays is how far ahead a draft basket warns of price changes.
const priceNoticeDays = 30

// basketPriceNotices are the draft basket's lines whose price changes
// within priceNoticeDays.
func (s *Server) basketPriceNotices(c echo.Context, b store.Basket) ([]views.PriceNotice, error) {
	if !b.Status.Editable() || len(b.Lines) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(b.Lines))
	for i, l := range b.Lines {
		ids[i] = l.Offering.ID
	}
	pending, err := s.db.PendingPrices(c.Request().Context(), ids)
	if err != nil {
		return nil, err
	}
	horizon := store.TodayLondon(s.db.Now()).AddDate(0, 0, priceNoticeDays)
	var out []views.PriceNotice
	seen := map[int64]bool{}
	for _, l := range b.Lines {
		if p := pending[l.Offering.ID]; p != nil && !p.EffectiveOn.After(horizon) && !seen[l.Offering.ID] {
			seen[l.Offering.ID] = true
			out = append(out, views.PriceNotice{Offering: l.Offering, Pending: *p})
		}
	}
	return out, nil
}
