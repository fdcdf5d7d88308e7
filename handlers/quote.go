package handlers

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/store"
	"portal/views"
)

// quoteRoutes registers the quote pages under /quotes.
func (s *Server) quoteRoutes(g *echo.Group) {
	g.GET("/:ref", s.quoteLatest)
	g.GET("/:ref/:version", s.quotePage)
	g.GET("/:ref/:version/print.css", s.quotePrintCSS)
}

var (
	refPattern     = regexp.MustCompile(`^Q-[0-9]{4}-[0-9]{6}$`)
	versionPattern = regexp.MustCompile(`^v([1-9][0-9]{0,5})(\.json)?$`)
)

// quoteParams reads /quotes/{ref}/v{n}[.json].
func quoteParams(c echo.Context) (ref string, version int, asJSON bool, err error) {
	ref = c.Param("ref")
	m := versionPattern.FindStringSubmatch(c.Param("version"))
	if !refPattern.MatchString(ref) || m == nil {
		return "", 0, false, echo.ErrNotFound
	}
	version, _ = strconv.Atoi(m[1])
	return ref, version, m[2] != "", nil
}

func (s *Server) quoteLatest(c echo.Context) error {
	ref := c.Param("ref")
	if !refPattern.MatchString(ref) {
		return echo.ErrNotFound
	}
	q, err := s.db.Quote(c.Request().Context(), currentUser(c), ref, 0)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, store.QuoteURL(q.Ref, q.Version))
}

