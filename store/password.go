package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/crypto/argon2"
)

// Password rules for new passwords.
const (
	MinPasswordLength = 12  // characters
	MaxPasswordLength = 256 // characters; longer is almost certainly a paste error
)

// argonParams are the argon2id cost parameters of a hash.
type argonParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// owaspParams are OWASP's argon2id recommendation: m=19 MiB, t=2, p=1.
var owaspParams = argonParams{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// testParams, when set, replaces owaspParams (tests only: see
// UseTestPasswordParams). Production never sets it.
var testParams atomic.Pointer[argonParams]

func currentParams() argonParams {
	if p := testParams.Load(); p != nil {
		return *p
	}
	return owaspParams
}

// UseTestPasswordParams makes password hashing cheap so tests stay fast under
// the race detector. It panics outside a test binary, so production always
// hashes with the OWASP parameters.
func UseTestPasswordParams() {
	if !testing.Testing() {
		panic("store: UseTestPasswordParams called outside tests")
	}
	setTestParams(argonParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
}

func setTestParams(p argonParams) { testParams.Store(&p) }

// hashSem caps concurrent hashes: each takes Memory KiB, so a burst of
// sign-ins cannot exhaust memory; the rest queue.
var hashSem = make(chan struct{}, max(1, min(4, runtime.GOMAXPROCS(0))))

func acquireHash(ctx context.Context) error {
	select {
	case hashSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func releaseHash() { <-hashSem }

var b64 = base64.RawStdEncoding

// hashPassword returns the PHC string of password with the current parameters:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func hashPassword(ctx context.Context, password string) (string, error) {
	return hashWith(ctx, password, currentParams())
}

func hashWith(ctx context.Context, password string, p argonParams) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if err := acquireHash(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	releaseHash()
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("password hash: not an argon2id PHC string")

// parseHash splits a PHC string into its parameters, salt and key.
func parseHash(phc string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errBadHash
	}
	var m, t uint32
	var th uint8
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", m, t, th) != parts[3] {
		return p, nil, nil, errBadHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, errBadHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, errBadHash
	}
	// Refuse absurd costs from a tampered row rather than allocate them.
	if m < 8 || m > 1<<21 || t < 1 || t > 16 || th < 1 || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errBadHash
	}
	p = argonParams{Memory: m, Time: t, Threads: th, SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	return p, salt, key, nil
}

// verifyPassword reports whether password matches the PHC hash, in constant
// time, and whether the hash should be recomputed with the current parameters.
func verifyPassword(ctx context.Context, phc, password string) (ok, rehash bool, err error) {
	p, salt, key, err := parseHash(phc)
	if err != nil {
		return false, false, err
	}
	if err := acquireHash(ctx); err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	releaseHash()
	ok = subtle.ConstantTimeCompare(got, key) == 1
	return ok, ok && p != currentParams(), nil
}

// dummyHashes caches, per parameter set, a hash of a random password, which
// sign-in verifies for unknown emails so that their timing matches real ones.
var dummyHashes sync.Map // argonParams -> string

func dummyHash(ctx context.Context) (string, error) {
	p := currentParams()
	if h, ok := dummyHashes.Load(p); ok {
		return h.(string), nil
	}
	h, err := hashWith(ctx, rand.Text(), p)
	if err != nil {
		return "", err
	}
	dummyHashes.Store(p, h)
	return h, nil
}

// strongEnoughScore is the zxcvbn score a new password needs: 3 means
// "safely unguessable" (about 10^8 guesses or more), which rules out the
// common passwords of zxcvbn's frequency lists (a common password, a word
// with digits or a year added, keyboard walks, repeats) while 12 ordinary
// characters of a passphrase pass easily.
const strongEnoughScore = 3

// strengthRunes is how much of a password zxcvbn examines: its matching grows
// with the square of the length, and the first 64 characters of a password
// decide whether it is guessable.
const strengthRunes = 64

// minDistinctRunes is the fewest different characters a password may have.
const minDistinctRunes = 5

// serviceWords are words anyone would try first against this service.
var serviceWords = []string{"portal", "ccs", "crown", "commercial", "service", "connectivity", "buyer", "supplier", "reviewer", "admin"}

// checkNewPassword returns a field error if password is not acceptable as a
// new password (NIST SP 800-63B): at least MinPasswordLength characters,
// text without control characters, not only spaces, and not a common or
// easily guessed password. userInputs are the account's own details (name,
// email), which zxcvbn treats as the first words an attacker tries.
func checkNewPassword(field, password string, userInputs ...string) *FieldError {
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		return &FieldError{Field: field, Message: "Enter a password"}
	case !utf8.ValidString(password):
		return &FieldError{Field: field, Message: "Password must be text"}
	case strings.IndexFunc(password, unicode.IsControl) >= 0:
		return &FieldError{Field: field, Message: "Password must not contain control characters such as tabs or line breaks"}
	case strings.TrimFunc(password, unicode.IsSpace) == "":
		return &FieldError{Field: field, Message: "Password must contain characters other than spaces"}
	case n < MinPasswordLength:
		return &FieldError{Field: field, Message: fmt.Sprintf("Password must be %d characters or more", MinPasswordLength)}
	case n > MaxPasswordLength:
		return &FieldError{Field: field, Message: fmt.Sprintf("Password must be %d characters or fewer", MaxPasswordLength)}
	case !hardToGuess(password, userInputs):
		return &FieldError{Field: field, Message: "Choose a password that is harder to guess: this one is a common password or close to one. Try three or four unrelated words"}
	}
	return nil
}

// hardToGuess reports whether zxcvbn (with its frequency lists of common
// passwords, words and names) rates password at least strongEnoughScore.
func hardToGuess(password string, userInputs []string) bool {
	r := []rune(password)
	if len(r) > strengthRunes {
		password = string(r[:strengthRunes])
	}
	// zxcvbn finds repeats of ASCII characters only; "ŵŵŵŵŵŵŵŵŵŵŵŵ" is as
	// weak as "aaaaaaaaaaaa".
	distinct := map[rune]bool{}
	for _, c := range r {
		distinct[c] = true
	}
	if len(distinct) < minDistinctRunes {
		return false
	}
	inputs := append([]string(nil), serviceWords...)
	for _, in := range userInputs {
		in = strings.ToLower(strings.TrimSpace(in))
		if in == "" {
			continue
		}
		inputs = append(inputs, in)
		// The parts of a name or email address: "nadia", "shah", "northshire".
		inputs = append(inputs, strings.FieldsFunc(in, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })...)
	}
	return zxcvbn.PasswordStrength(password, inputs).Score >= strongEnoughScore
}
