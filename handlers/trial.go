package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/store"
	"portal/views"
)

// trialRoutes registers the trial pages (PRODUCT.md §8): the buyer's under
// /trials; the decision page, which reviewers and the offering's supplier
// share (outside the reviewer-only /review group); the supplier's list.
func (s *Server) trialRoutes(e *echo.Echo) {
	g := e.Group("/trials", s.requireRole(store.RoleBuyer))
	g.GET("", s.trialsPage)
	g.POST("", s.applyForTrial)
	g.GET("/new", s.newTrialPage)
	g.GET("/:id", s.trialPage)
	g.POST("/:id/withdraw", s.withdrawTrial)
	g.GET("/:id/complete", s.completeTrialPage)
	g.POST("/:id/complete", s.completeTrial)
	g.POST("/:id/basket", s.basketFromTrial)
	deciders := s.requireRole(store.RoleReviewer, store.RoleSupplier)
	e.GET("/review/trials/:id", s.trialReview, deciders)
	e.POST("/review/trials/:id/decision", s.decideOnTrial, deciders)
	e.GET("/supplier/trials", s.supplierTrials, s.requireRole(store.RoleSupplier))
}

func (s *Server) trialsPage(c echo.Context) error {
	list, err := s.db.Trials(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.TrialsPage(views.TrialsProps{Page: s.page(c, "Your trials", "trials"), Groups: views.GroupTrials(list)}))
}

func (s *Server) newTrialPage(c echo.Context) error {
	return s.renderApply(c, http.StatusOK, store.TrialForm{Offering: c.QueryParam("offering")}, nil)
}

// renderApply shows the application form for f's offering as typed, with
// its errors; without an offering (or an unknown one) it says how to choose
// one. A GET for an unknown offering is 404.
func (s *Server) renderApply(c echo.Context, status int, f store.TrialForm, errs []store.FieldError) error {
	props := views.TrialApplyProps{Form: f}
	if f.Offering != "" {
		info, err := s.db.TrialApplyInfo(c.Request().Context(), currentUser(c), f.Offering)
		switch {
		case store.ErrorCode(err) == store.ENOTFOUND && status == http.StatusOK:
			return err
		case err == nil:
			props.Info = &info
		case store.ErrorCode(err) != store.ENOTFOUND:
			return err
		}
	}
	props.Page = s.page(c, views.TrialApplyTitle, "trials")
	if props.Info == nil && len(errs) > 0 {
		// Without an offering there is no form to point the other
		// fields' errors at: the offering comes first.
		errs = []store.FieldError{{Field: "offering", Message: firstNonEmpty(store.FieldMessage(errs, "offering"), "Choose an offering from the catalogue")}}
	}
	props.Page.Errors = errs
	return render(c, status, views.TrialApplyPage(props))
}

func (s *Server) applyForTrial(c echo.Context) error {
	f := store.TrialForm{Offering: formValue(c, "offering"), Kind: formValue(c, "kind"), Sites: formValue(c, "sites"),
		StartDate: dateInput(c, "start_date"), Duration: formValue(c, "duration_days"), Objectives: formValue(c, "objectives"),
		Criteria: formValue(c, "success_criteria"), Basket: formValue(c, "basket")}
	ctx := c.Request().Context()
	id, err := s.db.ApplyForTrial(ctx, currentUser(c), f)
	if store.ErrorCode(err) == store.EINVALID {
		return s.renderApply(c, http.StatusUnprocessableEntity, f, store.ErrorFields(err))
	} else if err != nil {
		return err
	}
	t, err := s.db.Trial(ctx, currentUser(c), id)
	if err != nil {
		return err
	}
	setFlash(c, "Application sent for a free "+t.Name())
	return c.Redirect(http.StatusSeeOther, t.Path())
}

func (s *Server) trialPage(c echo.Context) error {
	return s.renderTrial(c, http.StatusOK, "")
}

// renderTrial shows the buyer's trial page as it is now, with a conflict
// banner when an action was refused.
func (s *Server) renderTrial(c echo.Context, status int, conflict string) error {
	t, err := s.trialParam(c)
	if err != nil {
		return err
	}
	return render(c, status, views.TrialPage(views.TrialProps{Page: s.page(c, t.Title(), "trials"), Trial: t, Conflict: conflict}))
}

// trialParam is the trial the path's id names, as the signed-in person may
// see it.
func (s *Server) trialParam(c echo.Context) (store.Trial, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return store.Trial{}, err
	}
	return s.db.Trial(c.Request().Context(), currentUser(c), id)
}