func (s *Server) quotePage(c echo.Context) error {
	ref, version, asJSON, err := quoteParams(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	q, err := s.db.Quote(c.Request().Context(), u, ref, version)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	if asJSON {
		return c.JSONBlob(http.StatusOK, quoteJSONBytes(q))
	}
	props := views.QuoteProps{Page: s.page(c, views.QuoteTitle(q), "baskets"), Quote: q,
		PrintCSS: store.QuoteURL(q.Ref, q.Version) + "/print.css",
		Duties:   store.PublicationDuties(q.Organisation.Type, q.Totals)}
	if props.Page.Flash == submittedFlash(q.Ref, q.Version) && q.Status == store.QuoteSubmitted {
		// Right after submitting: a confirmation panel instead of the banner.
		props.Page.Flash, props.Confirmed = "", true
		props.DecisionDue, props.DecisionDays = s.db.ReviewSLA.Due(q.IssuedAt), s.db.ReviewSLA.WorkingDays
	}
	props.BackURL, props.BackText = "/baskets/"+strconv.FormatInt(q.BasketID, 10), "Back to the basket"
	if u.Is(store.RoleReviewer) {
		props.BackURL, props.BackText = store.ReviewPath(q.BasketID), "Back to the review"
	}
	return render(c, http.StatusOK, views.QuotePage(props))
}

// quotePrintCSS puts the quote's reference in the footer of every printed
// page, beside the page number (CSS cannot read it from the page, and the
// content security policy allows no inline styles).
func (s *Server) quotePrintCSS(c echo.Context) error {
	ref, version, asJSON, err := quoteParams(c)
	if err != nil || asJSON {
		return echo.ErrNotFound
	}
	if _, err := s.db.Quote(c.Request().Context(), currentUser(c), ref, version); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=3600")
	// ref matches refPattern, so it needs no escaping inside a CSS string.
	// The page margin boxes do not inherit the body's font: name the same
	// family (static/app.css), or the footer prints in the default serif.
	box := "font-size: 8pt; font-family: " + printFont + ";"
	css := "@page {\n  @bottom-left { content: \"Quote " + ref + " version " + strconv.Itoa(version) + "\"; " + box + " }\n" +
		"  @bottom-right { content: \"Page \" counter(page) \" of \" counter(pages); " + box + " }\n}\n"
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", []byte(css))
}

// printFont is the body's font family in static/app.css.
const printFont = `system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif`

func (s *Server) previewQuote(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	q, err := s.db.PreviewQuote(c.Request().Context(), currentUser(c), id)
	if store.ErrorCode(err) == store.EINVALID {
		return s.basketFailure(c, id, store.Invalid(store.FieldError{Field: "lines", Message: store.ErrorMessage(err)}), basketView{})
	} else if err != nil {
		return err
	}
	props := views.QuoteProps{Page: s.page(c, "Quote preview", "baskets"), Quote: q, Preview: true,
		BackURL: "/baskets/" + strconv.FormatInt(id, 10), BackText: "Back to the basket",
		Duties: store.PublicationDuties(q.Organisation.Type, q.Totals)}
	if q.BasketStatus.Editable() && q.Requirements.Need != "" {
		props.SubmitURL = "/baskets/" + strconv.FormatInt(id, 10) + "/submit"
		props.DecisionDue, props.DecisionDays = s.db.ReviewSLA.Due(q.IssuedAt), s.db.ReviewSLA.WorkingDays
	}
	return render(c, http.StatusOK, views.QuotePage(props))
}

// submittedFlash is the message after a submission that issued a quote
// version; the quote page shows it as its confirmation panel.
func submittedFlash(ref string, version int) string {
	return "Quote " + ref + " version " + strconv.Itoa(version) + " issued and submitted for approval"
}

// quoteJSON is the quote as JSON (PRODUCT.md §8); money in integer pence.
type quoteJSON struct {
	Ref             string          `json:"ref"`
	Version         int             `json:"version"`
	Status          string          `json:"status"`
	IssuedAt        string          `json:"issued_at"`
	ValidUntil      string          `json:"valid_until"`
	Organisation    quoteOrgJSON    `json:"organisation"`
	Agreement       quoteAgreeJSON  `json:"agreement"`
	InlifeBP        int64           `json:"inlife_bp"`
	Lines           []quoteLineJSON `json:"lines"`
	NetTotalPence   int64           `json:"net_total_pence"`
	VATPence        int64           `json:"vat_pence"`
	GrossTotalPence int64           `json:"gross_total_pence"`
	SavingsPence    int64           `json:"savings_pence"`
	Approvals       []approvalJSON  `json:"approvals"`
}

type quoteOrgJSON struct {
	Name       string `json:"name"`
	Identifier string `json:"identifier"`
}

type quoteAgreeJSON struct {
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	Supplier string `json:"supplier"`
}

type offeringRefJSON struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

type quoteLineJSON struct {
	Offering    offeringRefJSON `json:"offering"`
	Quantity    int64           `json:"quantity"`
	TermMonths  int64           `json:"term_months"`
	ListPence   int64           `json:"list_pence"`
	MouPence    int64           `json:"mou_pence"`
	InlifePence int64           `json:"inlife_pence"`
	NetPence    int64           `json:"net_pence"`
}

type approvalJSON struct {
	Reviewer string `json:"reviewer"`
	At       string `json:"at"`
}

func quoteJSONBytes(q store.QuoteVersion) []byte {
	out := quoteJSON{
		Ref: q.Ref, Version: q.Version, Status: string(q.Status), IssuedAt: q.IssuedAt.UTC().Format(time.RFC3339), ValidUntil: q.ValidUntil,
		Organisation:  quoteOrgJSON{Name: q.Organisation.Name, Identifier: q.Organisation.Identifier},
		Agreement:     quoteAgreeJSON{Slug: q.Agreement.Slug, Title: q.Agreement.Title, Supplier: q.Agreement.Supplier},
		InlifeBP:      q.InlifeBP,
		Lines:         []quoteLineJSON{},
		NetTotalPence: q.Totals.NetPence, VATPence: q.Totals.VATPence, GrossTotalPence: q.Totals.GrossPence, SavingsPence: q.Totals.SavingsPence,
		Approvals: []approvalJSON{},
	}
	for _, l := range q.Lines {
		out.Lines = append(out.Lines, quoteLineJSON{Offering: offeringRefJSON{Slug: l.OfferingSlug, Name: l.OfferingName},
			Quantity: l.Quantity, TermMonths: l.TermMonths, ListPence: l.Price.ListPence, MouPence: l.Price.MouPence,
			InlifePence: l.Price.InlifePence, NetPence: l.Price.NetPence})
	}
	for _, a := range q.Approvals {
		out.Approvals = append(out.Approvals, approvalJSON{Reviewer: a.Reviewer, At: a.At.UTC().Format(time.RFC3339)})
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return b
}
