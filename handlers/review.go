package handlers

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/store"
	"portal/views"
)

// reviewRoutes registers the reviewers' pages (PRODUCT.md §8: /review…)
// and every signed-in person's messages.
func (s *Server) reviewRoutes(e *echo.Echo) {
	g := e.Group("/review", s.requireRole(store.RoleReviewer))
	g.GET("", s.reviewQueue)
	g.GET("/baskets/:id", s.basketReview)
	g.POST("/baskets/:id/decision", s.decideOnBasket)
	g.GET("/audit", s.auditSearch)
	g.GET("/audit.csv", s.auditCSV)
	e.GET("/messages", s.messages, s.requireRole())
}

func (s *Server) reviewQueue(c echo.Context) error {
	ctx := c.Request().Context()
	q, errs := store.ParseReviewQuery(c.QueryParams())
	rq, err := s.db.ReviewQueue(ctx, currentUser(c), q)
	if store.ErrorCode(err) == store.EINVALID { // an agreement that does not exist
		errs = append(errs, store.ErrorFields(err)...)
		q.Agreement = ""
		rq, err = s.db.ReviewQueue(ctx, currentUser(c), q)
	}
	if err != nil {
		return err
	}
	page := s.page(c, "Review queue", "review")
	page.Errors = errs
	return render(c, searchStatus(errs), views.ReviewQueuePage(views.ReviewQueueProps{Page: page, Queue: rq}))
}

func (s *Server) basketReview(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return s.renderBasketReview(c, id, http.StatusOK, views.BasketReviewProps{})
}

// renderBasketReview shows the review page as it is now, with props' form
// as typed, its errors and any conflict.
func (s *Server) renderBasketReview(c echo.Context, id int64, status int, props views.BasketReviewProps) error {
	r, err := s.db.BasketReview(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	errs := props.Page.Errors
	props.Review = r
	props.Page = s.page(c, views.BasketReviewTitle(r), "review")
	props.Page.Errors = errs
	return render(c, status, views.BasketReviewPage(props))
}

// decideOnBasket records a reviewer's decision: 303 to the queue with a
// confirmation; 422 with the error summary for a missing choice or
// comment; 409 with the page as it is now when the decision is refused.
func (s *Server) decideOnBasket(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	f := store.DecisionForm{Decision: formValue(c, "decision"), Comment: formValue(c, "comment"), QuoteVersion: formValue(c, "quote_version")}
	res, err := s.db.Decide(c.Request().Context(), currentUser(c), id, f)
	switch store.ErrorCode(err) {
	case store.EINVALID:
		props := views.BasketReviewProps{Form: f}
		props.Page.Errors = store.ErrorFields(err)
		return s.renderBasketReview(c, id, http.StatusUnprocessableEntity, props)
	case store.ECONFLICT:
		return s.renderBasketReview(c, id, http.StatusConflict, views.BasketReviewProps{Form: f, Conflict: store.ErrorMessage(err)})
	}
	if err != nil {
		return err
	}
	setFlash(c, res.Message())
	return c.Redirect(http.StatusSeeOther, "/review")
}

func (s *Server) auditSearch(c echo.Context) error {
	q, errs := store.ParseAuditQuery(c.QueryParams())
	res, err := s.db.SearchAudit(c.Request().Context(), currentUser(c), q)
	if err != nil {
		return err
	}
	page := s.page(c, "Audit trail", "review")
	page.Errors = errs
	return render(c, searchStatus(errs), views.AuditPage(views.AuditProps{Page: page, Result: res}))
}

// searchStatus is a search page's status: 400 when some of its filters were
// refused (the page still shows what the rest find), else 200.
func searchStatus(errs []store.FieldError) int {
	if len(errs) > 0 {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// auditCSV streams the search's events, every page, newest first.
func (s *Server) auditCSV(c echo.Context) error {
	q, errs := store.ParseAuditQuery(c.QueryParams())
	if len(errs) > 0 {
		return echo.NewHTTPError(http.StatusBadRequest, errs[0].Message)
	}
	header := []string{"at", "actor", "actor_role", "actor_organisation", "organisation", "subject", "subject_id", "reference",
		"quote_version", "action", "from", "to", "comment", "details"}
	return s.streamCSV(c, "audit.csv", header, func(w *csv.Writer) error {
		return s.db.EachAuditEvent(c.Request().Context(), currentUser(c), q, func(e store.AuditEvent) error {
			details := "{}"
			if len(e.Details) > 0 {
				b, err := json.Marshal(e.Details)
				if err != nil {
					return err
				}
				details = string(b)
			}
			version := ""
			if e.QuoteVersion > 0 {
				version = strconv.Itoa(e.QuoteVersion)
			}
			return w.Write([]string{e.At.UTC().Format(time.RFC3339), csvSafe(e.Actor.Name), e.Actor.Role, csvSafe(e.Actor.OrgName), csvSafe(e.OrgName),
				e.Subject.Kind, strconv.FormatInt(e.Subject.ID, 10), e.Ref, version, string(e.Action), e.From, e.To, csvSafe(e.Comment), csvSafe(details)})
		})
	})
}

func (s *Server) messages(c echo.Context) error {
	page := 1
	if p := c.QueryParam("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return echo.ErrNotFound
		}
		page = n
	}
	mp, err := s.db.Messages(c.Request().Context(), currentUser(c), page)
	if err != nil {
		return err
	}
	// The header's unread count is read after the page marked its messages.
	return render(c, http.StatusOK, views.MessagesPage(views.MessagesProps{Page: s.page(c, "Messages", "messages"), Messages: mp, PublicURL: s.cfg.PublicURL}))
}
