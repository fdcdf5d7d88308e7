package store

// Demo catalogue data (PRODUCT.md §9). Prices are illustrative only: they are
// realistic in size for UK business connectivity but are not real quotes.

// Demo supplier and agreement slugs.
const (
	// DemoSupplierVMO2B is the slug of Virgin Media O2 Business.
	DemoSupplierVMO2B = "virgin-media-o2-business"
	// DemoSupplierFFC is the slug of the fictional second supplier.
	DemoSupplierFFC = "fictional-fibre-co"
	// DemoAgreementMoU is the slug of the CCS MoU with Virgin Media O2 Business.
	DemoAgreementMoU = "vmo2b-mou"
	// DemoAgreementFFC is the slug of the fictional supplier's agreement.
	DemoAgreementFFC = "ffc-framework-demo"
)

// DemoCatalogue returns the demo catalogue: the CCS MoU with Virgin Media O2
// Business, a second agreement with an obviously fictional supplier, seven
// categories and their offerings. Demo prices are illustrative.
func DemoCatalogue() Catalogue {
	const (
		mou = DemoAgreementMoU
		ffc = DemoAgreementFFC

		mobile    = "mobile-voice-data"
		dataSIM   = "data-only-sim"
		iot       = "iot-connectivity"
		broadband = "business-broadband"
		ethernet  = "ethernet-leased-lines"
		sdwan     = "sd-wan"
		uc        = "unified-communications"
	)

	// Social value commitments attached to offerings.
	const (
		svSkills     = "Learning and development: free digital skills and cyber security training places for public-sector staff"
		svApprentice = "Apprenticeships: network engineering apprenticeships recruited in the regions where the service is delivered"
		svInclusion  = "Digital inclusion: free SIMs and data donated to digitally excluded residents through local community partners"
		svCarbon     = "Carbon: network powered by 100% renewable electricity, on a science-based path to net zero"
		svRecycling  = "Circular economy: refurbished handsets offered first, with free take-back and recycling of old devices"
		svLocalSME   = "Local economy: installation and civils work subcontracted to local SMEs where possible"
		svRural      = "Rural connectivity: every tenth public-sector connection funds a village hall or library connection"
		svVolunteer  = "Volunteering: two paid volunteering days a year for every engineer working on the account"
	)

	return Catalogue{
		Suppliers: []Supplier{
			{Slug: DemoSupplierVMO2B, Name: "Virgin Media O2 Business"},
			{Slug: DemoSupplierFFC, Name: "Fictional Fibre Co (demo)"},
		},
		Categories: []Category{
			{Slug: mobile, Name: "Mobile voice and data"},
			{Slug: dataSIM, Name: "Data-only SIM"},
			{Slug: iot, Name: "IoT connectivity"},
			{Slug: broadband, Name: "Business broadband"},
			{Slug: ethernet, Name: "Ethernet and leased lines"},
			{Slug: sdwan, Name: "SD-WAN"},
			{Slug: uc, Name: "Unified communications"},
		},
		Agreements: []NewAgreement{
			{
				Slug:   mou,
				CCSRef: "MOU-VMO2B-2025",
				Title:  "CCS Memorandum of Understanding with Virgin Media O2 Business",
				Summary: "Crown Commercial Service's Memorandum of Understanding with Virgin Media O2 Business gives every UK public body " +
					"supply-chain discounts on mobile, connectivity and communications services, in-life discounts that grow with what " +
					"the organisation has already bought, free proof-of-value and SD-WAN trials, and social value commitments. " +
					"Demo prices are illustrative.",
				SupplierSlug: DemoSupplierVMO2B,
				StartsOn:     "2025-04-01",
				EndsOn:       "2028-03-31",
				Tiers: []Tier{
					{FromPence: 0, BP: 0},
					{FromPence: 10_000_000, BP: 150},
					{FromPence: 25_000_000, BP: 300},
					{FromPence: 100_000_000, BP: 500},
				},
				Trials: TrialTerms{
					PovMinSites: 1, PovMaxSites: 20, PovMinDays: 14, PovMaxDays: 90,
					SdwanMinSites: 1, SdwanMaxSites: 5, SdwanMinDays: 30, SdwanMaxDays: 60,
					Text: "Proof-of-value trials are free for offerings marked as eligible: 1 to 20 sites for 14 to 90 days, " +
						"one open trial per offering per organisation. SD-WAN trials are free: 1 to 5 sites for 30 to 60 days, " +
						"one per organisation in any rolling 365 days (declined and withdrawn applications do not count). " +
						"Virgin Media O2 Business installs and removes trial equipment at no cost and there is no obligation to buy.",
				},
				SocialValue: []string{
					"Apprenticeships: one new network engineering apprenticeship for every £1 million of annual spend under the MoU",
					"Digital inclusion: free SIMs and data for digitally excluded residents, distributed through councils and local charities",
					"Carbon: 100% renewable electricity across the network and a published plan to reach net zero operations",
				},
				LearningDevelopment: []string{
					"At least 500 free places a year on digital skills and cyber security courses for public-sector staff, open to every organisation buying under the MoU",
					"A named technical lead for every organisation with more than £250,000 of approved purchases, who runs an annual training day for its IT team",
					"Free certified training on SD-WAN and network security for the staff of every organisation that completes an SD-WAN trial",
					"Places reported to CCS each quarter and published with the agreement's management information",
				},
				Evaluation: []string{
					"Call-offs under this MoU are direct awards at the published prices: there is no mini-competition, so quotes are evaluated against the buyer's own requirements and budget rather than against each other.",
					"Buyers comparing offerings from this MoU with those of other agreements should use the same weights for each, so the comparison is fair to every supplier.",
				},
			},
			{
				Slug:   ffc,
				CCSRef: "DEMO-FFC-0001",
				Title:  "Fictional Fibre Co connectivity agreement (demo)",
				Summary: "A fictional agreement with a fictional supplier, included in the demo so that offerings can be compared " +
					"across agreements. Fictional Fibre Co (demo) does not exist; its prices and commitments are made up.",
				SupplierSlug: DemoSupplierFFC,
				StartsOn:     "2025-09-01",
				EndsOn:       "2027-08-31",
				Tiers: []Tier{
					{FromPence: 0, BP: 0},
					{FromPence: 5_000_000, BP: 100},
					{FromPence: 20_000_000, BP: 250},
					{FromPence: 75_000_000, BP: 400},
				},
				Trials: TrialTerms{
					PovMinSites: 1, PovMaxSites: 10, PovMinDays: 14, PovMaxDays: 60,
					SdwanMinSites: 1, SdwanMaxSites: 3, SdwanMinDays: 30, SdwanMaxDays: 45,
					Text: "Proof-of-value trials are free for eligible offerings: 1 to 10 sites for 14 to 60 days. " +
						"SD-WAN trials are free: 1 to 3 sites for 30 to 45 days, one per organisation in any rolling 365 days.",
				},
				SocialValue: []string{
					"Local economy: installation and civils work subcontracted to local SMEs where possible",
					"Rural connectivity: every tenth public-sector connection funds a village hall or library connection",
				},
				LearningDevelopment: []string{
					"Two free places a year on a fibre installation course for each council buying under the agreement (fictional)",
				},
				Evaluation: []string{
					"A fictional agreement: quotes are evaluated by the portal's rules above and nothing else.",
				},
			},
		},
		Offerings: []NewOffering{
			// --- Mobile voice and data (MoU) ---
			{
				Slug: "business-unlimited-5g-sim", Name: "Business Unlimited 5G SIM",
				CategorySlug: mobile, AgreementSlug: mou, Unit: "SIM",
				Summary: "Unlimited UK calls, texts and data on the O2 5G network for frontline and office staff.",
				Description: "A SIM-only plan with unlimited UK data, minutes and texts on the O2 network, with 5G where available and 4G everywhere else. " +
					"Includes EU roaming up to 25GB a month at no extra charge and access to the business customer portal for bar and spend controls.",
				MonthlyPence: 2500, OneOffPence: 0, MouBP: 1575,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Data allowance", "Unlimited"},
					{"Network", "O2"},
					{"5G", "Yes, where available"},
					{"Calls and texts", "Unlimited UK"},
					{"Roaming", "EU up to 25GB included"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svInclusion, svSkills},
				PovTrial:    true,
			},
			{
				Slug: "business-unlimited-5g-sim-plus", Name: "Business Unlimited 5G SIM Plus",
				CategorySlug: mobile, AgreementSlug: mou, Unit: "SIM",
				Summary: "Unlimited 5G SIM with worldwide roaming zones for staff who travel on council business.",
				Description: "Everything in Business Unlimited 5G SIM, plus roaming in 75 destinations including the USA and Canada. " +
					"Suited to economic development and international teams; travel days are capped at £5 a day outside the included zones.",
				MonthlyPence: 3000, OneOffPence: 0, MouBP: 1575,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Data allowance", "Unlimited"},
					{"Network", "O2"},
					{"5G", "Yes, where available"},
					{"Calls and texts", "Unlimited UK and international to 50 countries"},
					{"Roaming", "75 destinations included"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svInclusion},
			},
			{
				Slug: "business-5g-sim-30gb", Name: "Business 5G SIM 30GB",
				CategorySlug: mobile, AgreementSlug: mou, Unit: "SIM",
				Summary: "30GB a month of 5G data with unlimited UK calls and texts.",
				Description: "A mid-range SIM-only plan for staff who work away from the office several days a week. " +
					"Data is pooled across the organisation's SIMs on the same plan, so heavy and light users balance out.",
				MonthlyPence: 1500, OneOffPence: 0, MouBP: 1250,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Data allowance", "30GB a month, shared pool"},
					{"Network", "O2"},
					{"5G", "Yes, where available"},
					{"Calls and texts", "Unlimited UK"},
					{"Roaming", "EU up to 15GB included"},
					{"Support hours", "Monday to Saturday 8am to 8pm"},
				},
				SocialValue: []string{svInclusion, svCarbon},
			},
			{
				Slug: "business-4g-sim-10gb", Name: "Business 4G SIM 10GB",
				CategorySlug: mobile, AgreementSlug: mou, Unit: "SIM",
				Summary: "An economical 4G SIM with 10GB of data for office-based staff.",
				Description: "Unlimited UK calls and texts with 10GB of 4G data a month. " +
					"Ideal for staff who mostly work on Wi-Fi and need a phone for calls and occasional data.",
				MonthlyPence: 950, OneOffPence: 0, MouBP: 1000,
				Terms: []int{1, 12, 24},
				Attributes: []Attribute{
					{"Data allowance", "10GB a month"},
					{"Network", "O2"},
					{"5G", "No (4G)"},
					{"Calls and texts", "Unlimited UK"},
					{"Roaming", "EU at £2.50 a day"},
					{"Support hours", "Monday to Saturday 8am to 8pm"},
				},
				SocialValue: []string{svInclusion},
			},
			{
				Slug: "business-essentials-sim-2gb", Name: "Business Essentials SIM 2GB",
				CategorySlug: mobile, AgreementSlug: mou, Unit: "SIM",
				Summary: "A low-cost voice SIM with 2GB of data for lone workers and on-call phones.",
				Description: "Unlimited UK calls and texts and 2GB of data, with the lowest monthly charge on the MoU. " +
					"Works with lone-worker apps and emergency SOS features on basic handsets.",
				MonthlyPence: 599, OneOffPence: 0, MouBP: 825,
				Terms: []int{1, 12, 24},
				Attributes: []Attribute{
					{"Data allowance", "2GB a month"},
					{"Network", "O2"},
					{"5G", "No (4G)"},
					{"Calls and texts", "Unlimited UK"},
					{"Roaming", "EU at £2.50 a day"},
					{"Support hours", "Monday to Friday 8am to 6pm"},
				},
				SocialValue: []string{svInclusion},
			},
			{
				Slug: "samsung-galaxy-s25-5g-unlimited-bundle", Name: "Samsung Galaxy S25 5G with Unlimited Data",
				CategorySlug: mobile, AgreementSlug: mou, Unit: "device",
				Summary: "A managed Samsung Galaxy S25 smartphone on an unlimited 5G plan.",
				Description: "The handset is supplied enrolled in Samsung Knox and the council's mobile device management, ready to use out of the box. " +
					"The monthly charge covers the device and an unlimited UK calls, texts and data plan; handsets are replaced within one working day if faulty.",
				MonthlyPence: 4200, OneOffPence: 0, MouBP: 700,
				Terms: []int{24, 36},
				Attributes: []Attribute{
					{"Device", "Samsung Galaxy S25, 128GB"},
					{"Data allowance", "Unlimited"},
					{"Network", "O2"},
					{"5G", "Yes"},
					{"Device management", "Samsung Knox and zero-touch enrolment"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svRecycling, svCarbon},
			},
			{
				Slug: "rugged-5g-smartphone-bundle", Name: "Rugged 5G Smartphone Bundle",
				CategorySlug: mobile, AgreementSlug: mou, Unit: "device",
				Summary: "A rugged, drop-proof 5G smartphone with 50GB of data for highways, waste and grounds teams.",
				Description: "The Samsung Galaxy XCover7 Pro is built to MIL-STD-810H and IP68 and has a programmable push-to-talk key. " +
					"Bundled with 50GB of 5G data and unlimited UK calls and texts, with a swappable battery for long shifts.",
				MonthlyPence: 2900, OneOffPence: 0, MouBP: 650,
				Terms: []int{24, 36},
				Attributes: []Attribute{
					{"Device", "Samsung Galaxy XCover7 Pro"},
					{"Data allowance", "50GB a month"},
					{"Network", "O2"},
					{"5G", "Yes"},
					{"Durability", "IP68, MIL-STD-810H"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svRecycling},
			},

			// --- Data-only SIM (MoU) ---
			{
				Slug: "data-only-5g-sim-unlimited", Name: "Data-only 5G SIM Unlimited",
				CategorySlug: dataSIM, AgreementSlug: mou, Unit: "SIM",
				Summary: "Unlimited 5G data for laptops, tablets and mobile routers.",
				Description: "A data-only SIM with no voice service and no monthly data cap, for laptops with built-in modems, tablets and vehicle routers. " +
					"Fair use applies above 650GB a month; tethering is allowed.",
				MonthlyPence: 2200, OneOffPence: 0, MouBP: 1575,
				Terms: []int{1, 12, 24},
				Attributes: []Attribute{
					{"Data allowance", "Unlimited (fair use 650GB)"},
					{"Network", "O2"},
					{"5G", "Yes, where available"},
					{"Tethering", "Allowed"},
					{"Roaming", "EU up to 25GB included"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svInclusion, svSkills},
			},
			{
				Slug: "data-only-5g-sim-50gb", Name: "Data-only 5G SIM 50GB",
				CategorySlug: dataSIM, AgreementSlug: mou, Unit: "SIM",
				Summary: "50GB of 5G data a month for tablets and laptops.",
				Description: "A data-only SIM for staff who work from tablets and laptops in the field. " +
					"Data is pooled across all the organisation's 50GB SIMs, and usage alerts are sent at 80% and 100%.",
				MonthlyPence: 1200, OneOffPence: 0, MouBP: 1250,
				Terms: []int{1, 12, 24},
				Attributes: []Attribute{
					{"Data allowance", "50GB a month, shared pool"},
					{"Network", "O2"},
					{"5G", "Yes, where available"},
					{"Tethering", "Allowed"},
					{"Roaming", "EU up to 15GB included"},
					{"Support hours", "Monday to Saturday 8am to 8pm"},
				},
				SocialValue: []string{svInclusion},
			},
			{
				Slug: "data-only-4g-sim-10gb", Name: "Data-only 4G SIM 10GB",
				CategorySlug: dataSIM, AgreementSlug: mou, Unit: "SIM",
				Summary: "10GB of 4G data for occasional mobile working.",
				Description: "A low-cost data-only SIM for devices that are mostly on Wi-Fi. " +
					"Suits library laptops for loan, polling station kit and parking enforcement handhelds.",
				MonthlyPence: 700, OneOffPence: 0, MouBP: 1000,
				Terms: []int{1, 12, 24},
				Attributes: []Attribute{
					{"Data allowance", "10GB a month"},
					{"Network", "O2"},
					{"5G", "No (4G)"},
					{"Tethering", "Allowed"},
					{"Roaming", "Not included"},
				},
				SocialValue: []string{svInclusion},
			},
			{
				Slug: "tablet-data-sim-3gb", Name: "Tablet Data SIM 3GB",
				CategorySlug: dataSIM, AgreementSlug: mou, Unit: "SIM",
				Summary: "3GB of data for tablets used by carers and inspectors.",
				Description: "A small data plan for tablets that sync forms and case notes rather than stream video. " +
					"Usage above 3GB is slowed rather than charged, so there are no bill shocks.",
				MonthlyPence: 450, OneOffPence: 0, MouBP: 900,
				Terms: []int{1, 12, 24},
				Attributes: []Attribute{
					{"Data allowance", "3GB a month, then slowed"},
					{"Network", "O2"},
					{"5G", "No (4G)"},
					{"Tethering", "Not allowed"},
				},
				SocialValue: []string{svInclusion},
			},
			{
				Slug: "5g-mobile-broadband-router-unlimited", Name: "5G Mobile Broadband Router Unlimited",
				CategorySlug: dataSIM, AgreementSlug: mou, Unit: "device",
				Summary: "A portable 5G router with an unlimited data SIM for pop-up sites and events.",
				Description: "A battery-powered 5G router connects up to 32 devices over Wi-Fi 6 for pop-up clinics, vaccination centres and elections. " +
					"The unlimited data SIM is included; the router is replaced free if it fails.",
				MonthlyPence: 3500, OneOffPence: 0, MouBP: 1100,
				Terms: []int{1, 12, 24},
				Attributes: []Attribute{
					{"Data allowance", "Unlimited (fair use 650GB)"},
					{"Network", "O2"},
					{"5G", "Yes"},
					{"Device", "5G Wi-Fi 6 portable router"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svRecycling, svInclusion},
			},

			// --- IoT connectivity (MoU) ---
			{
				Slug: "iot-sim-10mb", Name: "IoT SIM 10MB",
				CategorySlug: iot, AgreementSlug: mou, Unit: "SIM",
				Summary: "A low-data IoT SIM for sensors, meters and alarms.",
				Description: "10MB a month for telemetry from bin sensors, flood gauges, building management systems and alarm panels. " +
					"Managed through the IoT connectivity portal, with per-SIM usage alerts and remote suspend.",
				MonthlyPence: 300, OneOffPence: 0, MouBP: 1500,
				Terms: []int{1, 12, 24},
				Attributes: []Attribute{
					{"Data allowance", "10MB a month, pooled"},
					{"Network technology", "2G, 4G and LTE-M"},
					{"Coverage", "UK multi-network"},
					{"Static IP", "Optional private APN"},
					{"Management platform", "IoT connectivity portal and API"},
				},
				SocialValue: []string{svCarbon},
			},
			{
				Slug: "iot-sim-100mb", Name: "IoT SIM 100MB",
				CategorySlug: iot, AgreementSlug: mou, Unit: "SIM",
				Summary: "An IoT SIM with 100MB a month for CCTV stills, kiosks and payment terminals.",
				Description: "For connected devices that send more than simple telemetry, such as payment terminals, parking meters and kiosk screens. " +
					"Data is pooled across the organisation's IoT SIMs.",
				MonthlyPence: 450, OneOffPence: 0, MouBP: 1500,
				Terms: []int{1, 12, 24},
				Attributes: []Attribute{
					{"Data allowance", "100MB a month, pooled"},
					{"Network technology", "4G and LTE-M"},
					{"Coverage", "UK multi-network"},
					{"Static IP", "Optional private APN"},
					{"Management platform", "IoT connectivity portal and API"},
				},
				SocialValue: []string{svCarbon},
			},
			{
				Slug: "iot-sim-1gb", Name: "IoT SIM 1GB",
				CategorySlug: iot, AgreementSlug: mou, Unit: "SIM",
				Summary: "1GB a month for data-hungry IoT devices such as digital signage and body-worn cameras.",
				Description: "A higher-allowance IoT SIM with a private APN and static IP addressing as standard. " +
					"Suited to digital bus-stop signage, body-worn camera uploads and remote CCTV.",
				MonthlyPence: 850, OneOffPence: 0, MouBP: 1250,
				Terms: []int{1, 12, 24, 36},
				Attributes: []Attribute{
					{"Data allowance", "1GB a month, pooled"},
					{"Network technology", "4G and 5G"},
					{"Coverage", "UK multi-network"},
					{"Static IP", "Yes, private APN included"},
					{"Management platform", "IoT connectivity portal and API"},
				},
				SocialValue: []string{svCarbon},
			},
			{
				Slug: "lte-m-nb-iot-sim-5mb", Name: "LTE-M and NB-IoT SIM 5MB",
				CategorySlug: iot, AgreementSlug: mou, Unit: "SIM",
				Summary: "A low-power IoT SIM for battery sensors that must last for years.",
				Description: "Uses LTE-M and NB-IoT with power-saving modes so battery sensors such as damp and mould monitors in social housing last up to ten years. " +
					"Deep indoor coverage reaches basements and plant rooms.",
				MonthlyPence: 325, OneOffPence: 0, MouBP: 1575,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Data allowance", "5MB a month, pooled"},
					{"Network technology", "LTE-M and NB-IoT"},
					{"Coverage", "UK, deep indoor"},
					{"Static IP", "No"},
					{"Management platform", "IoT connectivity portal and API"},
				},
				SocialValue: []string{svCarbon, svSkills},
			},
			{
				Slug: "global-iot-sim-50mb", Name: "Global IoT SIM 50MB",
				CategorySlug: iot, AgreementSlug: mou, Unit: "SIM",
				Summary: "A multi-network IoT SIM that roams in the UK and abroad for fleet trackers.",
				Description: "Switches automatically to the strongest available network in the UK and across 180 countries. " +
					"Suits vehicle trackers, connected grit spreaders and assets that cross borders.",
				MonthlyPence: 650, OneOffPence: 0, MouBP: 1000,
				Terms: []int{1, 12, 24},
				Attributes: []Attribute{
					{"Data allowance", "50MB a month, pooled"},
					{"Network technology", "2G, 4G and LTE-M"},
					{"Coverage", "180 countries, multi-network"},
					{"Roaming", "Included"},
					{"Management platform", "IoT connectivity portal and API"},
				},
				SocialValue: []string{svCarbon},
			},
			{
				Slug: "private-5g-network-starter", Name: "Private 5G Network Starter",
				CategorySlug: iot, AgreementSlug: mou, Unit: "site",
				Summary: "A dedicated private 5G network for a depot, hospital campus or port.",
				Description: "A private 5G core and up to four radio units give guaranteed capacity and low latency for connected vehicles, cameras and sensors on one site. " +
					"Designed, installed and managed by Virgin Media O2 Business, with a proof-of-value trial available before you commit.",
				MonthlyPence: 110000, OneOffPence: 450000, MouBP: 750,
				Terms: []int{36, 60},
				Attributes: []Attribute{
					{"Coverage", "Up to 4 radio units, about 20,000 square metres"},
					{"Network technology", "Standalone private 5G"},
					{"Service level (SLA)", "99.95% availability"},
					{"Fix time", "8 hours"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svApprentice, svSkills, svCarbon},
				PovTrial:    true,
			},

			// --- Business broadband (MoU) ---
			{
				Slug: "business-fibre-80", Name: "Business Fibre 80",
				CategorySlug: broadband, AgreementSlug: mou, Unit: "connection",
				Summary: "Fibre-to-the-cabinet broadband up to 80Mbps for small offices and libraries.",
				Description: "Superfast FTTC broadband with a business-grade router and a static IP address. " +
					"A good fit where full fibre is not yet available, such as rural libraries and community centres.",
				MonthlyPence: 3200, OneOffPence: 4900, MouBP: 1000,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Download speed", "Up to 80Mbps"},
					{"Upload speed", "Up to 20Mbps"},
					{"Technology", "FTTC"},
					{"Static IP", "1 included"},
					{"Contention", "Contended"},
					{"Fix time", "Next working day"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svLocalSME},
			},
			{
				Slug: "business-full-fibre-150", Name: "Business Full Fibre 150",
				CategorySlug: broadband, AgreementSlug: mou, Unit: "connection",
				Summary: "Full fibre broadband at 150Mbps for small sites.",
				Description: "Fibre-to-the-premises broadband with symmetric-style upload speeds for cloud backups and video calls. " +
					"Includes a Wi-Fi 6 business hub and a static IP address.",
				MonthlyPence: 3800, OneOffPence: 9900, MouBP: 1250,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Download speed", "150Mbps"},
					{"Upload speed", "30Mbps"},
					{"Technology", "Full fibre (FTTP)"},
					{"Static IP", "1 included"},
					{"Contention", "Contended"},
					{"Fix time", "Next working day"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svLocalSME, svCarbon},
			},
			{
				Slug: "business-full-fibre-500", Name: "Business Full Fibre 500",
				CategorySlug: broadband, AgreementSlug: mou, Unit: "connection",
				Summary: "Full fibre broadband at 500Mbps for busy offices and schools.",
				Description: "Gigabit-capable full fibre delivering 500Mbps down and 75Mbps up, with a 4G backup dongle that takes over if the line fails. " +
					"Suited to offices of 20 to 50 people and primary schools.",
				MonthlyPence: 5500, OneOffPence: 9900, MouBP: 1575,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Download speed", "500Mbps"},
					{"Upload speed", "75Mbps"},
					{"Technology", "Full fibre (FTTP)"},
					{"Static IP", "1 included, 5 optional"},
					{"Contention", "Contended"},
					{"Service level (SLA)", "99.5% availability"},
					{"Fix time", "Next working day"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svLocalSME, svCarbon},
			},
			{
				Slug: "business-full-fibre-900", Name: "Business Full Fibre 900",
				CategorySlug: broadband, AgreementSlug: mou, Unit: "connection",
				Summary: "Near-gigabit full fibre broadband for large offices and secondary schools.",
				Description: "900Mbps download and 110Mbps upload over full fibre, with 4G backup and a block of five static IP addresses. " +
					"A lower-cost alternative to a leased line where a contended service is acceptable.",
				MonthlyPence: 7500, OneOffPence: 9900, MouBP: 1575,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Download speed", "900Mbps"},
					{"Upload speed", "110Mbps"},
					{"Technology", "Full fibre (FTTP)"},
					{"Static IP", "5 included"},
					{"Contention", "Contended"},
					{"Service level (SLA)", "99.5% availability"},
					{"Fix time", "Next working day"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svLocalSME, svCarbon},
			},
			{
				Slug: "business-5g-broadband", Name: "Business 5G Broadband",
				CategorySlug: broadband, AgreementSlug: mou, Unit: "connection",
				Summary: "Fixed wireless broadband over 5G where fibre is slow or not yet available.",
				Description: "An indoor or outdoor 5G receiver delivers typical speeds of 150 to 300Mbps with no engineer visit. " +
					"Set up in days rather than weeks, so it suits temporary sites and buildings awaiting full fibre.",
				MonthlyPence: 4000, OneOffPence: 2500, MouBP: 1100,
				Terms: []int{1, 12, 24},
				Attributes: []Attribute{
					{"Download speed", "Typically 150 to 300Mbps"},
					{"Upload speed", "Typically 20 to 50Mbps"},
					{"Technology", "5G fixed wireless access"},
					{"Static IP", "Optional"},
					{"Contention", "Contended"},
					{"Coverage", "Postcode check required"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svInclusion},
				PovTrial:    true,
			},
			{
				Slug: "4g-broadband-backup", Name: "4G Broadband Backup",
				CategorySlug: broadband, AgreementSlug: mou, Unit: "connection",
				Summary: "Automatic 4G failover that keeps a site online if its fixed line fails.",
				Description: "A 4G router sits alongside the main broadband router and takes over within seconds if the line drops. " +
					"Includes 50GB of backup data a month and alerts to the IT service desk when failover happens.",
				MonthlyPence: 1800, OneOffPence: 0, MouBP: 500,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Download speed", "Typically 30 to 60Mbps"},
					{"Upload speed", "Typically 10 to 20Mbps"},
					{"Technology", "4G failover router"},
					{"Data allowance", "50GB a month"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svRecycling},
			},

			// --- Ethernet and leased lines (MoU) ---
			{
				Slug: "ethernet-100mbps-leased-line", Name: "Ethernet 100Mbps Leased Line",
				CategorySlug: ethernet, AgreementSlug: mou, Unit: "connection",
				Summary: "A dedicated, uncontended 100Mbps fibre leased line with a guaranteed fix time.",
				Description: "Symmetric 100Mbps Ethernet over a dedicated fibre to your building, on a 1Gbps bearer so it can be upgraded without a new install. " +
					"Comes with a managed router, 8 static IP addresses and a 5-hour fix time.",
				MonthlyPence: 24500, OneOffPence: 95000, MouBP: 1250,
				Terms: []int{36, 60},
				Attributes: []Attribute{
					{"Download speed", "100Mbps"},
					{"Upload speed", "100Mbps"},
					{"Bearer", "1Gbps"},
					{"Contention", "Uncontended"},
					{"Service level (SLA)", "99.95% availability"},
					{"Fix time", "5 hours, 24/7"},
					{"Static IP", "8 included"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svApprentice, svLocalSME},
			},
			{
				Slug: "ethernet-500mbps-leased-line", Name: "Ethernet 500Mbps Leased Line",
				CategorySlug: ethernet, AgreementSlug: mou, Unit: "connection",
				Summary: "A dedicated 500Mbps fibre leased line for larger offices and depots.",
				Description: "Symmetric 500Mbps uncontended Ethernet with a managed router and proactive fault monitoring. " +
					"Bandwidth can be raised to 1Gbps on the same bearer with a few days' notice.",
				MonthlyPence: 33000, OneOffPence: 95000, MouBP: 1250,
				Terms: []int{36, 60},
				Attributes: []Attribute{
					{"Download speed", "500Mbps"},
					{"Upload speed", "500Mbps"},
					{"Bearer", "1Gbps"},
					{"Contention", "Uncontended"},
					{"Service level (SLA)", "99.95% availability"},
					{"Fix time", "5 hours, 24/7"},
					{"Static IP", "8 included"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svApprentice, svLocalSME},
			},
			{
				Slug: "ethernet-1gbps-leased-line", Name: "Ethernet 1Gbps Leased Line",
				CategorySlug: ethernet, AgreementSlug: mou, Unit: "connection",
				Summary: "A dedicated, uncontended 1Gbps fibre leased line for headquarters and data-heavy sites.",
				Description: "Symmetric gigabit Ethernet over dedicated fibre with a 99.95% availability SLA and a 5-hour fix time. " +
					"Eligible for a free proof-of-value trial on a temporary circuit before you commit to a 36-month term.",
				MonthlyPence: 39500, OneOffPence: 120000, MouBP: 1575,
				Terms: []int{36, 60},
				Attributes: []Attribute{
					{"Download speed", "1Gbps"},
					{"Upload speed", "1Gbps"},
					{"Bearer", "1Gbps"},
					{"Contention", "Uncontended"},
					{"Service level (SLA)", "99.95% availability"},
					{"Fix time", "5 hours, 24/7"},
					{"Static IP", "16 included"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svApprentice, svLocalSME, svCarbon},
				PovTrial:    true,
			},
			{
				Slug: "ethernet-1gbps-resilient-leased-line", Name: "Ethernet 1Gbps Resilient Leased Line",
				CategorySlug: ethernet, AgreementSlug: mou, Unit: "connection",
				Summary: "Two diversely routed 1Gbps fibre circuits for sites that cannot go offline.",
				Description: "A primary and a standby gigabit Ethernet circuit on separate fibre routes into the building, with automatic failover. " +
					"Designed for contact centres, control rooms and data centres, with a 99.99% availability SLA.",
				MonthlyPence: 69000, OneOffPence: 250000, MouBP: 1575,
				Terms: []int{36, 60},
				Attributes: []Attribute{
					{"Download speed", "1Gbps"},
					{"Upload speed", "1Gbps"},
					{"Resilience", "Dual diverse fibre, automatic failover"},
					{"Contention", "Uncontended"},
					{"Service level (SLA)", "99.99% availability"},
					{"Fix time", "4 hours, 24/7"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svApprentice, svLocalSME},
			},
			{
				Slug: "ethernet-10gbps-leased-line", Name: "Ethernet 10Gbps Leased Line",
				CategorySlug: ethernet, AgreementSlug: mou, Unit: "connection",
				Summary: "A 10Gbps fibre leased line for data centres and shared-service hubs.",
				Description: "Symmetric 10Gbps uncontended Ethernet for data centre interconnects and hubs that serve many sites. " +
					"Includes a managed edge device, proactive monitoring and a named service manager.",
				MonthlyPence: 120000, OneOffPence: 350000, MouBP: 2000,
				Terms: []int{36, 60},
				Attributes: []Attribute{
					{"Download speed", "10Gbps"},
					{"Upload speed", "10Gbps"},
					{"Bearer", "10Gbps"},
					{"Contention", "Uncontended"},
					{"Service level (SLA)", "99.95% availability"},
					{"Fix time", "5 hours, 24/7"},
					{"Support hours", "24/7, named service manager"},
				},
				SocialValue: []string{svApprentice, svSkills, svLocalSME},
			},

			// --- SD-WAN (MoU) ---
			{
				Slug: "managed-sd-wan-branch", Name: "Managed SD-WAN Branch",
				CategorySlug: sdwan, AgreementSlug: mou, Unit: "site",
				Summary: "A fully managed SD-WAN edge for a branch office, over any broadband or Ethernet.",
				Description: "A managed SD-WAN appliance steers traffic across up to two internet links by application, with central policy and reporting. " +
					"Replaces ageing MPLS at a fraction of the cost; a free SD-WAN trial of up to five sites is available.",
				MonthlyPence: 14500, OneOffPence: 45000, MouBP: 1250,
				Terms: []int{24, 36, 60},
				Attributes: []Attribute{
					{"Appliance", "Managed SD-WAN edge, up to 500Mbps"},
					{"WAN links", "Up to 2 (fibre, Ethernet or 4G/5G)"},
					{"Security", "Next-generation firewall included"},
					{"Service level (SLA)", "99.9% availability"},
					{"Fix time", "Next business day hardware swap"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svSkills, svCarbon},
				PovTrial:    true,
				SdwanTrial:  true,
			},
			{
				Slug: "managed-sd-wan-hub", Name: "Managed SD-WAN Hub",
				CategorySlug: sdwan, AgreementSlug: mou, Unit: "site",
				Summary: "A high-capacity SD-WAN hub for a headquarters or data centre.",
				Description: "Two high-availability SD-WAN appliances terminate branch tunnels and connect them to the data centre and cloud. " +
					"Includes a customer portal with application performance reporting.",
				MonthlyPence: 42000, OneOffPence: 120000, MouBP: 1250,
				Terms: []int{36, 60},
				Attributes: []Attribute{
					{"Appliance", "High-availability pair, up to 5Gbps"},
					{"WAN links", "Up to 4"},
					{"Security", "Next-generation firewall included"},
					{"Service level (SLA)", "99.99% availability"},
					{"Fix time", "4 hours"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svSkills, svCarbon},
				SdwanTrial:  true,
			},
			{
				Slug: "managed-sd-wan-small-site-5g", Name: "Managed SD-WAN Small Site 5G",
				CategorySlug: sdwan, AgreementSlug: mou, Unit: "site",
				Summary: "An SD-WAN edge with built-in 5G for small sites and temporary offices.",
				Description: "A compact SD-WAN appliance with an integrated 5G modem and unlimited data SIM, for sites with no fixed line or as a backup link. " +
					"Centrally managed with the same policies as the rest of the estate.",
				MonthlyPence: 9500, OneOffPence: 25000, MouBP: 1100,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Appliance", "Compact SD-WAN edge with 5G modem"},
					{"WAN links", "5G plus 1 fixed"},
					{"Data allowance", "Unlimited"},
					{"Service level (SLA)", "99.5% availability"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svCarbon},
				SdwanTrial:  true,
			},
			{
				Slug: "sd-wan-secure-web-gateway-user", Name: "SD-WAN Secure Web Gateway (SASE) User",
				CategorySlug: sdwan, AgreementSlug: mou, Unit: "user",
				Summary: "Cloud security for SD-WAN users at home and on the move.",
				Description: "Secure access service edge (SASE) add-on that applies web filtering, zero-trust network access and data loss prevention to every user. " +
					"Works with Managed SD-WAN Branch and Hub policies.",
				MonthlyPence: 650, OneOffPence: 0, MouBP: 800,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Security", "Web filtering, ZTNA, DLP"},
					{"Service level (SLA)", "99.99% availability"},
					{"Coverage", "UK and EU points of presence"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svSkills},
			},

			// --- Unified communications (MoU) ---
			{
				Slug: "cloud-phone-system-user", Name: "Cloud Phone System User",
				CategorySlug: uc, AgreementSlug: mou, Unit: "user",
				Summary: "A hosted phone line per user with unlimited UK calls, desk and mobile apps.",
				Description: "A cloud telephone system that replaces on-site PBXs, with a number per user, call queues, hunt groups and voicemail to email. " +
					"Works on desk phones, softphones and the mobile app; a free proof-of-value trial is available.",
				MonthlyPence: 1100, OneOffPence: 0, MouBP: 1250,
				Terms: []int{1, 12, 36},
				Attributes: []Attribute{
					{"Calls", "Unlimited UK landline and mobile"},
					{"Features", "Call queues, hunt groups, call recording"},
					{"Integrations", "Microsoft Teams, Salesforce"},
					{"Service level (SLA)", "99.99% availability"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svSkills, svCarbon},
				PovTrial:    true,
			},
			{
				Slug: "microsoft-teams-phone-calling-plan", Name: "Microsoft Teams Phone Calling Plan",
				CategorySlug: uc, AgreementSlug: mou, Unit: "user",
				Summary: "Make and receive external calls in Microsoft Teams with a UK number.",
				Description: "Direct Routing for Microsoft Teams Phone with unlimited UK calls and number porting from your current provider. " +
					"Requires a Teams Phone licence, which is not included.",
				MonthlyPence: 750, OneOffPence: 0, MouBP: 1000,
				Terms: []int{1, 12, 36},
				Attributes: []Attribute{
					{"Calls", "Unlimited UK landline and mobile"},
					{"Features", "Direct Routing, number porting"},
					{"Integrations", "Microsoft Teams"},
					{"Service level (SLA)", "99.99% availability"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svSkills},
			},
			{
				Slug: "contact-centre-agent", Name: "Contact Centre Agent",
				CategorySlug: uc, AgreementSlug: mou, Unit: "user",
				Summary: "A cloud contact centre seat with call, web chat and email handling.",
				Description: "An omnichannel contact centre seat with skills-based routing, call recording, wallboards and after-call surveys. " +
					"Suits council customer service centres and housing repairs lines.",
				MonthlyPence: 4500, OneOffPence: 15000, MouBP: 1575,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Channels", "Voice, web chat, email, SMS"},
					{"Features", "Skills-based routing, recording, wallboards"},
					{"Integrations", "Microsoft Dynamics, Salesforce"},
					{"Service level (SLA)", "99.95% availability"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svSkills, svApprentice},
			},
			{
				Slug: "sip-trunk-channel", Name: "SIP Trunk Channel",
				CategorySlug: uc, AgreementSlug: mou, Unit: "connection",
				Summary: "One concurrent call channel to connect an existing phone system to the cloud.",
				Description: "SIP trunks replace ISDN lines ahead of the PSTN switch-off, keeping your existing numbers. " +
					"Each channel carries one call; buy as many as your busiest hour needs.",
				MonthlyPence: 600, OneOffPence: 0, MouBP: 500,
				Terms: []int{1, 12, 36},
				Attributes: []Attribute{
					{"Calls", "Unlimited UK landline and mobile"},
					{"Features", "Number porting, failover to mobile"},
					{"Service level (SLA)", "99.95% availability"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svCarbon},
			},

			// --- Fictional Fibre Co (demo) ---
			{
				Slug: "ffc-full-fibre-300", Name: "Full Fibre 300",
				CategorySlug: broadband, AgreementSlug: ffc, Unit: "connection",
				Summary: "Symmetric 300Mbps full fibre broadband from an alternative network (demo).",
				Description: "Fictional Fibre Co's own full fibre network delivers symmetric 300Mbps with a static IP address. " +
					"This is a made-up demo product to show comparison between agreements.",
				MonthlyPence: 4200, OneOffPence: 0, MouBP: 900,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Download speed", "300Mbps"},
					{"Upload speed", "300Mbps"},
					{"Technology", "Full fibre (FTTP)"},
					{"Static IP", "1 included"},
					{"Contention", "Contended"},
					{"Fix time", "Next working day"},
					{"Support hours", "Monday to Friday 8am to 6pm"},
				},
				SocialValue: []string{svLocalSME},
			},
			{
				Slug: "ffc-full-fibre-1000", Name: "Full Fibre 1000",
				CategorySlug: broadband, AgreementSlug: ffc, Unit: "connection",
				Summary: "Symmetric gigabit full fibre broadband (demo).",
				Description: "Symmetric 1Gbps full fibre with a Wi-Fi 7 router and 5 static IP addresses. " +
					"A made-up demo product: Fictional Fibre Co does not exist.",
				MonthlyPence: 6900, OneOffPence: 0, MouBP: 900,
				Terms: []int{12, 24, 36},
				Attributes: []Attribute{
					{"Download speed", "1Gbps"},
					{"Upload speed", "1Gbps"},
					{"Technology", "Full fibre (FTTP)"},
					{"Static IP", "5 included"},
					{"Contention", "Contended"},
					{"Fix time", "Next working day"},
					{"Support hours", "Monday to Friday 8am to 6pm"},
				},
				SocialValue: []string{svLocalSME, svRural},
			},
			{
				Slug: "ffc-rural-full-fibre-100", Name: "Rural Full Fibre 100",
				CategorySlug: broadband, AgreementSlug: ffc, Unit: "connection",
				Summary: "Full fibre at 100Mbps for village halls, rural schools and libraries (demo).",
				Description: "Full fibre built to rural public buildings with a one-off contribution towards the build. " +
					"A made-up demo product to show one-off installation charges.",
				MonthlyPence: 4500, OneOffPence: 25000, MouBP: 575,
				Terms: []int{36, 60},
				Attributes: []Attribute{
					{"Download speed", "100Mbps"},
					{"Upload speed", "100Mbps"},
					{"Technology", "Full fibre (FTTP)"},
					{"Coverage", "Rural areas in the demo region"},
					{"Fix time", "Next working day"},
				},
				SocialValue: []string{svRural, svLocalSME},
			},
			{
				Slug: "ffc-ethernet-100mbps-leased-line", Name: "Ethernet 100Mbps Leased Line",
				CategorySlug: ethernet, AgreementSlug: ffc, Unit: "connection",
				Summary: "An uncontended 100Mbps fibre leased line on Fictional Fibre Co's network (demo).",
				Description: "Symmetric 100Mbps Ethernet over dedicated fibre with a 7-hour fix time. " +
					"A made-up demo product to compare with the MoU's leased lines.",
				MonthlyPence: 23000, OneOffPence: 50000, MouBP: 800,
				Terms: []int{36, 60},
				Attributes: []Attribute{
					{"Download speed", "100Mbps"},
					{"Upload speed", "100Mbps"},
					{"Contention", "Uncontended"},
					{"Service level (SLA)", "99.9% availability"},
					{"Fix time", "7 hours"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svLocalSME},
			},
			{
				Slug: "ffc-ethernet-1gbps-leased-line", Name: "Ethernet 1Gbps Leased Line",
				CategorySlug: ethernet, AgreementSlug: ffc, Unit: "connection",
				Summary: "An uncontended gigabit fibre leased line on Fictional Fibre Co's network (demo).",
				Description: "Symmetric 1Gbps Ethernet with a managed router and a proof-of-value trial on request. " +
					"A made-up demo product: compare its price and fix time with the MoU equivalent.",
				MonthlyPence: 36500, OneOffPence: 75000, MouBP: 825,
				Terms: []int{36, 60},
				Attributes: []Attribute{
					{"Download speed", "1Gbps"},
					{"Upload speed", "1Gbps"},
					{"Contention", "Uncontended"},
					{"Service level (SLA)", "99.9% availability"},
					{"Fix time", "7 hours"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svLocalSME, svRural},
				PovTrial:    true,
			},
			{
				Slug: "ffc-ethernet-10gbps-leased-line", Name: "Ethernet 10Gbps Leased Line",
				CategorySlug: ethernet, AgreementSlug: ffc, Unit: "connection",
				Summary: "A 10Gbps fibre leased line for data centre links (demo).",
				Description: "Symmetric 10Gbps uncontended Ethernet between two points on the Fictional Fibre Co network. " +
					"A made-up demo product.",
				MonthlyPence: 115000, OneOffPence: 300000, MouBP: 1000,
				Terms: []int{36, 60},
				Attributes: []Attribute{
					{"Download speed", "10Gbps"},
					{"Upload speed", "10Gbps"},
					{"Contention", "Uncontended"},
					{"Service level (SLA)", "99.95% availability"},
					{"Fix time", "6 hours"},
					{"Support hours", "24/7"},
				},
				SocialValue: []string{svLocalSME, svVolunteer},
			},
			{
				Slug: "ffc-managed-sd-wan-branch", Name: "Managed SD-WAN Branch",
				CategorySlug: sdwan, AgreementSlug: ffc, Unit: "site",
				Summary: "A managed SD-WAN edge for branch sites, with a free SD-WAN trial (demo).",
				Description: "An SD-WAN appliance that balances traffic across fibre and 4G links with central policy. " +
					"A made-up demo product to compare with the MoU's SD-WAN service.",
				MonthlyPence: 13500, OneOffPence: 30000, MouBP: 700,
				Terms: []int{36, 60},
				Attributes: []Attribute{
					{"Appliance", "Managed SD-WAN edge, up to 300Mbps"},
					{"WAN links", "Up to 2"},
					{"Security", "Stateful firewall"},
					{"Service level (SLA)", "99.9% availability"},
					{"Support hours", "Monday to Saturday 7am to 7pm"},
				},
				SocialValue: []string{svVolunteer},
				SdwanTrial:  true,
			},
			{
				Slug: "ffc-co-managed-sd-wan-site", Name: "Co-managed SD-WAN Site",
				CategorySlug: sdwan, AgreementSlug: ffc, Unit: "site",
				Summary: "An SD-WAN edge your own IT team configures, with supplier monitoring (demo).",
				Description: "Your network team keeps control of policy while Fictional Fibre Co monitors the appliances and replaces faulty ones. " +
					"A made-up demo product.",
				MonthlyPence: 9900, OneOffPence: 30000, MouBP: 700,
				Terms: []int{12, 36},
				Attributes: []Attribute{
					{"Appliance", "SD-WAN edge, up to 300Mbps"},
					{"WAN links", "Up to 2"},
					{"Service level (SLA)", "99.5% availability"},
					{"Support hours", "Monday to Friday 8am to 6pm"},
				},
				SocialValue: []string{svVolunteer},
				SdwanTrial:  true,
			},
			{
				Slug: "ffc-data-sim-20gb", Name: "Data-only SIM 20GB",
				CategorySlug: dataSIM, AgreementSlug: ffc, Unit: "SIM",
				Summary: "20GB of 4G data a month on a partner network (demo).",
				Description: "Fictional Fibre Co resells mobile data on a partner network for backup routers and tablets. " +
					"A made-up demo product.",
				MonthlyPence: 900, OneOffPence: 0, MouBP: 600,
				Terms: []int{1, 12},
				Attributes: []Attribute{
					{"Data allowance", "20GB a month"},
					{"Network", "Partner network (demo)"},
					{"5G", "No (4G)"},
					{"Roaming", "Not included"},
				},
				SocialValue: []string{svRural},
			},
			{
				Slug: "ffc-iot-sim-10mb", Name: "IoT SIM 10MB",
				CategorySlug: iot, AgreementSlug: ffc, Unit: "SIM",
				Summary: "A 10MB IoT SIM for sensors and meters (demo).",
				Description: "A low-data IoT SIM for telemetry, pooled across the organisation. " +
					"A made-up demo product to compare with the MoU's IoT SIMs.",
				MonthlyPence: 295, OneOffPence: 0, MouBP: 500,
				Terms: []int{1, 12, 24},
				Attributes: []Attribute{
					{"Data allowance", "10MB a month, pooled"},
					{"Network technology", "4G and LTE-M"},
					{"Coverage", "UK single network"},
					{"Static IP", "No"},
				},
				SocialValue: []string{svRural},
			},
			{
				Slug: "ffc-hosted-voice-user", Name: "Hosted Voice User",
				CategorySlug: uc, AgreementSlug: ffc, Unit: "user",
				Summary: "A hosted phone line per user with 3,000 UK minutes (demo).",
				Description: "A cloud phone line with a desk phone, mobile app and voicemail to email. " +
					"A made-up demo product to compare with the MoU's Cloud Phone System.",
				MonthlyPence: 975, OneOffPence: 4500, MouBP: 650,
				Terms: []int{12, 36},
				Attributes: []Attribute{
					{"Calls", "3,000 UK minutes"},
					{"Features", "Hunt groups, voicemail to email"},
					{"Service level (SLA)", "99.9% availability"},
					{"Support hours", "Monday to Friday 8am to 6pm"},
				},
				SocialValue: []string{svVolunteer},
			},
			{
				Slug: "ffc-sip-trunk-channel", Name: "SIP Trunk Channel",
				CategorySlug: uc, AgreementSlug: ffc, Unit: "connection",
				Summary: "One concurrent SIP call channel for an existing phone system (demo).",
				Description: "SIP trunking over a Fictional Fibre Co fibre connection, keeping your existing numbers. " +
					"A made-up demo product.",
				MonthlyPence: 550, OneOffPence: 0, MouBP: 500,
				Terms: []int{1, 12, 36},
				Attributes: []Attribute{
					{"Calls", "Unlimited UK landline"},
					{"Features", "Number porting"},
					{"Service level (SLA)", "99.9% availability"},
					{"Support hours", "Monday to Friday 8am to 6pm"},
				},
				SocialValue: []string{svLocalSME},
			},
		},
	}
}
