package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portal/store"
)

const importHeader = "slug,name,supplier,agreement,category,unit,monthly_pence,one_off_pence,mou_discount_bp,term_options,pov_trial,sdwan_trial"

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImportCommand(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	bad := writeFile(t, "prices.csv", importHeader+"\n"+
		"business-4g-sim-10gb,Business 4G SIM 10GB,virgin-media-o2-business,vmo2b-mou,mobile-voice-data,SIM,-5,0,1000,1|12|24,false,false\n"+
		"new-sim,New SIM,virgin-media-o2-business,vmo2b-mou,mobile-voice-data,SIM,500,0,10001,12,false,false\n")
	_, stderr, err := runCLI("import", "-db", db, "-supplier", store.DemoSupplierVMO2B, bad)
	if code, ok := err.(exitCode); !ok || code != 1 {
		t.Fatalf("bad file: %v", err)
	}
	want := "prices.csv: line 2, column monthly_pence: monthly_pence must not be negative\n" +
		"prices.csv: line 3, column mou_discount_bp: mou_discount_bp must be from 0 to 10000 basis points (100%)\n" +
		"2 errors: nothing was changed\n"
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}

	good := writeFile(t, "good.csv", importHeader+"\n"+
		"business-4g-sim-10gb,Business 4G SIM 10GB,virgin-media-o2-business,vmo2b-mou,mobile-voice-data,SIM,875,0,1000,1|12|24,false,false\n")
	stdout, _, err := runCLI("import", "-db", db, "-supplier", store.DemoSupplierVMO2B, "-dry-run", good)
	if err != nil || !strings.Contains(stdout, `monthly_pence: "950" → "875"`) || !strings.Contains(stdout, "dry run, nothing changed") {
		t.Fatalf("dry run: %v\n%s", err, stdout)
	}
	if o := offeringIn(t, db, "business-4g-sim-10gb"); o.MonthlyPence != 950 {
		t.Fatalf("the dry run changed the price to %d", o.MonthlyPence)
	}

	// Against a live server: it sees the import at its next version check.
	p := startPortal(t, withDB(db))
	if _, err := p.db.Offering(context.Background(), "business-4g-sim-10gb"); err != nil {
		t.Fatal(err)
	}
	before := p.db.Versions()[store.DataCatalogue]
	if stdout, stderr, err := runCLI("import", "-db", db, "-supplier", store.DemoSupplierVMO2B, good); err != nil {
		t.Fatalf("import: %v\n%s%s", err, stdout, stderr)
	}
	if err := p.db.RefreshVersions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := p.db.Versions()[store.DataCatalogue]; after <= before {
		t.Fatalf("the server's catalogue version stayed %d", after)
	}
	_, body := httpGet(t, p.url+"/offerings/business-4g-sim-10gb")
	if !strings.Contains(string(body), "£8.75") {
		t.Errorf("the offering page does not show the imported price £8.75")
	}

	if _, stderr, err := runCLI("import", "-db", db, "-supplier", "nobody", good); err == nil || !strings.Contains(stderr, `no supplier "nobody"`) {
		t.Errorf("unknown supplier: %v %s", err, stderr)
	}
	if _, _, err := runCLI("import", "-db", db, good); err == nil {
		t.Errorf("no -supplier accepted")
	}
}

func offeringIn(t *testing.T, path, slug string) store.Offering {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o, err := db.Offering(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
