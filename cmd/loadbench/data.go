package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"portal/store"
)

// dataVersion changes when the way loadbench builds its databases does.
const dataVersion = 1

// seedValue is the random seed for synthetic offerings, as `portal seed` uses.
const seedValue = 1

// catalogueDB returns the path of a fresh copy, in dir, of a database with
// the demo catalogue plus n synthetic offerings (what `portal serve -demo`
// then `portal seed -offerings n` give). Built databases are kept in
// cacheDir under a name that changes whenever the schema, the demo
// catalogue or the synthetic generator does, so repeated runs skip seeding.
func catalogueDB(ctx context.Context, cacheDir, dir string, n int, logf func(string, ...any)) (string, error) {
	fp, err := dataFingerprint(ctx, dir)
	if err != nil {
		return "", fmt.Errorf("fingerprint the catalogue: %w", err)
	}
	cached := ""
	if cacheDir != "" {
		if err := os.MkdirAll(cacheDir, 0o700); err != nil {
			return "", err
		}
		cached = filepath.Join(cacheDir, fmt.Sprintf("catalogue-%d-%s.db", n, fp))
	}
	work := filepath.Join(dir, fmt.Sprintf("catalogue-%d.db", n))
	if cached != "" {
		if err := copyFile(cached, work); err == nil {
			logf("using cached %d-offering database %s", n, cached)
			return work, nil
		} else if !os.IsNotExist(err) {
			return "", err
		}
	}
	logf("building a database with the demo catalogue and %d synthetic offerings (cached for later runs)...", n)
	start := time.Now()
	tmp := work + ".building"
	if err := buildCatalogue(ctx, tmp, n); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, work); err != nil {
		return "", err
	}
	logf("built in %s", time.Since(start).Round(100*time.Millisecond))
	if cached != "" {
		// Copy then rename, so a concurrent or interrupted run never sees half a file.
		part := fmt.Sprintf("%s.%d.part", cached, os.Getpid())
		if err := copyFile(work, part); err != nil {
			return "", err
		}
		if err := os.Rename(part, cached); err != nil {
			return "", err
		}
		// Databases for an older schema or generator are of no more use.
		old, _ := filepath.Glob(filepath.Join(cacheDir, fmt.Sprintf("catalogue-%d-*.db", n)))
		for _, f := range old {
			if f != cached {
				os.Remove(f)
			}
		}
	}
	return work, nil
}

func buildCatalogue(ctx context.Context, path string, n int) error {
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	if _, err := db.LoadDemo(ctx, demoPassword); err != nil {
		db.Close()
		return fmt.Errorf("load demo catalogue: %w", err)
	}
	if _, err := db.SeedOfferings(ctx, n, seedValue); err != nil {
		db.Close()
		return fmt.Errorf("seed offerings: %w", err)
	}
	return db.Close() // checkpoints the WAL into the main file
}

// fingerprintData builds the scratch database at path and hashes its catalogue.
func fingerprintData(ctx context.Context, path string, h io.Writer) error {
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.LoadDemo(ctx, demoPassword); err != nil {
		return err
	}
	if _, err := db.SeedOfferings(ctx, 50, seedValue); err != nil {
		return err
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	res, err := db.SearchOfferings(ctx, store.SearchParams{MaxMonthly: -1, Sort: store.SortName, PerPage: -1})
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "loadbench data v%d schema v%d\n", dataVersion, v)
	for _, o := range res.Offerings {
		fmt.Fprintf(h, "%+v\n", []any{o.ID, o.Slug, o.Name, o.Category.Slug, o.Supplier.Slug, o.Agreement.Slug, o.Unit,
			o.Summary, o.Description, o.MonthlyPence, o.OneOffPence, o.MouBP, o.Terms, o.Attributes, o.SocialValue,
			o.PovTrial, o.SdwanTrial, o.Active})
	}
	return nil
}

// dataFingerprint identifies what catalogueDB would build: the schema
// version and every field of the demo catalogue plus a few synthetic
// offerings, built in a scratch database.
func dataFingerprint(ctx context.Context, dir string) (string, error) {
	path := filepath.Join(dir, "fingerprint.db")
	defer removeDB(path)
	h := sha256.New()
	if err := fingerprintData(ctx, path, h); err != nil {
		return "", err
	}
	// The schema itself (migrations are sometimes edited in place).
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return "", err
	}
	defer raw.Close()
	rows, err := raw.QueryContext(ctx, "SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&typ, &name, &text); err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %s %s\n", typ, name, text)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(to)
		return err
	}
	return out.Close()
}
