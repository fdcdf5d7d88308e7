package store

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSearchAudit(t *testing.T) {
	f := openBasketDB(t)
	*f.now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	east, eastRef := f.submitted(t, f.east, "East's", "business-unlimited-5g-sim", 10, 24)
	*f.now = time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	north, _ := f.submitted(t, f.north, "North's", "business-unlimited-5g-sim", 10, 24)
	if _, err := f.decide(f.reviewer2, north, DecisionChanges, "100% of the sites_ please", 1); err != nil {
		t.Fatal(err)
	}
	// Account administration is not searchable by reviewers.
	if _, err := f.db.SetUserActive(f.ctx, Operator(), f.north2.ID, false); err != nil {
		t.Fatal(err)
	}
	search := func(v url.Values) AuditPage {
		t.Helper()
		q, errs := ParseAuditQuery(v)
		if errs != nil {
			t.Fatalf("%v: %v", v, errs)
		}
		p, err := f.db.SearchAudit(f.ctx, f.reviewer, q)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	all := search(url.Values{})
	for _, e := range all.Events {
		if e.Subject.Kind != SubjectBasket {
			t.Fatalf("got a %s event, want procurement records only", e.Subject.Kind)
		}
	}
	if all.Events[0].Action != ActionRequestChanges || all.Events[0].Actor.OrgName != "Crown Commercial Service" || all.Events[0].OrgName != "Northshire County Council" {
		t.Fatalf("newest first with names: got %+v", all.Events[0])
	}
	byOrg := search(url.Values{"organisation": {strconv.FormatInt(f.eastOrg, 10)}})
	for _, e := range byOrg.Events {
		if e.OrgID != f.eastOrg {
			t.Fatalf("organisation filter let through %+v", e)
		}
	}
	if byOrg.Total == 0 || byOrg.Total >= all.Total {
		t.Fatalf("organisation filter: %d of %d", byOrg.Total, all.Total)
	}
	if p := search(url.Values{"person": {"reviewer2"}}); p.Total != 1 || p.Events[0].Comment != "100% of the sites_ please" {
		t.Fatalf("person: got %d events", p.Total)
	}
	if p := search(url.Values{"person": {"%"}}); p.Total != 0 {
		t.Fatalf("a %% in the name matches literally: got %d events, want 0", p.Total)
	}
	ref := search(url.Values{"reference": {strings.ToLower(eastRef.Ref)}})
	for _, e := range ref.Events {
		if e.Subject.ID != east || e.Ref != eastRef.Ref {
			t.Fatalf("reference filter let through %+v", e)
		}
	}
	if ref.Total == 0 {
		t.Fatal("reference filter found nothing")
	}
	if p := search(url.Values{"from": {"2026-03-03"}}); p.Total == 0 || p.Events[len(p.Events)-1].At.Before(time.Date(2026, 3, 3, 0, 0, 0, 0, London)) {
		t.Fatalf("from: got %d events", p.Total)
	}
	if p := search(url.Values{"to": {"2026-03-02"}}); p.Total == 0 || p.Events[0].At.After(time.Date(2026, 3, 3, 0, 0, 0, 0, London)) {
		t.Fatalf("to (inclusive): got %d events", p.Total)
	}
	var streamed int
	q, _ := ParseAuditQuery(url.Values{})
	if err := f.db.EachAuditEvent(f.ctx, f.reviewer, q, func(AuditEvent) error { streamed++; return nil }); err != nil || streamed != all.Total {
		t.Fatalf("streamed %d (%v), want %d", streamed, err, all.Total)
	}
	if _, err := f.db.SearchAudit(f.ctx, f.north, q); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("a buyer: got %v, want EFORBIDDEN", err)
	}
}

func TestParseAuditQueryRefusals(t *testing.T) {
	_, errs := ParseAuditQuery(url.Values{"organisation": {"abc"}, "person": {"a\x00b"}, "reference": {"Q-26-1"},
		"from": {"2026-02-30"}, "to": {"yesterday"}})
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	if got := strings.Join(fields, ","); got != "organisation,person,reference,from,to" {
		t.Fatalf("got errors on %s", got)
	}
	_, errs = ParseAuditQuery(url.Values{"from": {"2026-03-05"}, "to": {"2026-03-01"}})
	if len(errs) != 1 || errs[0].Field != "to" {
		t.Fatalf("to before from: got %v", errs)
	}
}
