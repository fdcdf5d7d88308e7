package views

import (
	"net/url"
	"strconv"
	"strings"

	"portal/store"
)

// TrialStatusTag is the tag class for a trial's state; an active trial past
// its end date is flagged until its outcome is recorded.
func TrialStatusTag(t store.TrialSummary) (class, text string) {
	switch t.Status {
	case store.TrialSubmitted:
		return "tag tag--yellow", t.Status.Label()
	case store.TrialApproved:
		return "tag tag--blue", t.Status.Label()
	case store.TrialActive:
		if t.Ended() {
			return "tag tag--red", "Ended: record the outcome"
		}
		return "tag tag--green", t.Status.Label()
	case store.TrialCompleted:
		return "tag tag--green", t.Status.Label()
	case store.TrialDeclined:
		return "tag tag--red", t.Status.Label()
	}
	return "tag tag--grey", t.Status.Label()
}

// TrialWhen says where a trial is in time: "Starts in 6 days", "12 days
// left", "Ended on 7 April 2026".
func TrialWhen(t store.TrialSummary) string {
	switch t.Status {
	case store.TrialSubmitted:
		return "Applied for on " + store.FormatDate(t.AppliedOn)
	case store.TrialApproved:
		switch n := t.DaysToStart(); n {
		case 0:
			return "Starts today"
		case 1:
			return "Starts tomorrow"
		default:
			return "Starts in " + strconv.Itoa(n) + " days"
		}
	case store.TrialActive:
		switch n := t.DaysLeft(); {
		case t.Ended():
			return "Ended on " + store.FormatDate(t.EndDate)
		case n == 1:
			return "Last day today"
		default:
			return strconv.Itoa(n) + " days left, today included"
		}
	case store.TrialCompleted:
		return strconv.Itoa(t.CriteriaMet) + " of " + plural(t.CriteriaCount, "success criterion", "success criteria") + " met"
	}
	return ""
}

// TrialDates is a trial's span: "9 March 2026 to 7 April 2026 (30 days)".
func TrialDates(t store.TrialSummary) string {
	return store.FormatDate(t.StartDate) + " to " + store.FormatDate(t.EndDate) + " (" + plural(t.DurationDays, "day", "days") + ")"
}

// TrialGroup is trials in one state, under a heading.
type TrialGroup struct {
	ID     string
	Title  string
	Trials []store.TrialSummary
}

// GroupTrials puts a buyer's trials under headings in the order they need
// the buyer: ended ones waiting for their outcome first. Empty groups are
// left out.
func GroupTrials(list []store.TrialSummary) []TrialGroup {
	groups := []TrialGroup{
		{ID: "ended", Title: "Ended: record the outcome"},
		{ID: "active", Title: "Active"},
		{ID: "approved", Title: "Approved, starting soon"},
		{ID: "submitted", Title: "Waiting for a decision"},
		{ID: "completed", Title: "Completed"},
		{ID: "closed", Title: "Declined or withdrawn"},
	}
	for _, t := range list {
		id := string(t.Status)
		switch {
		case t.Ended():
			id = "ended"
		case t.Status == store.TrialDeclined || t.Status == store.TrialWithdrawn:
			id = "closed"
		}
		for i := range groups {
			if groups[i].ID == id {
				groups[i].Trials = append(groups[i].Trials, t)
			}
		}
	}
	out := groups[:0]
	for _, g := range groups {
		if len(g.Trials) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// kindHint is the ranges of one kind of trial under terms: "1 to 20 sites,
// 14 to 90 days".
func kindHint(terms store.TrialTerms, kind string) string {
	s0, s1 := terms.Sites(kind)
	d0, d1 := terms.Days(kind)
	return strconv.Itoa(s0) + " to " + strconv.Itoa(s1) + " sites, " + strconv.Itoa(d0) + " to " + strconv.Itoa(d1) + " days"
}

// rangesHint is the ranges of the offering's kinds for the sites or the
// days field: "Proof of value: 1 to 20. SD-WAN: 1 to 5."
func rangesHint(o store.Offering, terms store.TrialTerms, days bool) string {
	var parts []string
	for _, k := range o.Kinds() {
		lo, hi := terms.Sites(k.Value)
		if days {
			lo, hi = terms.Days(k.Value)
		}
		parts = append(parts, k.Label+": "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+".")
	}
	return strings.Join(parts, " ")
}

// ApplyHref is the application form of an offering.
func ApplyHref(slug string) string { return "/trials/new?offering=" + url.QueryEscape(slug) }

// SignInToApplyHref signs a visitor in and brings them back to the
// application form of an offering.
func SignInToApplyHref(slug string) string { return "/login?next=" + url.QueryEscape(ApplyHref(slug)) }

// TrialCriterionTag is the tag of a criterion's outcome.
func TrialCriterionTag(c store.TrialCriterion) (class, text string) {
	switch {
	case c.Met == nil:
		return "", ""
	case *c.Met:
		return "tag tag--green", "Met"
	}
	return "tag tag--red", "Not met"
}
