package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"portal/store"
)

// cmdImport is `portal import -supplier SLUG [-dry-run] FILE.csv`
// (PRODUCT.md §10): the same checks as the web upload, in a read
// transaction; then, unless -dry-run, one short write transaction. A server
// using the same database sees the change through the catalogue version.
// Exit 0 when the file is valid (and applied), 1 with one line per error.
func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dbPath := newFlags("import", stderr)
	supplier := fs.String("supplier", "", "slug of the supplier whose price list this is")
	dryRun := fs.Bool("dry-run", false, "check the file and report what would change, changing nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *supplier == "" || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "portal import: give -supplier SLUG and one FILE.csv (flags before the file)")
		fs.Usage()
		return flag.ErrHelp
	}
	file := fs.Arg(0)
	body, err := readPriceList(file)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", file, err)
		return exitCode(1)
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	plan, err := db.ImportPriceList(ctx, *supplier, body, *dryRun)
	if code := store.ErrorCode(err); code == store.ENOTFOUND {
		fmt.Fprintf(stderr, "portal import: %s\n", store.ErrorMessage(err))
		return exitCode(1)
	} else if err != nil {
		return err
	}
	if !plan.Valid() {
		name := filepath.Base(file)
		for _, e := range plan.ErrorLines() {
			fmt.Fprintf(stderr, "%s: %s\n", name, e)
		}
		fmt.Fprintf(stderr, "%d errors: nothing was changed\n", len(plan.Errors))
		return exitCode(1)
	}
	for _, r := range plan.Rows {
		fmt.Fprintf(stdout, "line %d: %s %s\n", r.Line, r.Kind, r.Slug)
		for _, c := range r.Changes {
			when := ""
			if !c.EffectiveOn.IsZero() {
				when = " from " + c.EffectiveOn.Format(time.DateOnly)
			}
			fmt.Fprintf(stdout, "  %s: %q → %q%s\n", c.Field, c.Old, c.New, when)
		}
	}
	created, changed, withdrawn := plan.Counts()
	verb := "applied"
	if *dryRun {
		verb = "dry run, nothing changed"
	}
	fmt.Fprintf(stdout, "%s: %d created, %d changed, %d withdrawn, %d unchanged (%s) in %s\n",
		filepath.Base(file), created, changed, withdrawn, plan.Unchanged, verb, time.Since(start).Round(time.Millisecond))
	return nil
}

// readPriceList reads the file, refusing one over the size limit without
// reading it all.
func readPriceList(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, store.MaxPriceListBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > store.MaxPriceListBytes {
		return nil, fmt.Errorf("the file is larger than %d MB: split it into smaller price lists", store.MaxPriceListBytes>>20)
	}
	return body, nil
}
