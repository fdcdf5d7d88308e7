package store

// How quotes are evaluated (issue 11 point 6): the rules the portal applies
// to every agreement, published on each agreement page beside the
// agreement's own words (Agreement.Evaluation), from the same constants the
// rules are enforced with.

import "strconv"

// MinSocialValueWeight is the least weight, in whole percent, a basket may
// give social value (PRODUCT.md §4; the government's 10% minimum for
// social value in the evaluation of public contracts).
const MinSocialValueWeight = 10

// EvaluationRules are the portal's evaluation rules, as published on every
// agreement page.
func EvaluationRules() []string {
	return []string{
		"Every basket states its own evaluation weights for price, quality and social value: whole percentages adding up to 100%, with social value at least " +
			strconv.Itoa(MinSocialValueWeight) + "%. The weights are fixed into the quote when it is issued, and published with the award (OCDS awardCriteriaDetails).",
		"Price is the whole-term price of the basket worked out from the supplier's published price list: list price, less the agreement's supply-chain (MoU) discount, less the organisation's in-life discount, plus VAT. Every step is shown on the quote.",
		"Quality is judged against the buyer's stated need from each offering's published service details (such as speeds, data allowance, service levels and support hours); social value from the agreement's and the offering's published commitments.",
		"CCS reviewers check every quote before approving it: the budget, price changes since the quote was issued, the in-life tier, and the publication duties the value triggers. A quote of " +
			FormatPence(TwoApproverGrossPence) + " or more including VAT needs two different reviewers' approval, and nobody reviews their own organisation's quote. Every decision is recorded with its reason.",
	}
}
