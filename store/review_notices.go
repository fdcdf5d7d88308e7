package store

// The messages about baskets and their quotes (issue 8 point 6): who is
// told what, for each action. Each function runs inside the transaction of
// the change it reports and writes through notify.
//
//	action                 the buyer's organisation          reviewers
//	submit                 submitted, due date               to review (all who may decide)
//	withdraw               withdrawn                         those who had approved it
//	approve (1 of 2)       first approval                    second approval needed (others)
//	approve (last)         approved                          those who had approved it
//	request changes        changes requested, the comment    those who had approved it
//	reject                 rejected, the comment             those who had approved it
//	expire                 expired without a decision        —
//	7 days before expiry   expires soon (sweeper)            expires soon (sweeper)
//	service level missed   —                                 overdue, once per version (sweeper)

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Message kinds about baskets.
const (
	MsgQuoteSubmitted       = "quote_submitted"
	MsgReviewRequested      = "review_requested"
	MsgQuoteWithdrawn       = "quote_withdrawn"
	MsgFirstApproval        = "quote_first_approval"
	MsgSecondApprovalNeeded = "second_approval_needed"
	MsgQuoteApproved        = "quote_approved"
	MsgChangesRequested     = "quote_changes_requested"
	MsgQuoteRejected        = "quote_rejected"
	MsgQuoteExpired         = "quote_expired"
	MsgQuoteExpiring        = "quote_expiring"
	MsgReviewOverdue        = "review_overdue"
	// MsgAccountGuessed tells an account holder that someone is guessing
	// at their password (signin.go).
	MsgAccountGuessed = "account_guessed"
)

// quoteFacts is what messages about a quote version say.
type quoteFacts struct {
	versionID, basketID, orgID int64
	basket, org, agreement     string
	ref                        string
	version, needed            int
	gross                      int64
	issued                     time.Time
	validUntil                 string
}

func (f quoteFacts) quote() string { return f.ref + " version " + strconv.Itoa(f.version) }

func (f quoteFacts) subject() Subject { return Subject{SubjectBasket, f.basketID} }

func (f quoteFacts) buyerPath() string { return "/baskets/" + strconv.FormatInt(f.basketID, 10) }

// ReviewPath is the reviewer's page of a basket.
func ReviewPath(basketID int64) string { return "/review/baskets/" + strconv.FormatInt(basketID, 10) }

func (f quoteFacts) reviewPath() string { return ReviewPath(f.basketID) }

func loadQuoteFacts(ctx context.Context, q querier, versionID int64) (quoteFacts, error) {
	f := quoteFacts{versionID: versionID}
	var issued string
	err := q.QueryRowContext(ctx, `SELECT b.id, b.org_id, b.name, o.name, a.title, q.ref, v.version, v.approvals_needed, v.gross_total_pence, v.issued_at, v.valid_until
		FROM quote_versions v JOIN quotes q ON q.id = v.quote_id JOIN baskets b ON b.id = q.basket_id
		JOIN organisations o ON o.id = b.org_id JOIN agreements a ON a.id = q.agreement_id WHERE v.id = ?`, versionID).
		Scan(&f.basketID, &f.orgID, &f.basket, &f.org, &f.agreement, &f.ref, &f.version, &f.needed, &f.gross, &issued, &f.validUntil)
	f.issued = parseTimestamp(issued)
	return f, err
}

