package store

// Open Contracting Data Standard 1.1 releases of approved quotes
// (PRODUCT.md §7): one release per award, built from the quote as issued.

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OCDSLicence is the licence open data is published under.
const OCDSLicence = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

// OCDSOptions are the publisher's settings a release needs.
type OCDSOptions struct {
	OCIDPrefix string // -ocid-prefix, such as ocds-demo01
	PublicURL  string // -public-url, without a trailing slash
	// CPV maps a category's name, as quotes record it, to its CPV code.
	CPV map[string]string
}

// OCID is the award's Open Contracting ID: the prefix, a hyphen, the
// quote reference.
func (o OCDSOptions) OCID(ref string) string { return o.OCIDPrefix + "-" + ref }

// ocdsAmount is money in pounds as an exact JSON number: "1234.56".
type ocdsAmount int64

// MarshalJSON writes pence as pounds with two decimals, exactly.
func (p ocdsAmount) MarshalJSON() ([]byte, error) { return []byte(FormatPounds(int64(p))), nil }

// OCDSValue is an amount of money.
type OCDSValue struct {
	Amount   ocdsAmount `json:"amount"`
	Currency string     `json:"currency"`
}

func gbp(pence int64) *OCDSValue { return &OCDSValue{Amount: ocdsAmount(pence), Currency: "GBP"} }

// OCDSIdentifier is an organisation's identifier in an org-id scheme.
type OCDSIdentifier struct {
	Scheme    string `json:"scheme"`
	ID        string `json:"id"`
	LegalName string `json:"legalName,omitempty"`
}

// OCDSOrgRef names a party.
type OCDSOrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// OCDSParty is an organisation taking part in the contracting process.
type OCDSParty struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Identifier *OCDSIdentifier `json:"identifier,omitempty"`
	Roles      []string        `json:"roles"`
}

// OCDSClassification is a CPV code.
type OCDSClassification struct {
	Scheme      string `json:"scheme"`
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
}

// OCDSUnit is an item's unit and its price.
type OCDSUnit struct {
	Name  string     `json:"name"`
	Value *OCDSValue `json:"value,omitempty"`
}

// OCDSItem is one line of the award.
type OCDSItem struct {
	ID             string              `json:"id"`
	Description    string              `json:"description"`
	Classification *OCDSClassification `json:"classification,omitempty"`
	Quantity       int64               `json:"quantity"`
	Unit           OCDSUnit            `json:"unit"`
}

// OCDSPeriod is a span of dates.
type OCDSPeriod struct {
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate"`
}

// OCDSTender is how the contract was let: a call-off under an agreement.
type OCDSTender struct {
	ID                       string     `json:"id"`
	Title                    string     `json:"title"`
	Status                   string     `json:"status"`
	ProcurementMethod        string     `json:"procurementMethod"`
	ProcurementMethodDetails string     `json:"procurementMethodDetails"`
	MainProcurementCategory  string     `json:"mainProcurementCategory"`
	AwardCriteria            string     `json:"awardCriteria"`
	AwardCriteriaDetails     string     `json:"awardCriteriaDetails"`
	Value                    *OCDSValue `json:"value,omitempty"`
}

// OCDSAward is the award of the contract to the supplier.
type OCDSAward struct {
	ID        string       `json:"id"`
	Title     string       `json:"title"`
	Status    string       `json:"status"`
	Date      string       `json:"date"`
	Value     *OCDSValue   `json:"value"`
	Suppliers []OCDSOrgRef `json:"suppliers"`
	Items     []OCDSItem   `json:"items"`
}

// OCDSContract is the call-off contract.
type OCDSContract struct {
	ID      string     `json:"id"`
	AwardID string     `json:"awardID"`
	Title   string     `json:"title"`
	Status  string     `json:"status"`
	Value   *OCDSValue `json:"value"`
	Period  OCDSPeriod `json:"period"`
}

// OCDSRelatedProcess links the award to the agreement it was called off
// from.
type OCDSRelatedProcess struct {
	ID           string   `json:"id"`
	Relationship []string `json:"relationship"`
	Title        string   `json:"title"`
	Identifier   string   `json:"identifier"`
	URI          string   `json:"uri"`
}

// OCDSRelease is one approved quote as an OCDS release.
type OCDSRelease struct {
	OCID             string               `json:"ocid"`
	ID               string               `json:"id"`
	Date             string               `json:"date"`
	Tag              []string             `json:"tag"`
	InitiationType   string               `json:"initiationType"`
	Language         string               `json:"language"`
	Parties          []OCDSParty          `json:"parties"`
	Buyer            OCDSOrgRef           `json:"buyer"`
	Tender           OCDSTender           `json:"tender"`
	Awards           []OCDSAward          `json:"awards"`
	Contracts        []OCDSContract       `json:"contracts"`
	RelatedProcesses []OCDSRelatedProcess `json:"relatedProcesses"`
}

// OCDSPackageHead is a release package without its releases, which are
// streamed after it (see its Open and Close).
type OCDSPackageHead struct {
	URI           string `json:"uri"`
	Version       string `json:"version"`
	PublishedDate string `json:"publishedDate"`
	Publisher     struct {
		Name string `json:"name"`
		URI  string `json:"uri"`
	} `json:"publisher"`
	License           string `json:"license"`
	PublicationPolicy string `json:"publicationPolicy"`
}

