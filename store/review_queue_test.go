package store

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func queueRefs(q ReviewQueue) string {
	var out []string
	for _, it := range q.Items {
		out = append(out, it.Title)
	}
	return strings.Join(out, ", ")
}

func TestReviewQueue(t *testing.T) {
	f := openBasketDB(t)
	f.exactOffering(t, "exact-100k", 8_333_333) // £100,000.00 gross for a buyer with no history
	f.exactOffering(t, "exact-50k", 4_166_667)  // £50,000.40 gross
	f.exactOffering(t, "exact-30k", 2_500_000)  // £30,000.00 gross
	f.exactOffering(t, "exact-29k", 2_499_999)  // £29,999.99 gross (2,499,999 + 500,000 rounded from 499,999.8)
	start := *f.now                             // Monday 2 March 2026, 09:00
	submitAt := func(at time.Time, u *User, name, slug string) int64 {
		*f.now = at
		id, _ := f.submitted(t, u, name, slug, 1, 1)
		return id
	}
	big := submitAt(start, f.east, "Big", "exact-100k")
	mid := submitAt(start.Add(time.Hour), f.north, "Mid", "exact-50k")
	edge := submitAt(start.Add(2*time.Hour), f.east, "Edge", "exact-30k")
	small := submitAt(start.Add(3*time.Hour), f.north, "Small", "exact-29k")
	ccsBuyer := *f.north
	ccsBuyer.OrgID = f.reviewer.OrgID // a buyer inside CCS itself
	own := submitAt(start.Add(4*time.Hour), &ccsBuyer, "CCS's own", "exact-29k")
	// Decided or withdrawn baskets leave the queue.
	gone := submitAt(start.Add(5*time.Hour), f.north, "Decided", "exact-29k")
	if _, err := f.decide(f.reviewer2, gone, DecisionReject, "No", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.decide(f.reviewer, big, DecisionApprove, "", 1); err != nil {
		t.Fatal(err)
	}
	*f.now = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC) // Wednesday: Monday's submissions are due today

	get := func(q ReviewQuery) ReviewQueue {
		t.Helper()
		rq, err := f.db.ReviewQueue(f.ctx, f.reviewer, q)
		if err != nil {
			t.Fatal(err)
		}
		return rq
	}
	t.Run("oldest first by default, with counts", func(t *testing.T) {
		q := get(ReviewQuery{})
		if got := queueRefs(q); got != "Big, Mid, Edge, Small, CCS's own" {
			t.Fatalf("got %s", got)
		}
		c := q.Counts
		if c.All != 5 || c.New != 4 || c.Second != 1 || c.Overdue != 0 || c.CannotDecide != 2 {
			t.Fatalf("got counts %+v, want 5 in all, 4 new, 1 awaiting a second approval, none overdue, 2 not for this reviewer", c)
		}
		it := q.Items[0]
		if it.Kind != ReviewKindBasket || it.ID != big || it.Ref == "" || it.Version != 1 || it.OrgName != "Eastbridge Borough Council" ||
			it.AgreementSlug != DemoAgreementMoU || it.GrossPence != 10_000_000 || it.Needed != 2 || it.Approvals != 1 || it.StillNeeded() != 1 ||
			!it.ApprovedByMe || !strings.Contains(it.CannotDecide, "approved it") || it.Path() != ReviewPath(big) {
			t.Fatalf("got %+v", it)
		}
		if got := it.Due.Text(f.db.Now()); got != "Due today" {
			t.Fatalf("due: got %q, want Due today", got)
		}
		if q.Items[4].ID != own || !strings.Contains(q.Items[4].CannotDecide, "own organisation") || q.Items[1].CannotDecide != "" {
			t.Fatalf("got %+v / %+v, want CCS's own flagged and Mid decidable", q.Items[4], q.Items[1])
		}
	})
	t.Run("by value, highest first", func(t *testing.T) {
		if got := queueRefs(get(ReviewQuery{Sort: ReviewSortValue})); got != "Big, Mid, Edge, Small, CCS's own" {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("bands on gross, at the edges", func(t *testing.T) {
		for band, want := range map[string]string{BandUnder30k: "Small, CCS's own", Band30kTo100k: "Mid, Edge", Band100kPlus: "Big"} {
			if got := queueRefs(get(ReviewQuery{Band: band})); got != want {
				t.Errorf("%s: got %s, want %s", band, got, want)
			}
		}
	})
	t.Run("awaiting a second approval", func(t *testing.T) {
		q := get(ReviewQuery{Awaiting: AwaitingSecond})
		if got := queueRefs(q); got != "Big" || q.Total != 1 || q.Counts.All != 5 {
			t.Fatalf("got %s (total %d, all %d), want Big alone, with the other counts kept", got, q.Total, q.Counts.All)
		}
	})
	t.Run("by agreement and kind", func(t *testing.T) {
		if q := get(ReviewQuery{Agreement: DemoAgreementFFC}); q.Total != 0 {
			t.Fatalf("another agreement: got %d items", q.Total)
		}
		if q := get(ReviewQuery{Agreement: DemoAgreementMoU, Kind: ReviewKindBasket}); q.Total != 5 {
			t.Fatalf("the MoU's baskets: got %d items, want 5", q.Total)
		}
		if q := get(ReviewQuery{Kind: ReviewKindTrial}); q.Total != 0 || len(q.Items) != 0 {
			t.Fatalf("trials (none yet): got %d", q.Total)
		}
		if _, err := f.db.ReviewQueue(f.ctx, f.reviewer, ReviewQuery{Agreement: "no-such-agreement"}); ErrorCode(err) != EINVALID {
			t.Fatalf("an unknown agreement: got %v, want EINVALID", err)
		}
	})
	t.Run("pages", func(t *testing.T) {
		p2 := get(ReviewQuery{Page: 2, PerPage: 2})
		if got := queueRefs(p2); got != "Edge, Small" || p2.Pages != 3 || p2.Total != 5 {
			t.Fatalf("page 2 of 2 a page: got %s, %d pages", got, p2.Pages)
		}
	})
	t.Run("overdue the day after the due date; expired ones leave", func(t *testing.T) {
		*f.now = time.Date(2026, 3, 5, 0, 30, 0, 0, time.UTC) // Thursday: Monday's are overdue
		q := get(ReviewQuery{})
		if q.Counts.Overdue != 5 || !q.Items[0].Due.Overdue {
			t.Fatalf("got %d overdue, want all 5", q.Counts.Overdue)
		}
		*f.now = time.Date(2026, 4, 2, 0, 30, 0, 0, time.UTC) // 1:30 BST on 2 April: valid until 1 April, not swept
		if q := get(ReviewQuery{}); q.Counts.All != 0 {
			t.Fatalf("past their validity: got %d items, want none", q.Counts.All)
		}
	})
	_, _, _ = mid, edge, small
	if _, err := f.db.ReviewQueue(f.ctx, f.north, ReviewQuery{}); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("a buyer: got %v, want EFORBIDDEN", err)
	}
}

func TestParseReviewQuery(t *testing.T) {
	q, errs := ParseReviewQuery(url.Values{"kind": {"trial"}, "band": {"100k-plus"}, "awaiting": {"second"}, "sort": {"value"}, "page": {"3"}, "agreement": {"ccs-mou-vmo2b"}})
	if len(errs) != 0 || q.Kind != "trial" || q.Band != Band100kPlus || q.Awaiting != AwaitingSecond || q.Sort != ReviewSortValue || q.Page != 3 {
		t.Fatalf("got %+v %v", q, errs)
	}
	if got := q.URL(); got != "/review?agreement=ccs-mou-vmo2b&awaiting=second&band=100k-plus&kind=trial&page=3&sort=value" {
		t.Fatalf("URL: got %s", got)
	}
	_, errs = ParseReviewQuery(url.Values{"kind": {"offering"}, "band": {"1m"}, "awaiting": {"first"}, "sort": {"name"}, "page": {"-1"}, "agreement": {"x\x00"}})
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	if got := strings.Join(fields, ","); got != "kind,agreement,band,awaiting,sort,page" {
		t.Fatalf("got errors on %s", got)
	}
}

func TestReviewerHomeCountsThisWeeksDecisions(t *testing.T) {
	f := openBasketDB(t)
	*f.now = time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC) // Friday
	a, _ := f.submitted(t, f.east, "A", "business-unlimited-5g-sim", 10, 24)
	b, _ := f.submitted(t, f.north, "B", "business-unlimited-5g-sim", 10, 24)
	if _, err := f.decide(f.reviewer, a, DecisionApprove, "", 1); err != nil {
		t.Fatal(err)
	}
	*f.now = time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC) // the Monday after
	if _, err := f.decide(f.reviewer, b, DecisionChanges, "Fewer", 1); err != nil {
		t.Fatal(err)
	}
	h, err := f.db.ReviewerHome(f.ctx, f.reviewer, 5)
	if err != nil {
		t.Fatal(err)
	}
	if h.DecidedThisWeek != 1 {
		t.Fatalf("got %d decisions this week, want Monday's one", h.DecidedThisWeek)
	}
	if h2, _ := f.db.ReviewerHome(f.ctx, f.reviewer2, 5); h2.DecidedThisWeek != 0 {
		t.Fatalf("the other reviewer: got %d, want 0", h2.DecidedThisWeek)
	}
}

func TestSeedSubmittedBaskets(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	UseTestPasswordParams()
	if _, err := db.LoadDemo(ctx, "portal-demo-pass"); err != nil {
		t.Fatal(err)
	}
	if n, err := db.SeedSubmittedBaskets(ctx, 120, 1); err != nil || n != 120 {
		t.Fatalf("seeded %d: %v", n, err)
	}
	reviewer, err := db.UserByEmail(ctx, Operator(), "reviewer2@ccs.example")
	if err != nil {
		t.Fatal(err)
	}
	q, err := db.ReviewQueue(ctx, &reviewer, ReviewQuery{})
	if err != nil || q.Counts.All != 120 || q.Counts.Overdue == 0 {
		t.Fatalf("got %+v (%v), want the 120 seeded baskets awaiting a decision, some overdue", q.Counts, err)
	}
}
