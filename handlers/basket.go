package handlers

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/store"
	"portal/views"
)

// basketRoutes registers the buyer's baskets (PRODUCT.md §8) and the quotes
// that buyers of the organisation and reviewers can read.
func (s *Server) basketRoutes(e *echo.Echo) {
	g := e.Group("/baskets", s.requireRole(store.RoleBuyer))
	g.GET("", s.basketsHome)
	g.POST("", s.createBasket)
	g.GET("/add", s.addToBasketPage)
	g.POST("/lines", s.addToBasket)
	g.GET("/:id", s.basketPage)
	g.POST("/:id/lines", s.addLine)
	g.POST("/:id/lines/:line", s.updateLine)
	g.POST("/:id/lines/:line/delete", s.deleteLine)
	g.GET("/:id/requirements", s.requirementsPage)
	g.POST("/:id/requirements", s.saveRequirements)
	g.POST("/:id/submit", s.submitBasket)
	g.POST("/:id/withdraw", s.withdrawBasket)
	g.GET("/:id/preview", s.previewQuote)
	g.GET("/:id/history", s.basketHistory)
	s.quoteRoutes(e.Group("/quotes", s.requireRole(store.RoleBuyer, store.RoleReviewer)))
}

// idParam reads a numeric path parameter; anything else is a 404.
func idParam(c echo.Context, name string) (int64, error) {
	n, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, echo.ErrNotFound
	}
	return n, nil
}

func (s *Server) basketsHome(c echo.Context) error {
	return s.renderBaskets(c, http.StatusOK, "", nil)
}

func (s *Server) renderBaskets(c echo.Context, status int, name string, errs []store.FieldError) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	list, err := s.db.Baskets(ctx, u)
	if err != nil {
		return err
	}
	quotes, err := s.db.RecentQuotes(ctx, u, 10)
	if err != nil {
		return err
	}
	page := s.page(c, "Your baskets", "baskets")
	page.Errors = errs
	return render(c, status, views.BasketsPage(views.BasketsProps{Page: page, Groups: views.GroupBaskets(list), Quotes: quotes, NewName: name}))
}

func (s *Server) createBasket(c echo.Context) error {
	name := formValue(c, "name")
	b, err := s.db.CreateBasket(c.Request().Context(), currentUser(c), name)
	if store.ErrorCode(err) == store.EINVALID {
		return s.renderBaskets(c, http.StatusUnprocessableEntity, name, store.ErrorFields(err))
	} else if err != nil {
		return err
	}
	setFlash(c, "Basket “"+b.Name+"” created")
	return c.Redirect(http.StatusSeeOther, "/baskets/"+strconv.FormatInt(b.ID, 10))
}

// basketView is how to show the basket page after a failed POST.
type basketView struct {
	status   int
	errs     []store.FieldError
	conflict string
	lineEdit *views.LineEdit
	add      store.LineForm
	mismatch *store.AgreementMismatchError
}

func (s *Server) renderBasket(c echo.Context, id int64, v basketView) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	b, err := s.db.Basket(ctx, u, id)
	if err != nil {
		return err
	}
	props := views.BasketProps{Basket: b, Conflict: v.conflict, LineEdit: v.lineEdit, Add: v.add, Mismatch: v.mismatch}
	if props.PriceNotices, err = s.basketPriceNotices(c, b); err != nil {
		return err
	}
	if b.Status.Editable() {
		if props.Offerings, err = s.addableOfferings(c, b); err != nil {
			return err
		}
	}
	props.DateExample = s.dateExample()
	props.Page = s.page(c, b.Name, "baskets")
	props.Page.Errors = v.errs
	if v.status == 0 {
		v.status = http.StatusOK
	}
	return render(c, v.status, views.BasketPage(props))
}

// maxAddChoices is the most offerings the basket's add form lists; beyond
// that (a large catalogue) the form asks for the offering's reference.
const maxAddChoices = 300