// NewOCDSPackageHead is the head of the package published at uri whose
// latest approval was at latest.
func NewOCDSPackageHead(o OCDSOptions, uri string, latest time.Time) OCDSPackageHead {
	h := OCDSPackageHead{URI: uri, Version: "1.1", PublishedDate: latest.UTC().Format(time.RFC3339),
		License: OCDSLicence, PublicationPolicy: o.PublicURL + "/transparency/about"}
	h.Publisher.Name = "Crown Commercial Service buyer portal"
	h.Publisher.URI = o.PublicURL + "/transparency"
	return h
}

// Open is the package's JSON up to the opening of its releases array.
func (h OCDSPackageHead) Open() ([]byte, error) {
	b, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	return append(b[:len(b)-1], `,"releases":[`...), nil
}

// Close ends what Open began.
func (OCDSPackageHead) Close() []byte { return []byte("]}\n") }

// partyOf names an organisation by its org-id identifier: the scheme is
// its first two parts (GB-LAC), the id the rest.
func partyOf(p AwardParty, fallbackID, role string) OCDSParty {
	party := OCDSParty{ID: p.Identifier, Name: p.Name, Roles: []string{role}}
	if p.Identifier == "" {
		party.ID = fallbackID
		return party
	}
	parts := strings.SplitN(p.Identifier, "-", 3)
	if len(parts) == 3 {
		party.Identifier = &OCDSIdentifier{Scheme: parts[0] + "-" + parts[1], ID: parts[2], LegalName: p.Name}
	}
	return party
}

// TenderTitle is the tender's title, generated from the agreement and the
// categories bought, never from the basket's name, which buyers write for
// themselves.
func TenderTitle(agreementTitle string, lines []QuoteLine) string {
	var cats []string
	for _, l := range lines {
		if l.Category != "" && !contains(cats, l.Category) {
			cats = append(cats, l.Category)
		}
	}
	sort.Strings(cats)
	title := "Call-off under the " + agreementTitle
	if len(cats) > 0 {
		title += ": " + strings.Join(cats, ", ")
	}
	return title
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// NewOCDSRelease builds the release of an award that carries its snapshot.
func NewOCDSRelease(a Award, o OCDSOptions) OCDSRelease {
	s := a.Snapshot
	if s == nil {
		s = &QuoteSnapshot{}
	}
	approved := a.ApprovedAt.UTC().Format(time.RFC3339)
	key := a.Ref + "-v" + strconv.Itoa(a.Version)
	buyer := partyOf(a.Buyer, "buyer-"+strconv.FormatInt(a.BuyerID, 10), "buyer")
	supplier := partyOf(a.Supplier, "supplier-"+a.Agreement.Slug, "supplier")
	title := TenderTitle(a.Agreement.Title, s.Lines)
	r := OCDSRelease{
		OCID: o.OCID(a.Ref), ID: key + "-award", Date: approved, Tag: []string{"award", "contract"},
		InitiationType: "tender", Language: "en",
		Parties: []OCDSParty{buyer, supplier},
		Buyer:   OCDSOrgRef{ID: buyer.ID, Name: buyer.Name},
		Tender: OCDSTender{ID: a.Ref, Title: title, Status: "complete", ProcurementMethod: "limited",
			ProcurementMethodDetails: "Call-off from " + a.Agreement.Title + " (" + a.Agreement.CCSRef + ") at its published prices and discounts",
			MainProcurementCategory:  "services", AwardCriteria: "ratedCriteria",
			AwardCriteriaDetails: "Price " + strconv.FormatInt(s.Requirements.WeightPrice, 10) + "%, quality " +
				strconv.FormatInt(s.Requirements.WeightQuality, 10) + "%, social value " + strconv.FormatInt(s.Requirements.WeightSocial, 10) + "%",
			Value: gbp(a.Totals.GrossPence)},
		RelatedProcesses: []OCDSRelatedProcess{{ID: "agreement-" + a.Agreement.Slug, Relationship: []string{"framework"},
			Title: a.Agreement.Title, Identifier: a.Agreement.CCSRef, URI: o.PublicURL + "/agreements/" + a.Agreement.Slug}},
	}
	award := OCDSAward{ID: key, Title: title, Status: "active", Date: approved, Value: gbp(a.Totals.GrossPence),
		Suppliers: []OCDSOrgRef{{ID: supplier.ID, Name: supplier.Name}}, Items: []OCDSItem{}}
	longest := int64(0)
	for i, l := range s.Lines {
		it := OCDSItem{ID: strconv.Itoa(i + 1), Description: l.OfferingName + " (" + FormatMonths(int(l.TermMonths)) + ")", Quantity: l.Quantity,
			Unit: OCDSUnit{Name: l.Unit}}
		if cpv := o.CPV[l.Category]; cpv != "" {
			it.Classification = &OCDSClassification{Scheme: "CPV", ID: cpv, Description: l.Category}
		}
		award.Items = append(award.Items, it)
		longest = max(longest, l.TermMonths)
	}
	r.Awards = []OCDSAward{award}
	start := a.ApprovedAt.In(London)
	end := start.AddDate(0, int(longest), 0)
	r.Contracts = []OCDSContract{{ID: key + "-contract", AwardID: key, Title: title, Status: "active", Value: gbp(a.Totals.GrossPence),
		Period: OCDSPeriod{StartDate: start.Format(time.RFC3339), EndDate: end.Format(time.RFC3339)}}}
	return r
}