// paragraphs joins the non-empty parts of a message body.
func paragraphs(ps ...string) string {
	var out []string
	for _, p := range ps {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

func quoted(comment string) string {
	if comment == "" {
		return ""
	}
	return "Their comment:\n" + comment
}

func twoApprovals(needed int) string {
	if needed < 2 {
		return ""
	}
	return "It needs approvals from two different CCS reviewers, because it is worth £100,000 or more including VAT."
}

// notifyAll writes each notice.
func notifyAll(ctx context.Context, tx *sql.Tx, ns ...Notice) error {
	for _, n := range ns {
		if _, err := notify(ctx, tx, n); err != nil {
			return err
		}
	}
	return nil
}

// notifySubmitted tells the buyer's organisation and the reviewers who may
// decide that a quote version awaits a decision, due by due.
func notifySubmitted(ctx context.Context, tx *sql.Tx, actor *User, versionID int64, due time.Time, now time.Time) error {
	f, err := loadQuoteFacts(ctx, tx, versionID)
	if err != nil {
		return err
	}
	changed := ""
	if f.version > 1 {
		changed = fmt.Sprintf("This is version %d: the review page shows what changed since version %d.", f.version, f.version-1)
	}
	return notifyAll(ctx, tx,
		Notice{At: now, To: OrgBuyers(f.orgID), Kind: MsgQuoteSubmitted, Subject: f.subject(), Path: f.buyerPath(),
			Title: "Submitted for approval: " + f.basket,
			Body: paragraphs(actor.Name+" submitted “"+f.basket+"” for approval as quote "+f.quote()+", worth "+FormatPence(f.gross)+" including VAT.",
				"CCS aims to decide by "+FormatDate(due)+".", twoApprovals(f.needed))},
		Notice{At: now, To: Reviewers(f.orgID), Kind: MsgReviewRequested, Subject: f.subject(), Path: f.reviewPath(),
			Title: "To review: " + f.org + ", " + f.basket + " (" + FormatPence(f.gross) + ")",
			Body: paragraphs(f.org+" submitted quote "+f.quote()+" for approval: "+FormatPence(f.gross)+" including VAT under the "+f.agreement+".",
				"A decision is due by "+FormatDate(due)+".", twoApprovals(f.needed), changed)},
	)
}

// notifyWithdrawn tells the buyer's organisation, and any reviewer who had
// approved the version, that it was withdrawn.
func notifyWithdrawn(ctx context.Context, tx *sql.Tx, actor *User, versionID int64, now time.Time) error {
	f, err := loadQuoteFacts(ctx, tx, versionID)
	if err != nil {
		return err
	}
	earlier, err := approvers(ctx, tx, versionID)
	if err != nil {
		return err
	}
	return notifyAll(ctx, tx,
		Notice{At: now, To: OrgBuyers(f.orgID), Kind: MsgQuoteWithdrawn, Subject: f.subject(), Path: f.buyerPath(),
			Title: "Withdrawn from approval: " + f.basket,
			Body:  actor.Name + " withdrew quote " + f.quote() + " from approval. The basket is a draft again."},
		Notice{At: now, To: Users(earlier...), Kind: MsgQuoteWithdrawn, Subject: f.subject(), Path: f.reviewPath(),
			Title: "Withdrawn: " + f.org + ", " + f.basket,
			Body:  f.org + " withdrew quote " + f.quote() + ", which you had approved, from approval. Your approval no longer counts."},
	)
}

// notifyDecision tells the buyer's organisation and the reviewers concerned
// about a decision (see the table at the top of this file).
func notifyDecision(ctx context.Context, tx *sql.Tx, r DecisionResult) error {
	op := r.op
	f, err := loadQuoteFacts(ctx, tx, op.awaiting.id)
	if err != nil {
		return err
	}
	actor := op.user.Name
	buyers := Notice{At: op.now, To: OrgBuyers(f.orgID), Subject: f.subject(), Path: f.buyerPath()}
	others := Notice{At: op.now, To: Users(r.earlier...).Except(op.user.ID), Subject: f.subject(), Path: f.reviewPath()}
	switch {
	case r.Action == ActionApprove && r.Status != QuoteApproved:
		buyers.Kind, buyers.Title = MsgFirstApproval, "First of two approvals: "+f.basket
		buyers.Body = paragraphs(actor+" approved quote "+f.quote()+". It needs a second approval from a different CCS reviewer before it is approved.", quoted(r.comment))
		others.Kind, others.Title = MsgSecondApprovalNeeded, "Second approval needed: "+f.org+", "+f.basket+" ("+FormatPence(f.gross)+")"
		others.To = Reviewers(f.orgID).Except(op.user.ID)
		others.Body = paragraphs(actor+" approved quote "+f.quote()+", worth "+FormatPence(f.gross)+" including VAT. It needs a second approval from a different reviewer.", quoted(r.comment))
	case r.Action == ActionApprove:
		buyers.Kind, buyers.Title = MsgQuoteApproved, "Approved: "+f.basket
		buyers.Body = paragraphs("Quote "+f.quote()+" is approved. It counts towards your organisation’s in-life discount under the "+f.agreement+" from now on.", quoted(r.comment))
		others.Kind, others.Title = MsgQuoteApproved, "Approved: "+f.org+", "+f.basket
		others.Body = actor + " gave the second approval of quote " + f.quote() + ", which you approved first: it is approved."
	case r.Action == ActionRequestChanges:
		buyers.Kind, buyers.Title = MsgChangesRequested, "Changes requested: "+f.basket
		buyers.Body = paragraphs(actor+" asked for changes to quote "+f.quote()+".", quoted(r.comment), "Change the basket and submit it again.")
		others.Kind, others.Title = MsgChangesRequested, "Changes requested: "+f.org+", "+f.basket
		others.Body = paragraphs(actor+" asked for changes to quote "+f.quote()+", which you had approved: your approval no longer counts.", quoted(r.comment))
	default:
		buyers.Kind, buyers.Title = MsgQuoteRejected, "Rejected: "+f.basket
		buyers.Body = paragraphs(actor+" rejected quote "+f.quote()+".", quoted(r.comment), "The basket is closed. Start a new basket for anything else you need.")
		others.Kind, others.Title = MsgQuoteRejected, "Rejected: "+f.org+", "+f.basket
		others.Body = paragraphs(actor+" rejected quote "+f.quote()+", which you had approved: your approval no longer counts.", quoted(r.comment))
	}
	return notifyAll(ctx, tx, buyers, others)
}

// notifyExpired tells the buyer's organisation that a quote version expired
// without a decision (once per version).
func notifyExpired(ctx context.Context, tx *sql.Tx, versionID int64, now time.Time) error {
	f, err := loadQuoteFacts(ctx, tx, versionID)
	if err != nil {
		return err
	}
	_, err = notify(ctx, tx, Notice{At: now, To: OrgBuyers(f.orgID), Kind: MsgQuoteExpired, Subject: f.subject(), Path: f.buyerPath(),
		Key:   "quote-expired:" + strconv.FormatInt(versionID, 10),
		Title: "Expired without a decision: " + f.basket,
		Body: "Quote " + f.quote() + " was valid until " + FormatDate(ukDate(f.validUntil)) + " and expired without a decision. " +
			"The basket is a draft again: submit it for a new quote at current prices."})
	return err
}

// ukDate parses a YYYY-MM-DD UK date (the zero time if it is not one).
func ukDate(s string) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, s, London)
	return t
}