// addableOfferings are the active offerings under the basket's agreement, or
// under every agreement while the basket is empty; nil when there are more
// than maxAddChoices to list.
func (s *Server) addableOfferings(c echo.Context, b store.Basket) ([]store.Offering, error) {
	ctx := c.Request().Context()
	var ids []int64
	if b.Agreement != nil {
		ids = []int64{b.Agreement.ID}
	} else {
		agreements, err := s.db.Agreements(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range agreements {
			ids = append(ids, a.ID)
		}
	}
	// Count first (from the schedule index): on a large catalogue there
	// are too many to list, and none are read.
	total := 0
	for _, id := range ids {
		sch, err := s.db.AgreementSchedule(ctx, id, 0)
		if total += sch.Total; err != nil || total > maxAddChoices {
			return nil, err
		}
	}
	var out []store.Offering
	for _, id := range ids {
		os, _, err := s.db.AgreementOfferingsUpTo(ctx, id, maxAddChoices)
		if err != nil {
			return nil, err
		}
		out = append(out, os...)
	}
	return out, nil
}

func (s *Server) basketPage(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return s.renderBasket(c, id, basketView{})
}

// basketHistory is the basket's whole audit trail (the basket page shows
// the latest store.BasketTimelineLimit entries).
func (s *Server) basketHistory(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	b, events, err := s.db.BasketHistory(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	page := s.page(c, "History of "+b.Name, "baskets")
	return render(c, http.StatusOK, views.BasketHistoryPage(views.BasketHistoryProps{Page: page, Basket: b, Events: events}))
}

// basketFailure re-renders the basket page for a refused POST: 422 with the
// form's errors, 409 with a conflict banner; anything else goes to the
// error handler. v carries what was typed, so nothing is lost.
func (s *Server) basketFailure(c echo.Context, id int64, err error, v basketView) error {
	var mm *store.AgreementMismatchError
	switch {
	case errors.As(err, &mm):
		v.status, v.mismatch = http.StatusUnprocessableEntity, mm
		v.errs = []store.FieldError{{Field: "mismatch", Message: mm.Err.Message}}
	case store.ErrorCode(err) == store.EINVALID:
		v.status, v.errs = http.StatusUnprocessableEntity, store.ErrorFields(err)
		if len(v.errs) == 0 {
			v.errs = []store.FieldError{{Field: "lines", Message: store.ErrorMessage(err)}}
		}
	case store.ErrorCode(err) == store.ECONFLICT:
		v.status, v.conflict = http.StatusConflict, store.ErrorMessage(err)
	default:
		return err
	}
	return s.renderBasket(c, id, v)
}

func lineAddedMessage(r store.LineAdded) string {
	return strconv.FormatInt(r.Quantity, 10) + " × " + r.OfferingName + " added to " + r.BasketName
}

func lineForm(c echo.Context) store.LineForm {
	return store.LineForm{Offering: formValue(c, "offering"), Quantity: formValue(c, "quantity"), TermMonths: formValue(c, "term_months")}
}

func (s *Server) addLine(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	f := lineForm(c)
	res, err := s.db.AddLine(c.Request().Context(), currentUser(c), id, f)
	if err != nil {
		return s.basketFailure(c, id, err, basketView{add: f})
	}
	setFlash(c, lineAddedMessage(res))
	return c.Redirect(http.StatusSeeOther, "/baskets/"+strconv.FormatInt(id, 10))
}

func (s *Server) updateLine(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	line, err := idParam(c, "line")
	if err != nil {
		return err
	}
	ch := store.LineChange{Quantity: formValue(c, "quantity"), TermMonths: formValue(c, "term_months"), Version: formValue(c, "version")}
	if err := s.db.UpdateLine(c.Request().Context(), currentUser(c), id, line, ch); err != nil {
		return s.basketFailure(c, id, err, basketView{lineEdit: &views.LineEdit{LineID: line, Quantity: ch.Quantity, TermMonths: ch.TermMonths}})
	}
	setFlash(c, "Line updated")
	return c.Redirect(http.StatusSeeOther, "/baskets/"+strconv.FormatInt(id, 10))
}

func (s *Server) deleteLine(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	line, err := idParam(c, "line")
	if err != nil {
		return err
	}
	if err := s.db.DeleteLine(c.Request().Context(), currentUser(c), id, line, formValue(c, "version")); err != nil {
		return s.basketFailure(c, id, err, basketView{})
	}
	setFlash(c, "Line removed")
	return c.Redirect(http.StatusSeeOther, "/baskets/"+strconv.FormatInt(id, 10))
}

func (s *Server) requirementsPage(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	b, err := s.db.Basket(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	if !b.Status.Editable() {
		return c.Redirect(http.StatusSeeOther, "/baskets/"+strconv.FormatInt(id, 10))
	}
	f := store.RequirementsForm{Version: strconv.FormatInt(b.Version, 10)}
	if b.HasRequirements {
		f = store.FormFromRequirements(b.Requirements, b.Version)
	}
	return s.renderRequirements(c, http.StatusOK, b, f, nil, "")
}

func (s *Server) renderRequirements(c echo.Context, status int, b store.Basket, f store.RequirementsForm, errs []store.FieldError, conflict string) error {
	page := s.page(c, "What you need", "baskets")
	page.Errors = errs
	return render(c, status, views.RequirementsPage(views.RequirementsProps{Page: page, Basket: b, Form: f, Conflict: conflict,
		Example: s.dateExample()}))
}

// dateExample is a required-by date for the form's hint, two months from
// today, written as it is typed into the date input: "1 2 2027".
func (s *Server) dateExample() string {
	return store.TodayLondon(s.db.Now()).AddDate(0, 2, 0).Format("2 1 2006")
}

func (s *Server) saveRequirements(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	f := store.RequirementsForm{Need: formValue(c, "need"), Budget: formValue(c, "budget"), Sites: formValue(c, "sites"),
		RequiredBy: dateInput(c, "required_by"), WeightPrice: formValue(c, "weight_price"), WeightQuality: formValue(c, "weight_quality"),
		WeightSocial: formValue(c, "weight_social"), Version: formValue(c, "version")}
	ctx := c.Request().Context()
	u := currentUser(c)
	err = s.db.SetRequirements(ctx, u, id, f)
	if err == nil {
		setFlash(c, "What you need has been saved")
		return c.Redirect(http.StatusSeeOther, "/baskets/"+strconv.FormatInt(id, 10))
	}
	code := store.ErrorCode(err)
	if code != store.EINVALID && code != store.ECONFLICT {
		return err
	}
	b, berr := s.db.Basket(ctx, u, id)
	if berr != nil {
		return berr
	}
	if code == store.ECONFLICT {
		// Keep what they typed; the next save is checked against the
		// basket as it is now.
		f.Version = strconv.FormatInt(b.Version, 10)
		return s.renderRequirements(c, http.StatusConflict, b, f, nil, store.ErrorMessage(err))
	}
	return s.renderRequirements(c, http.StatusUnprocessableEntity, b, f, store.ErrorFields(err), "")
}

func (s *Server) submitBasket(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ref, created, err := s.db.Submit(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return s.basketFailure(c, id, err, basketView{})
	}
	if created {
		setFlash(c, submittedFlash(ref.Ref, ref.Version))
	} else {
		setFlash(c, "This basket was already submitted: this is its quote")
	}
	return c.Redirect(http.StatusSeeOther, ref.URL())
}

func (s *Server) withdrawBasket(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ref, err := s.db.Withdraw(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return s.basketFailure(c, id, err, basketView{})
	}
	setFlash(c, "Quote "+ref.Ref+" version "+strconv.Itoa(ref.Version)+" withdrawn. The basket is a draft again.")
	return c.Redirect(http.StatusSeeOther, "/baskets/"+strconv.FormatInt(id, 10))
}

// addFormProps fills the add-to-basket form for an offering: the buyer's
// baskets that can take it (editable, and empty or under its agreement),
// the editable ones that cannot (another agreement), and a name for a new
// basket. newOnly asks for a new basket alone (the "a new basket instead"
// link).
func (s *Server) addFormProps(c echo.Context, o store.Offering, v store.AddToBasketForm, newOnly bool) (views.AddFormProps, error) {
	list, err := s.db.Baskets(c.Request().Context(), currentUser(c))
	if err != nil {
		return views.AddFormProps{}, err
	}
	p := views.AddFormProps{CSRF: csrfToken(c), Offering: o, Values: v, DefaultName: store.DefaultBasketName(s.db.Now())}
	for _, b := range list {
		switch {
		case b.Takes(o.Agreement.ID):
			p.Baskets = append(p.Baskets, b)
		case b.Status.Editable():
			p.Unavailable = append(p.Unavailable, b)
		}
	}
	if p.Values.Quantity == "" {
		p.Values.Quantity = "1"
	}
	if newOnly || len(p.Baskets) == 0 {
		p.Values.Basket = "new"
	} else if len(p.Baskets) == 1 && p.Values.Basket == "" {
		p.Values.Basket = strconv.FormatInt(p.Baskets[0].ID, 10)
	}
	if p.Values.Basket == "new" && p.Values.NewBasket == "" && v.Offering == "" {
		p.Values.NewBasket = p.DefaultName
	}
	return p, nil
}

// addToBasketSlot is the offering page's add-to-basket form for buyers.
func (s *Server) addToBasketSlot(c echo.Context, o store.Offering) (views.AddFormProps, error) {
	v := store.AddToBasketForm{}
	if len(o.Terms) > 0 {
		v.TermMonths = strconv.Itoa(o.Terms[0])
	}
	return s.addFormProps(c, o, v, false)
}

// addToBasketPage is the add-to-basket form on its own page (linked from
// compare, from "a new basket instead", and shown again with errors).
func (s *Server) addToBasketPage(c echo.Context) error {
	o, err := s.db.Offering(c.Request().Context(), c.QueryParam("offering"))
	if err != nil {
		return err
	}
	v := store.AddToBasketForm{LineForm: store.LineForm{Quantity: c.QueryParam("quantity"), TermMonths: c.QueryParam("term_months")}}
	if v.TermMonths == "" && len(o.Terms) > 0 {
		v.TermMonths = strconv.Itoa(o.Terms[0])
	}
	form, err := s.addFormProps(c, o, v, c.QueryParam("basket") == "new")
	if err != nil {
		return err
	}
	return s.renderAddPage(c, http.StatusOK, form, nil, nil)
}

func (s *Server) renderAddPage(c echo.Context, status int, form views.AddFormProps, errs []store.FieldError, mm *store.AgreementMismatchError) error {
	o := form.Offering
	form.Errors, form.Mismatch = errs, mm
	title := "Add " + o.Name + " to a basket"
	if o.ID == 0 {
		title = "Add an offering to a basket"
	}
	page := s.page(c, title, "baskets")
	page.Errors = errs
	return render(c, status, views.AddToBasketPage(views.AddToBasketProps{Page: page, Form: form}))
}

func (s *Server) addToBasket(c echo.Context) error {
	ctx := c.Request().Context()
	f := store.AddToBasketForm{LineForm: lineForm(c), Basket: formValue(c, "basket"), NewBasket: formValue(c, "new_basket")}
	res, err := s.db.AddToBasket(ctx, currentUser(c), f)
	if err == nil {
		setFlash(c, lineAddedMessage(res))
		return c.Redirect(http.StatusSeeOther, "/baskets/"+strconv.FormatInt(res.BasketID, 10))
	}
	var mm *store.AgreementMismatchError
	code := store.ErrorCode(err)
	if code != store.EINVALID && code != store.ECONFLICT {
		return err
	}
	o, oerr := s.db.Offering(ctx, strings.TrimSpace(f.Offering))
	if store.ErrorCode(oerr) == store.ENOTFOUND {
		o = store.Offering{} // the form asks for the offering's reference
	} else if oerr != nil {
		return oerr
	}
	form, ferr := s.addFormProps(c, o, f, false)
	if ferr != nil {
		return ferr
	}
	switch {
	case errors.As(err, &mm):
		return s.renderAddPage(c, http.StatusUnprocessableEntity, form, []store.FieldError{{Field: "mismatch", Message: mm.Err.Message}}, mm)
	case code == store.ECONFLICT:
		// The chosen basket cannot take lines now (submitted or decided).
		return s.renderAddPage(c, http.StatusConflict, form, []store.FieldError{{Field: "basket", Message: store.ErrorMessage(err)}}, nil)
	}
	errs := store.ErrorFields(err)
	if o.ID == 0 {
		// The offering's box comes first on this form: so does its error.
		errs = slices.Clone(errs)
		slices.SortStableFunc(errs, func(a, b store.FieldError) int {
			return cmp.Compare(b2i(a.Field != "offering"), b2i(b.Field != "offering"))
		})
	}
	return s.renderAddPage(c, http.StatusUnprocessableEntity, form, errs, nil)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
