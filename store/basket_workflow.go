package store

// The basket workflow (PRODUCT.md §4, §5): a small state machine that the
// store runs inside the write transaction, together with the permission
// check, so that no caller can skip a rule.

// BasketStatus is the state of a basket.
type BasketStatus string

// Basket states.
const (
	BasketDraft            BasketStatus = "draft"
	BasketSubmitted        BasketStatus = "submitted"
	BasketApproved         BasketStatus = "approved"
	BasketChangesRequested BasketStatus = "changes_requested"
	BasketRejected         BasketStatus = "rejected"
)

// Action is something that can happen to a basket.
type Action string

// Basket actions.
const (
	ActionCreate          Action = "create"           // a buyer creates the basket
	ActionEdit            Action = "edit"             // a buyer changes lines or requirements (any of the four below)
	ActionAddLine         Action = "add_line"         // a buyer adds an offering (or more of one)
	ActionUpdateLine      Action = "update_line"      // a buyer changes a line's quantity or term
	ActionDeleteLine      Action = "delete_line"      // a buyer removes a line
	ActionSetRequirements Action = "set_requirements" // a buyer saves what they need
	ActionSubmit          Action = "submit"           // a buyer issues a quote version
	ActionWithdraw        Action = "withdraw"         // a buyer withdraws a submitted basket
	ActionApprove         Action = "approve"          // reviewers approve the quote (the final approval)
	ActionRequestChanges  Action = "request_changes"  // a reviewer asks for changes
	ActionReject          Action = "reject"           // a reviewer rejects
	ActionExpire          Action = "expire"           // the quote passed its valid-until date undecided
)

// workflow is the state machine's view of an action: every kind of edit is
// ActionEdit.
func (a Action) workflow() Action {
	switch a {
	case ActionAddLine, ActionUpdateLine, ActionDeleteLine, ActionSetRequirements:
		return ActionEdit
	}
	return a
}

// isDecision reports whether a is a reviewer's decision on a basket.
func (a Action) isDecision() bool {
	return a == ActionApprove || a == ActionRequestChanges || a == ActionReject
}

// needsQuote reports whether a concerns the quote version awaiting a
// decision (the door loads it).
func (a Action) needsQuote() bool {
	return a == ActionSubmit || a == ActionWithdraw || a.isDecision()
}

// Label is the status as people read it ("Changes requested").
func (s BasketStatus) Label() string {
	switch s {
	case BasketDraft:
		return "Draft"
	case BasketSubmitted:
		return "Submitted"
	case BasketApproved:
		return "Approved"
	case BasketChangesRequested:
		return "Changes requested"
	case BasketRejected:
		return "Rejected"
	}
	return string(s)
}

// Editable reports whether a buyer may change the basket's lines and
// requirements: drafts, and baskets with changes requested (whose first
// edit makes them a draft again).
func (s BasketStatus) Editable() bool {
	return s == BasketDraft || s == BasketChangesRequested
}

// Next returns the state after action a, or an ECONFLICT error whose message
// says why the action is not possible now.
func (s BasketStatus) Next(a Action) (BasketStatus, error) {
	switch a.workflow() {
	case ActionEdit:
		if s.Editable() {
			return BasketDraft, nil
		}
	case ActionSubmit:
		if s.Editable() {
			return BasketSubmitted, nil
		}
	case ActionWithdraw, ActionExpire:
		if s == BasketSubmitted {
			return BasketDraft, nil
		}
	case ActionApprove:
		if s == BasketSubmitted {
			return BasketApproved, nil
		}
	case ActionRequestChanges:
		if s == BasketSubmitted {
			return BasketChangesRequested, nil
		}
	case ActionReject:
		if s == BasketSubmitted {
			return BasketRejected, nil
		}
	}
	return s, Errorf(ECONFLICT, "%s", refusal(s, a))
}

// refusal explains why action a is not possible in state s.
func refusal(s BasketStatus, a Action) string {
	switch s {
	case BasketSubmitted:
		switch a.workflow() {
		case ActionEdit:
			return "This basket has been submitted for approval, so it cannot be changed. Withdraw it first if you need to change it."
		case ActionSubmit:
			return "This basket has already been submitted and is waiting for a decision."
		}
	case BasketApproved:
		return "This basket has been approved, so it cannot be changed. Start a new basket for anything else you need."
	case BasketRejected:
		return "This basket has been rejected, so it cannot be changed. Start a new basket instead."
	case BasketDraft, BasketChangesRequested:
		switch a {
		case ActionWithdraw:
			return "This basket has not been submitted, so there is nothing to withdraw."
		case ActionApprove, ActionRequestChanges, ActionReject:
			return "This basket is not waiting for a decision."
		}
	}
	return "You cannot do that to a basket that is " + s.Label() + "."
}

// mayAttempt checks that user u's role can take action a on some basket:
// buyers act on their organisation's baskets, reviewers decide. It needs no
// basket, so the door calls it before loading anything.
func mayAttempt(u *User, a Action) error {
	if u == nil {
		return Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	switch a.workflow() {
	case ActionCreate, ActionEdit, ActionSubmit, ActionWithdraw:
		if !u.Is(RoleBuyer) {
			return Errorf(EFORBIDDEN, "Only buyers from the organisation can change its baskets.")
		}
		return nil
	case ActionApprove, ActionRequestChanges, ActionReject:
		if !u.Is(RoleReviewer) {
			return Errorf(EFORBIDDEN, "Only CCS reviewers can decide on baskets.")
		}
		return nil
	case ActionExpire:
		return Errorf(EFORBIDDEN, "Quotes expire by themselves.")
	}
	return Errorf(EFORBIDDEN, "You cannot do that.")
}

// authorize checks that user u may take action a on a basket of organisation
// orgID. Another organisation's basket is ENOTFOUND for buyers, so that its
// existence is not revealed; reviewers never decide on their own
// organisation's baskets.
func authorize(u *User, orgID int64, a Action) error {
	if err := mayAttempt(u, a); err != nil {
		return err
	}
	switch {
	case a.isDecision() && u.OrgID == orgID:
		return Errorf(EFORBIDDEN, "You cannot decide on a basket from your own organisation.")
	case !a.isDecision() && u.OrgID != orgID:
		return Errorf(ENOTFOUND, "There is no such basket.")
	}
	return nil
}

// QuoteStatus is the state of one quote version.
type QuoteStatus string

// Quote version states (PRODUCT.md §4).
const (
	QuoteSubmitted        QuoteStatus = "submitted"
	QuoteApproved         QuoteStatus = "approved"
	QuoteChangesRequested QuoteStatus = "changes_requested"
	QuoteRejected         QuoteStatus = "rejected"
	QuoteWithdrawn        QuoteStatus = "withdrawn"
	QuoteSuperseded       QuoteStatus = "superseded"
	QuoteExpired          QuoteStatus = "expired"
)

// Label is the status as people read it.
func (s QuoteStatus) Label() string {
	switch s {
	case QuoteSubmitted:
		return "Awaiting approval"
	case QuoteApproved:
		return "Approved"
	case QuoteChangesRequested:
		return "Changes requested"
	case QuoteRejected:
		return "Rejected"
	case QuoteWithdrawn:
		return "Withdrawn"
	case QuoteSuperseded:
		return "Superseded"
	case QuoteExpired:
		return "Expired"
	}
	return string(s)
}
