package store

import (
	"context"
	"database/sql"
	"time"
)

// DemoPasswordDefault is the demo accounts' password when PORTAL_DEMO_PASSWORD
// is not set. It is for demo data only.
const DemoPasswordDefault = "portal-demo-pass"

// DemoAccounts lists the demo sign-ins (PRODUCT.md §9) for the start-up banner.
var DemoAccounts = []struct{ Email, Role, Org string }{
	{"buyer@northshire.example", RoleBuyer, "Northshire County Council"},
	{"buyer@eastbridge.example", RoleBuyer, "Eastbridge Borough Council"},
	{"reviewer@ccs.example", RoleReviewer, "Crown Commercial Service"},
	{"reviewer2@ccs.example", RoleReviewer, "Crown Commercial Service"},
	{"catalogue@vmo2b.example", RoleSupplier, "Virgin Media O2 Business"},
	{"admin@portal.example", RoleAdmin, "Crown Commercial Service"},
}

// demoOrganisations are the demo organisations; identifiers are made up in the
// style of local-authority codes and GB-PPON / Companies House ids.
var demoOrganisations = []NewOrganisation{
	{Name: "Northshire County Council", Type: OrgCountyCouncil, Identifier: "GB-LAC-E10000099"},
	{Name: "Eastbridge Borough Council", Type: OrgDistrictCouncil, Identifier: "GB-LAC-E07000999"},
	{Name: "Crown Commercial Service", Type: OrgCCS, Identifier: "GB-GOR-PB1126"},
	{Name: "Virgin Media O2 Business", Type: OrgSupplier, Identifier: "GB-COH-00000000"},
}

var demoNames = map[string]string{
	"buyer@northshire.example": "Nadia Shah",
	"buyer@eastbridge.example": "Ed Bridges",
	"reviewer@ccs.example":     "Rhiannon Evans",
	"reviewer2@ccs.example":    "Ravi Patel",
	"catalogue@vmo2b.example":  "Callum Moore",
	"admin@portal.example":     "Ada Admin",
}

// loadDemoAccounts creates the demo organisations and accounts in tx, all with
// the same already computed password hash. The catalogue (and so the supplier
// virgin-media-o2-business) must already be loaded in tx.
func loadDemoAccounts(ctx context.Context, tx *sql.Tx, passwordHash string) error {
	now := time.Now()
	orgs := map[string]int64{}
	for _, n := range demoOrganisations {
		o, err := createOrganisation(ctx, tx, n, now)
		if err != nil {
			return err
		}
		orgs[o.Name] = o.ID
	}
	for _, a := range DemoAccounts {
		n := NewUser{Name: demoNames[a.Email], Email: a.Email, OrgID: orgs[a.Org], Role: a.Role}
		if a.Role == RoleSupplier {
			n.SupplierSlug = DemoSupplierVMO2B
		}
		if _, err := createUser(ctx, tx, n, passwordHash, now); err != nil {
			return err
		}
	}
	return nil
}
