package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// priceList10k is a price list of n offerings for the demo MoU supplier,
// every monthly price set to monthly.
func priceList(n int, monthly int64) []byte {
	var b strings.Builder
	b.WriteString(strings.Join(PriceListColumns, ",") + "\n")
	for i := range n {
		fmt.Fprintf(&b, "bench-sim-%05d,Bench SIM %05d,%s,%s,data-only-sim,SIM,%d,0,1000,12|24|36,false,false\n",
			i, i, DemoSupplierVMO2B, DemoAgreementMoU, monthly+int64(i%7))
	}
	return []byte(b.String())
}

// BenchmarkImport10000Rows checks and applies a 10 000-row price list that
// changes every row's price (the first round creates them), reporting the
// check (read transaction: parse, cell checks, plan), the apply (all of
// ApplyImport) and, within the apply, the write transaction alone (begin to
// commit: how long other writers wait). ApplyImport is buildApply (the rows
// to write, worked out before the transaction) then that transaction, as
// timed here. Targets: check and apply together under 10 s, the write
// transaction under 1 s.
func BenchmarkImport10000Rows(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.LoadCatalogue(ctx, DemoCatalogue()); err != nil {
		b.Fatal(err)
	}
	var id int64
	if err := db.r.QueryRow("SELECT id FROM suppliers WHERE slug = ?", DemoSupplierVMO2B).Scan(&id); err != nil {
		b.Fatal(err)
	}
	if plan, err := db.ImportPriceList(ctx, DemoSupplierVMO2B, priceList(10000, 1000), false); err != nil || !plan.Valid() {
		b.Fatal(err, plan.ErrorLines())
	}
	var check, apply, write time.Duration
	round := int64(0)
	for b.Loop() {
		round++
		body := priceList(10000, 1000+round*10)
		start := time.Now()
		plan, err := db.PlanImport(ctx, id, body)
		if err != nil || !plan.Valid() || len(plan.Rows) != 10000 {
			b.Fatalf("plan: %v %d rows %v", err, len(plan.Rows), plan.ErrorLines())
		}
		mid := time.Now()
		batch, err := buildApply(Actor{Name: "bench"}, plan, ActionImportOffering, db.Now())
		if err != nil {
			b.Fatal(err)
		}
		built := time.Now()
		if err := db.write(ctx, func(tx *sql.Tx) error { return batch.run(ctx, tx) }); err != nil {
			b.Fatal(err)
		}
		check += mid.Sub(start)
		apply += time.Since(mid)
		write += time.Since(built)
	}
	var got int64
	if err := db.r.QueryRow("SELECT monthly_pence FROM offerings WHERE slug = 'bench-sim-00008'").Scan(&got); err != nil || got != 1000+round*10+1 {
		b.Fatalf("bench-sim-00008 costs %d after round %d: %v", got, round, err)
	}
	b.ReportMetric(float64(check.Milliseconds())/float64(b.N), "check-ms/op")
	b.ReportMetric(float64(apply.Milliseconds())/float64(b.N), "apply-ms/op")
	b.ReportMetric(float64(write.Milliseconds())/float64(b.N), "write-tx-ms/op")
}