// trialDone finishes a buyer's POST on a trial: a conflict re-renders the
// trial page with its reason (409); success goes to target with a flash.
func (s *Server) trialDone(c echo.Context, err error, flash, target string) error {
	if store.ErrorCode(err) == store.ECONFLICT {
		return s.renderTrial(c, http.StatusConflict, store.ErrorMessage(err))
	} else if err != nil {
		return err
	}
	setFlash(c, flash)
	return c.Redirect(http.StatusSeeOther, target)
}

func (s *Server) withdrawTrial(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	err = s.db.WithdrawTrial(c.Request().Context(), currentUser(c), id)
	return s.trialDone(c, err, "Application withdrawn", store.TrialPath(id))
}

func (s *Server) completeTrialPage(c echo.Context) error {
	return s.renderComplete(c, http.StatusOK, store.OutcomeForm{}, nil)
}

// renderComplete shows the outcome form as typed; a trial that is not
// active has no outcome to record, and goes back to its page.
func (s *Server) renderComplete(c echo.Context, status int, f store.OutcomeForm, errs []store.FieldError) error {
	t, err := s.trialParam(c)
	if err != nil {
		return err
	}
	if t.Status != store.TrialActive {
		return c.Redirect(http.StatusSeeOther, t.Path())
	}
	page := s.page(c, views.TrialCompleteTitle, "trials")
	page.Errors = errs
	return render(c, status, views.TrialCompletePage(views.TrialCompleteProps{Page: page, Trial: t, Form: f}))
}

func (s *Server) completeTrial(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	f := store.OutcomeForm{Met: map[int]string{}, Notes: formValue(c, "notes")}
	for n := 1; n <= store.MaxCriteria; n++ {
		if v, ok := formValues(c)[store.MetField(n)]; ok && len(v) > 0 {
			f.Met[n] = v[0]
		}
	}
	err = s.db.CompleteTrial(c.Request().Context(), currentUser(c), id, f)
	if store.ErrorCode(err) == store.EINVALID {
		return s.renderComplete(c, http.StatusUnprocessableEntity, f, store.ErrorFields(err))
	}
	return s.trialDone(c, err, "Outcome recorded", store.TrialPath(id))
}

func (s *Server) basketFromTrial(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	res, err := s.db.StartBasketFromTrial(c.Request().Context(), currentUser(c), id)
	flash := "Basket “" + res.BasketName + "” started from the trial: check its lines and say what you need"
	if !res.Created {
		flash = "This is the basket you started from the trial: “" + res.BasketName + "”"
	}
	return s.trialDone(c, err, flash, "/baskets/"+strconv.FormatInt(res.BasketID, 10))
}

func (s *Server) trialReview(c echo.Context) error {
	return s.renderTrialReview(c, http.StatusOK, views.TrialReviewProps{})
}

// renderTrialReview shows the decision page as it is now, with props' form
// as typed, its errors and any conflict.
func (s *Server) renderTrialReview(c echo.Context, status int, props views.TrialReviewProps) error {
	t, err := s.trialParam(c)
	if err != nil {
		return err
	}
	errs := props.Page.Errors
	props.Trial = t
	props.Page = s.page(c, views.TrialReviewTitle(t), reviewSection(currentUser(c)))
	props.Page.Errors = errs
	return render(c, status, views.TrialReviewPage(props))
}

// reviewSection is the header item of the decision page: Review for
// reviewers, Supplier for the supplier's users.
func reviewSection(u *store.User) string {
	if u.Is(store.RoleSupplier) {
		return "supplier"
	}
	return "review"
}

// decideOnTrial records a decision: 303 to the decider's list with a
// confirmation; 422 with the error summary; 409 when the application no
// longer waits for a decision.
func (s *Server) decideOnTrial(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u := currentUser(c)
	f := store.TrialDecisionForm{Decision: formValue(c, "decision"), Comment: formValue(c, "comment")}
	msg, err := s.db.DecideTrial(c.Request().Context(), u, id, f)
	switch store.ErrorCode(err) {
	case store.EINVALID:
		props := views.TrialReviewProps{Form: f}
		props.Page.Errors = store.ErrorFields(err)
		return s.renderTrialReview(c, http.StatusUnprocessableEntity, props)
	case store.ECONFLICT:
		return s.renderTrialReview(c, http.StatusConflict, views.TrialReviewProps{Form: f, Conflict: store.ErrorMessage(err)})
	}
	if err != nil {
		return err
	}
	setFlash(c, msg)
	if u.Is(store.RoleSupplier) {
		return c.Redirect(http.StatusSeeOther, "/supplier/trials")
	}
	return c.Redirect(http.StatusSeeOther, "/review")
}

func (s *Server) supplierTrials(c echo.Context) error {
	list, err := s.db.SupplierTrials(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.SupplierTrialsPage(views.SupplierTrialsProps{Page: s.page(c, "Trial applications", "supplier"), Trials: list}))
}
