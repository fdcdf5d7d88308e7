package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"portal/store"
)

// exitCode is an error that sets the exit status; the command has already
// said why.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// cmdCheck runs `portal check`: exit 0 when the database passes, 1 on any
// finding (each printed on a line of its own).
func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dbPath := newFlags("check", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rep, err := store.CheckFile(ctx, *dbPath)
	if err != nil {
		return err
	}
	printCheck(stdout, *dbPath, rep)
	if !rep.OK() {
		return exitCode(1)
	}
	return nil
}

// printCheck says what a check found.
func printCheck(w io.Writer, path string, rep store.CheckReport) {
	for _, f := range rep.Findings {
		fmt.Fprintf(w, "FAIL %s\n", f)
	}
	if rep.OK() {
		fmt.Fprintf(w, "ok   %s: schema version %d, SQLite integrity and foreign keys, %d issued quote versions recomputed from their snapshots\n",
			path, rep.SchemaVersion, rep.Quotes)
	} else {
		fmt.Fprintf(w, "%s: %d problem(s) found\n", path, len(rep.Findings))
	}
}

// cmdRestore runs `portal restore -from FILE`.
func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dbPath := newFlags("restore", stderr)
	from := fs.String("from", "", "backup file to restore (made by portal backup, or litestream restore)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" {
		fmt.Fprintln(stderr, "portal restore: -from FILE is required")
		fs.Usage()
		return flag.ErrHelp
	}
	res, err := store.Restore(ctx, *from, *dbPath, time.Now())
	switch {
	case errors.Is(err, store.ErrLocked):
		fmt.Fprintf(stderr, "portal restore: refused: %v\nStop the server first; nothing was changed.\n", err)
		return exitCode(1)
	case errors.Is(err, store.ErrBackupFails):
		printCheck(stdout, *from, res.Check)
		fmt.Fprintf(stderr, "portal restore: refused: %s does not pass the check; nothing was changed.\n", *from)
		return exitCode(1)
	case err != nil:
		return err
	}
	printCheck(stdout, *from, res.Check)
	fmt.Fprintf(stdout, "restored %s to %s\n", *from, *dbPath)
	if res.Aside != "" {
		fmt.Fprintf(stdout, "the database it replaced is kept as %s\n", res.Aside)
	}
	return nil
}
