package store

// The trial workflow (PRODUCT.md §6): a small state machine that the store
// runs inside the write transaction, with the permission check, through the
// one trial door (trial_door.go).
//
//	submitted → approved | declined | withdrawn
//	approved  → active (on its start date, by the portal)
//	active    → completed (by the buyer, with the outcome)
//	submitted → declined (by the portal, when undecided on its start date)

import "strings"

// TrialStatus is the state of a trial.
type TrialStatus string

// Trial states.
const (
	TrialSubmitted TrialStatus = "submitted"
	TrialApproved  TrialStatus = "approved"
	TrialDeclined  TrialStatus = "declined"
	TrialActive    TrialStatus = "active"
	TrialCompleted TrialStatus = "completed"
	TrialWithdrawn TrialStatus = "withdrawn"
)

// Trial actions; approving and withdrawing are ActionApprove and
// ActionWithdraw, as for baskets.
const (
	ActionApply       Action = "apply"        // a buyer applies for a trial
	ActionDecline     Action = "decline"      // a reviewer or the supplier declines it, or the portal on its start date
	ActionStart       Action = "start"        // the portal starts an approved trial on its start date
	ActionComplete    Action = "complete"     // a buyer records the outcome
	ActionStartBasket Action = "start_basket" // a buyer starts a basket from a completed trial
)

// Label is the state as people read it.
func (s TrialStatus) Label() string {
	switch s {
	case TrialSubmitted:
		return "Awaiting a decision"
	case TrialApproved:
		return "Approved"
	case TrialDeclined:
		return "Declined"
	case TrialActive:
		return "Active"
	case TrialCompleted:
		return "Completed"
	case TrialWithdrawn:
		return "Withdrawn"
	}
	return string(s)
}

// Next returns the state after action a, or an ECONFLICT error that says
// why the action is not possible now.
func (s TrialStatus) Next(a Action) (TrialStatus, error) {
	switch {
	case s == TrialSubmitted && a == ActionApprove:
		return TrialApproved, nil
	case s == TrialSubmitted && (a == ActionDecline || a == ActionWithdraw):
		if a == ActionDecline {
			return TrialDeclined, nil
		}
		return TrialWithdrawn, nil
	case s == TrialApproved && a == ActionStart:
		return TrialActive, nil
	case s == TrialActive && a == ActionComplete:
		return TrialCompleted, nil
	case s == TrialCompleted && a == ActionStartBasket:
		return TrialCompleted, nil
	}
	return s, Errorf(ECONFLICT, "%s", trialRefusal(s, a))
}

// trialRefusal explains why action a is not possible in state s.
func trialRefusal(s TrialStatus, a Action) string {
	switch a {
	case ActionApprove, ActionDecline:
		return "This trial application is not waiting for a decision: it is " + strings.ToLower(s.Label()) + "."
	case ActionWithdraw:
		return "Only an application still waiting for a decision can be withdrawn; this trial is " + strings.ToLower(s.Label()) + "."
	case ActionComplete:
		if s == TrialApproved {
			return "This trial has not started yet, so there is no outcome to record."
		}
		return "Only an active trial’s outcome can be recorded; this trial is " + strings.ToLower(s.Label()) + "."
	case ActionStartBasket:
		return "A basket can be started from a trial once its outcome is recorded; this trial is " + strings.ToLower(s.Label()) + "."
	}
	return "You cannot do that to a trial that is " + strings.ToLower(s.Label()) + "."
}

// mayAttemptTrial checks that user u's role can take action a on some
// trial: buyers apply for, withdraw and complete their organisation's
// trials; CCS reviewers and the offering's supplier decide.
func mayAttemptTrial(u *User, a Action) error {
	if u == nil {
		return Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	switch a {
	case ActionApply, ActionWithdraw, ActionComplete, ActionStartBasket:
		if !u.Is(RoleBuyer) {
			return Errorf(EFORBIDDEN, "Only buyers from the organisation can apply for and manage its trials.")
		}
		return nil
	case ActionApprove, ActionDecline:
		if !u.Is(RoleReviewer) && !u.Is(RoleSupplier) {
			return Errorf(EFORBIDDEN, "Only CCS reviewers and the offering’s supplier can decide on trial applications.")
		}
		return nil
	}
	return Errorf(EFORBIDDEN, "You cannot do that.")
}
