package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"portal/store"
)

const userUsage = `Usage:
  portal user add -email EMAIL -name NAME -org ORGANISATION -role buyer|reviewer|supplier|admin
                  [-supplier SLUG] [-org-type TYPE] [-db PATH]
  portal user passwd  -email EMAIL [-db PATH]
  portal user disable -email EMAIL [-db PATH]
  portal keys rotate [-db PATH]

The password is read from the terminal without echo, or from the first line of
standard input when it is not a terminal; never from the command line.
-org-type creates the organisation when it does not exist yet; types are
county_council, district_council, unitary_authority, nhs_body,
central_government, ccs, supplier, other.
`

// cmdUser runs `portal user add|passwd|disable`.
func cmdUser(args []string) error {
	return runUser(context.Background(), args, os.Stdin, os.Stdout, os.Stderr)
}

// cmdKeys runs `portal keys rotate`.
func cmdKeys(args []string) error {
	return runKeys(context.Background(), args, os.Stdout, os.Stderr)
}

func userFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("portal "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage of portal %s:\n", name)
		fs.PrintDefaults()
		fmt.Fprint(stderr, "\n"+userUsage)
	}
	return fs, fs.String("db", "data/portal.db", "database file")
}

// usageError prints why and the usage, and returns flag.ErrHelp.
func usageError(fs *flag.FlagSet, stderr io.Writer, format string, args ...any) error {
	fmt.Fprintf(stderr, fs.Name()+": "+format+"\n", args...)
	fs.Usage()
	return flag.ErrHelp
}

func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "add":
		return userAdd(ctx, args[1:], stdin, stdout, stderr)
	case "passwd":
		return userPasswd(ctx, args[1:], stdin, stdout, stderr)
	case "disable":
		return userDisable(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, userUsage)
		return nil
	}
	fmt.Fprintf(stderr, "portal user: unknown command %q\n\n%s", args[0], userUsage)
	return flag.ErrHelp
}

func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dbPath := userFlags("user add", stderr)
	email := fs.String("email", "", "email address they sign in with")
	name := fs.String("name", "", "full name")
	orgName := fs.String("org", "", "organisation name (as on the admin page)")
	role := fs.String("role", "", "buyer, reviewer, supplier or admin")
	supplier := fs.String("supplier", "", "supplier slug, for supplier users")
	orgType := fs.String("org-type", "", "create the organisation with this type if it does not exist")
	orgID := fs.String("org-identifier", "", "with -org-type: the new organisation's unique identifier, such as GB-LAC-E10000014")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, stderr, "unexpected argument %q (the password is never given on the command line)", fs.Arg(0))
	}
	for _, f := range []struct{ name, v string }{{"email", *email}, {"name", *name}, {"org", *orgName}, {"role", *role}} {
		if strings.TrimSpace(f.v) == "" {
			return usageError(fs, stderr, "-%s is required", f.name)
		}
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	op := store.Operator()
	org, err := db.OrganisationByName(ctx, *orgName)
	if store.ErrorCode(err) == store.ENOTFOUND && *orgType != "" {
		org, err = db.CreateOrganisation(ctx, op, store.NewOrganisation{Name: *orgName, Type: *orgType, Identifier: *orgID})
		if err == nil {
			fmt.Fprintf(stdout, "created organisation %s (%s)\n", org.Name, org.TypeLabel())
		}
	} else if store.ErrorCode(err) == store.ENOTFOUND {
		return fmt.Errorf("no organisation is called %q; add -org-type TYPE to create it", *orgName)
	}
	if err != nil {
		return userError(err)
	}
	password, err := readPassword(stdin, stderr, true)
	if err != nil {
		return err
	}
	u, err := db.CreateUser(ctx, op, store.NewUser{Name: *name, Email: *email, OrgID: org.ID, Role: *role, SupplierSlug: *supplier, Password: password})
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(stdout, "added %s %s (%s) to %s\n", store.RoleLabel(u.Role), u.Email, u.Name, u.OrgName)
	return nil
}

func userPasswd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dbPath := userFlags("user passwd", stderr)
	email := fs.String("email", "", "email address of the account")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, stderr, "unexpected argument %q (the password is never given on the command line)", fs.Arg(0))
	}
	if *email == "" {
		return usageError(fs, stderr, "-email is required")
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.UserByEmail(ctx, store.Operator(), *email); err != nil {
		return userError(err)
	}
	password, err := readPassword(stdin, stderr, true)
	if err != nil {
		return err
	}
	if err := db.SetPassword(ctx, store.Operator(), *email, password); err != nil {
		return userError(err)
	}
	fmt.Fprintf(stdout, "changed the password of %s; they have been signed out everywhere\n", store.NormaliseEmail(*email))
	return nil
}

func userDisable(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dbPath := userFlags("user disable", stderr)
	email := fs.String("email", "", "email address of the account")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" || fs.NArg() > 0 {
		return usageError(fs, stderr, "-email is required, and nothing else")
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, store.Operator(), *email)
	if err != nil {
		return userError(err)
	}
	if _, err := db.SetUserActive(ctx, store.Operator(), u.ID, false); err != nil {
		return userError(err)
	}
	fmt.Fprintf(stdout, "disabled %s; they have been signed out\n", u.Email)
	return nil
}

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprint(stderr, userUsage)
		return flag.ErrHelp
	}
	fs, dbPath := userFlags("keys rotate", stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, stderr, "unexpected argument %q", fs.Arg(0))
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RotateKeys(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "rotated the session signing key; cookies signed with the previous key stay valid until the next rotation,")
	fmt.Fprintln(stdout, "and a running server starts signing with the new key within 5 minutes or at restart")
	return nil
}

// userError turns a domain error into one readable line per invalid field.
func userError(err error) error {
	if fields := store.ErrorFields(err); len(fields) > 0 {
		var b strings.Builder
		for i, f := range fields {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s: %s", f.Field, f.Message)
		}
		return errors.New(b.String())
	}
	if store.ErrorCode(err) != store.EINTERNAL {
		return errors.New(store.ErrorMessage(err))
	}
	return err
}

// readPassword reads a password from the terminal without echo (twice, when
// confirm), or the first line of in when it is not a terminal.
func readPassword(in io.Reader, prompt io.Writer, confirm bool) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "Password (at least 12 characters): ")
		pw, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		if confirm {
			fmt.Fprint(prompt, "Same password again: ")
			again, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(prompt)
			if err != nil {
				return "", err
			}
			if string(again) != string(pw) {
				return "", errors.New("the passwords did not match")
			}
		}
		return string(pw), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input: pipe it in, or run this in a terminal")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
