package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Synthetic offerings for load tests and benchmarks.
//
// Word frequencies in the searchable text (name, summary, description) of
// synthetic offerings, so benchmarks can pick terms by selectivity:
//
//   - SeedCommonTerm ("council") is in the summary of about 75% of synthetic
//     offerings (each independently with probability 0.75) and in no other
//     generated text. The demo catalogue also mentions councils a few times.
//   - SeedRareTerm ("quantum") is a model name in the name and description of
//     about 1.5% of synthetic offerings (probability 0.015 each) and appears
//     nowhere else, including the demo catalogue.
//   - Category words follow the category mix, which is uniform over the
//     existing categories: with the demo's seven, "SIM" is in roughly 3/7 of
//     names, "Ethernet" or "Fibre" in about 1/7 each, "SD-WAN" in about 1/7.
//
// Search uses prefix terms, so "council" also matches "councils"; the
// generated text has no other word beginning with either term.
const (
	// SeedCommonTerm is a word found in about 75% of synthetic offerings.
	SeedCommonTerm = "council"
	// SeedRareTerm is a distinctive word found in about 1.5% of synthetic offerings.
	SeedRareTerm = "quantum"
)

// seedBatch is the number of synthetic offerings inserted per transaction.
const seedBatch = 5000

// SeedOfferings adds n synthetic offerings spread uniformly over the existing
// agreements and categories, with realistic generated names, prices,
// attributes, terms and trial flags. The same seed on the same catalogue
// gives the same offerings. Slugs never clash with existing ones. It inserts
// in transactions of a few thousand and returns how many it added.
func (db *DB) SeedOfferings(ctx context.Context, n int, seed uint64) (int, error) {
	if n < 0 {
		return 0, Errorf(EINVALID, "Cannot seed %d offerings: the number must be zero or more", n)
	}
	if n == 0 {
		return 0, nil
	}
	agreements, err := db.Agreements(ctx)
	if err != nil {
		return 0, err
	}
	if len(agreements) == 0 {
		return 0, Errorf(EINVALID, "Cannot seed offerings: the catalogue has no agreements (load the demo catalogue first)")
	}
	cats, err := db.Categories(ctx)
	if err != nil {
		return 0, err
	}
	if len(cats) == 0 {
		return 0, Errorf(EINVALID, "Cannot seed offerings: the catalogue has no categories (load the demo catalogue first)")
	}

	// Slugs get a numeric suffix counting up from the largest offering id;
	// any that still clash with an existing slug are skipped.
	var next int64
	if err := db.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM offerings").Scan(&next); err != nil {
		return 0, err
	}
	taken := map[string]bool{}
	rows, err := db.r.QueryContext(ctx, "SELECT slug FROM offerings")
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return 0, err
		}
		taken[s] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}

	// Every offering insert opens a statement journal (its triggers write to
	// several tables); keeping it in memory rather than a temporary file
	// makes seeding about a quarter faster. The writer connection's setting
	// is restored afterwards.
	var tempStore int
	if err := db.w.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&tempStore); err != nil {
		return 0, err
	}
	if _, err := db.w.ExecContext(ctx, "PRAGMA temp_store = MEMORY"); err != nil {
		return 0, err
	}
	defer db.w.ExecContext(context.WithoutCancel(ctx), "PRAGMA temp_store = "+strconv.Itoa(tempStore))

	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	done := 0
	batch := make([]NewOffering, 0, min(n, seedBatch))
	for done < n {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		batch = batch[:0]
		for range min(seedBatch, n-done) {
			o := seedOffering(r, cats[r.IntN(len(cats))].Slug)
			o.AgreementSlug = agreements[r.IntN(len(agreements))].Slug
			base := seedSlug(o.Name)
			for {
				o.Slug = base + "-" + strconv.FormatInt(next, 10)
				next++
				if !taken[o.Slug] {
					break
				}
			}
			batch = append(batch, o)
		}
		err := db.write(ctx, func(tx *sql.Tx) error {
			ins, err := prepareOfferingInsert(ctx, tx)
			if err != nil {
				return err
			}
			defer ins.Close()
			for _, o := range batch {
				if err := ins.insert(ctx, o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("seed offerings: %w", err)
		}
		done += len(batch)
	}
	return done, nil
}

// seedSlug turns a name into a kebab-case slug.
func seedSlug(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

func seedPick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// seedSize is a speed or allowance with its effect on price.
type seedSize struct {
	label   string
	monthly int64 // pence
}

var (
	seedVariants = []string{"", "", "", "", " Plus", " Flex", " Pro", " Lite", " Premium", " Select", " Max", " Advance"}

	seedMobileAllowances = []seedSize{{"2GB", 600}, {"5GB", 750}, {"10GB", 950}, {"20GB", 1200}, {"30GB", 1500},
		{"50GB", 1800}, {"100GB", 2100}, {"Unlimited", 2500}}
	seedIoTAllowances = []seedSize{{"1MB", 250}, {"5MB", 300}, {"10MB", 320}, {"50MB", 450}, {"100MB", 550},
		{"500MB", 750}, {"1GB", 950}}
	seedBroadbandSpeeds = []seedSize{{"40", 2800}, {"80", 3200}, {"150", 3800}, {"300", 4500}, {"500", 5500},
		{"900", 7500}, {"1000", 8500}}
	seedEthernetSpeeds = []seedSize{{"100Mbps", 24000}, {"200Mbps", 28000}, {"500Mbps", 33000}, {"1Gbps", 39500},
		{"2Gbps", 52000}, {"5Gbps", 85000}, {"10Gbps", 120000}}
	seedSiteSizes = []seedSize{{"Small", 8000}, {"Medium", 14000}, {"Large", 25000}, {"Hub", 42000}}

	seedSocialValue = []string{
		"Learning and development: digital skills training places for public-sector staff",
		"Apprenticeships: network engineering apprenticeships in the regions served",
		"Digital inclusion: donated SIMs and data for digitally excluded residents",
		"Carbon: network powered by renewable electricity",
		"Circular economy: refurbished equipment and free take-back of old devices",
		"Local economy: installation work subcontracted to local SMEs where possible",
	}
	seedSupportHours = []string{"24/7", "Monday to Friday 8am to 6pm", "Monday to Saturday 8am to 8pm"}
	seedSLAs         = []string{"99.5% availability", "99.9% availability", "99.95% availability", "99.99% availability"}
	seedFixTimes     = []string{"4 hours", "5 hours", "7 hours", "Next working day"}
	seedCoverage     = []string{"UK national", "UK multi-network", "UK and EU", "180 countries", "UK, deep indoor"}
	seedRoaming      = []string{"Not included", "EU included", "EU up to 25GB included", "75 destinations included", "£2.50 a day"}
	seedTechSentence = []string{
		"Installation is arranged by a named project manager and most services go live within 30 working days.",
		"Usage, faults and bills are visible in the online business portal.",
		"Equipment is supplied, configured and replaced free if it fails.",
		"Prices are per unit per month and exclude VAT.",
		"Service can be upgraded during the term without a new minimum period.",
		"Monitoring alerts the service desk before most faults are noticed on site.",
	}
)

// seedOffering generates one offering in the category (all fields but the
// slug and agreement).
func seedOffering(r *rand.Rand, category string) NewOffering {
	rare := r.IntN(1000) < 15
	common := r.IntN(100) < 75
	variant := seedPick(r, seedVariants)
	if rare {
		variant = " Quantum"
	}
	o := NewOffering{CategorySlug: category, Unit: "connection", MouBP: 500 + 25*int64(r.IntN(81))}
	if r.IntN(4) == 0 {
		o.MouBP = 500 + int64(r.IntN(2001)) // odd values, so rounding shows
	}
	var summary, detail string
	var attrs []Attribute
	switch category {
	case "mobile-voice-data":
		a := seedPick(r, seedMobileAllowances)
		net := seedPick(r, []string{"4G", "5G", "5G", "5G"})
		o.Name = seedPick(r, []string{"Business", "Public Sector", "Frontline", "Workforce", "Essentials", "Smart"}) + " " + net + " SIM " + a.label + variant
		o.Unit, o.MonthlyPence = "SIM", a.monthly+int64(r.IntN(40))*10
		o.Terms = seedPick(r, [][]int{{1, 12, 24}, {12, 24, 36}, {24, 36}})
		summary = fmt.Sprintf("%s %s data with unlimited UK calls and texts.", a.label, net)
		detail = "A SIM-only mobile plan with pooled data and spend controls for every line."
		attrs = []Attribute{{"Data allowance", a.label}, {"Network", "UK national network"}, {"5G", seedYesNo(net == "5G")},
			{"Calls and texts", "Unlimited UK"}, {"Roaming", seedPick(r, seedRoaming)}, {"Support hours", seedPick(r, seedSupportHours)}}
	case "data-only-sim":
		a := seedPick(r, seedMobileAllowances)
		net := seedPick(r, []string{"4G", "5G"})
		kind := seedPick(r, []string{"Data-only SIM", "Tablet Data SIM", "Laptop Data SIM", "Mobile Broadband Router"})
		o.Name = kind + " " + net + " " + a.label + variant
		o.Unit, o.MonthlyPence = "SIM", a.monthly-200+int64(r.IntN(40))*10
		if kind == "Mobile Broadband Router" {
			o.Unit, o.MonthlyPence = "device", o.MonthlyPence+1000
		}
		o.Terms = seedPick(r, [][]int{{1, 12, 24}, {1, 12}, {12, 24}})
		summary = fmt.Sprintf("%s of %s data for laptops, tablets and routers.", a.label, net)
		detail = "A data-only plan with no voice service; tethering is allowed."
		attrs = []Attribute{{"Data allowance", a.label}, {"Network", "UK national network"}, {"5G", seedYesNo(net == "5G")},
			{"Tethering", "Allowed"}, {"Roaming", seedPick(r, seedRoaming)}}
	case "iot-connectivity":
		a := seedPick(r, seedIoTAllowances)
		o.Name = seedPick(r, []string{"IoT SIM", "LTE-M SIM", "NB-IoT SIM", "Global IoT SIM", "Telemetry SIM"}) + " " + a.label + variant
		o.Unit, o.MonthlyPence = "SIM", a.monthly+int64(r.IntN(20))*5
		o.Terms = seedPick(r, [][]int{{1, 12, 24}, {12, 24, 36}, {12, 36, 60}})
		summary = fmt.Sprintf("An IoT SIM with %s a month for sensors, meters and trackers.", a.label)
		detail = "Managed through an IoT connectivity platform with usage alerts and remote suspend."
		attrs = []Attribute{{"Data allowance", a.label + " a month, pooled"}, {"Network technology", seedPick(r, []string{"2G and 4G", "4G and LTE-M", "LTE-M and NB-IoT"})},
			{"Coverage", seedPick(r, seedCoverage)}, {"Static IP", seedPick(r, []string{"Yes", "No", "Optional private APN"})}}
	case "business-broadband":
		s := seedPick(r, seedBroadbandSpeeds)
		o.Name = seedPick(r, []string{"Business Fibre", "Business Full Fibre", "Full Fibre", "FTTC Broadband", "5G Broadband", "Community Fibre"}) + " " + s.label + variant
		o.MonthlyPence = s.monthly + int64(r.IntN(50))*10
		o.OneOffPence = seedPick(r, []int64{0, 4900, 9900, 14900})
		o.Terms = seedPick(r, [][]int{{12, 24, 36}, {24, 36}, {1, 12, 24}})
		summary = fmt.Sprintf("Broadband at up to %sMbps with a business router and static IP.", s.label)
		detail = "Fibre broadband with a next-working-day fix and 4G backup as an option."
		attrs = []Attribute{{"Download speed", s.label + "Mbps"}, {"Upload speed", seedPick(r, []string{"20Mbps", "50Mbps", "100Mbps", "Same as download"})},
			{"Contention", "Contended"}, {"Static IP", seedPick(r, []string{"1 included", "5 included", "Optional"})}, {"Fix time", "Next working day"},
			{"Support hours", seedPick(r, seedSupportHours)}}
	case "ethernet-leased-lines":
		s := seedPick(r, seedEthernetSpeeds)
		o.Name = seedPick(r, []string{"Ethernet %s Leased Line", "Fibre Ethernet %s", "Ethernet %s Resilient Leased Line", "Wavelength %s"})
		o.Name = fmt.Sprintf(o.Name, s.label) + variant
		o.MonthlyPence = s.monthly + int64(r.IntN(100))*100
		o.OneOffPence = seedPick(r, []int64{0, 50000, 95000, 120000, 250000})
		o.Terms = seedPick(r, [][]int{{36, 60}, {12, 36, 60}, {24, 36}})
		summary = fmt.Sprintf("A dedicated, uncontended %s fibre leased line.", s.label)
		detail = "Symmetric Ethernet over dedicated fibre with a managed router and proactive monitoring."
		attrs = []Attribute{{"Download speed", s.label}, {"Upload speed", s.label}, {"Contention", "Uncontended"},
			{"Service level (SLA)", seedPick(r, seedSLAs)}, {"Fix time", seedPick(r, seedFixTimes)}, {"Support hours", "24/7"}}
	case "sd-wan":
		s := seedPick(r, seedSiteSizes)
		o.Name = seedPick(r, []string{"Managed SD-WAN Branch", "SD-WAN Edge", "Co-managed SD-WAN Site", "SD-WAN Retail Edge"}) + " " + s.label + variant
		o.Unit, o.MonthlyPence = "site", s.monthly+int64(r.IntN(100))*50
		o.OneOffPence = seedPick(r, []int64{25000, 30000, 45000, 120000})
		o.Terms = seedPick(r, [][]int{{36, 60}, {24, 36, 60}, {12, 24, 36}})
		o.SdwanTrial = r.IntN(100) < 35
		summary = fmt.Sprintf("A managed SD-WAN edge for a %s site over any broadband, Ethernet or 5G link.", strings.ToLower(s.label))
		detail = "Traffic is steered by application across up to four links with central policy."
		attrs = []Attribute{{"Appliance", s.label + " SD-WAN edge"}, {"WAN links", seedPick(r, []string{"Up to 2", "Up to 4"})},
			{"Security", seedPick(r, []string{"Next-generation firewall included", "Stateful firewall"})}, {"Service level (SLA)", seedPick(r, seedSLAs)},
			{"Support hours", seedPick(r, seedSupportHours)}}
	case "unified-communications":
		kind := seedPick(r, []string{"Cloud Phone User", "Teams Calling Plan", "Contact Centre Agent", "Hosted Voice Seat", "SIP Trunk Channel", "Video Meeting Room"})
		o.Name = kind + variant
		o.Unit, o.MonthlyPence = "user", 500+int64(r.IntN(400))*10
		if kind == "SIP Trunk Channel" || kind == "Video Meeting Room" {
			o.Unit = "connection"
		}
		o.Terms = seedPick(r, [][]int{{1, 12, 36}, {12, 24, 36}, {12, 36}})
		summary = "Cloud calling with UK numbers, desk and mobile apps."
		detail = "Replaces on-site phone systems ahead of the PSTN switch-off, keeping existing numbers."
		attrs = []Attribute{{"Calls", seedPick(r, []string{"Unlimited UK", "3,000 UK minutes", "Pay as you go"})},
			{"Features", "Call queues, hunt groups, voicemail to email"}, {"Integrations", seedPick(r, []string{"Microsoft Teams", "Salesforce", "None"})},
			{"Service level (SLA)", seedPick(r, seedSLAs)}, {"Support hours", seedPick(r, seedSupportHours)}}
	default:
		s := seedPick(r, seedSiteSizes)
		o.Name = "Connectivity Service " + s.label + variant
		o.MonthlyPence = s.monthly/4 + int64(r.IntN(100))*10
		o.Terms = seedPick(r, [][]int{{12, 24, 36}, {1, 12}})
		summary = "A managed connectivity service."
		detail = "Delivered and supported under the agreement's standard terms."
		attrs = []Attribute{{"Service level (SLA)", seedPick(r, seedSLAs)}, {"Support hours", seedPick(r, seedSupportHours)},
			{"Coverage", seedPick(r, seedCoverage)}}
	}
	if common {
		summary += " Suitable for any council, school or NHS site."
	}
	o.Summary = summary
	o.Description = detail + " " + seedPick(r, seedTechSentence)
	if rare {
		o.Description += " The Quantum edition adds priority provisioning and a dedicated account engineer."
	}
	o.Attributes = seedAttributes(r, attrs)
	o.PovTrial = r.IntN(100) < 10
	sv := r.Perm(len(seedSocialValue))[:1+r.IntN(3)]
	for _, i := range sv {
		o.SocialValue = append(o.SocialValue, seedSocialValue[i])
	}
	return o
}

// seedAttributes keeps 2 to 4 of attrs, in their order.
func seedAttributes(r *rand.Rand, attrs []Attribute) []Attribute {
	k := min(len(attrs), 2+r.IntN(3))
	keep := make([]bool, len(attrs))
	for _, i := range r.Perm(len(attrs))[:k] {
		keep[i] = true
	}
	out := make([]Attribute, 0, k)
	for i, a := range attrs {
		if keep[i] {
			out = append(out, a)
		}
	}
	return out
}

func seedYesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}
