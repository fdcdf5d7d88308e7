package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// fastHashing makes hashing cheap for the test (argon2 at full cost is slow
// under -race).
func fastHashing(t testing.TB) {
	t.Helper()
	setTestParams(argonParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
}

func TestProductionParamsAreOWASP(t *testing.T) {
	want := argonParams{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	if owaspParams != want {
		t.Fatalf("owaspParams = %+v, want %+v", owaspParams, want)
	}
	saved := testParams.Swap(nil)
	t.Cleanup(func() { testParams.Store(saved) })
	if got := currentParams(); got != want {
		t.Fatalf("currentParams() without test override = %+v, want %+v", got, want)
	}
	h, err := hashPassword(context.Background(), "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not carry the OWASP parameters", h)
	}
	p, salt, key, err := parseHash(h)
	if err != nil || p != want || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("parseHash = %+v, %d-byte salt, %d-byte key, %v; want %+v, 16, 32", p, len(salt), len(key), err, want)
	}
}

func TestVerifyPassword(t *testing.T) {
	fastHashing(t)
	ctx := context.Background()
	h, err := hashPassword(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("right password matches without rehash", func(t *testing.T) {
		ok, rehash, err := verifyPassword(ctx, h, "correct horse battery")
		if !ok || rehash || err != nil {
			t.Fatalf("got ok=%v rehash=%v err=%v, want true false nil", ok, rehash, err)
		}
	})
	t.Run("wrong password fails", func(t *testing.T) {
		for _, pw := range []string{"", "correct horse batter", "Correct horse battery", "correct horse battery "} {
			if ok, _, _ := verifyPassword(ctx, h, pw); ok {
				t.Errorf("verify(%q) = true, want false", pw)
			}
		}
	})
	t.Run("same password hashes differently (random salt)", func(t *testing.T) {
		h2, _ := hashPassword(ctx, "correct horse battery")
		if h2 == h {
			t.Fatal("two hashes of one password are equal; salt is not random")
		}
	})
	t.Run("old parameters ask for a rehash", func(t *testing.T) {
		setTestParams(argonParams{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
		t.Cleanup(func() { fastHashing(t) })
		ok, rehash, err := verifyPassword(ctx, h, "correct horse battery")
		if !ok || !rehash || err != nil {
			t.Fatalf("got ok=%v rehash=%v err=%v, want true true nil", ok, rehash, err)
		}
	})
}

func TestParseHashRejectsMalformed(t *testing.T) {
	for _, h := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1,x=2$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!!$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$",
	} {
		if _, _, _, err := parseHash(h); !errors.Is(err, errBadHash) {
			t.Errorf("parseHash(%q) err = %v, want errBadHash", h, err)
		}
	}
}

func TestHashingWaitsForSemaphore(t *testing.T) {
	fastHashing(t)
	// Fill every slot, as a burst of sign-ins would.
	for range cap(hashSem) {
		hashSem <- struct{}{}
	}
	defer func() {
		for range cap(hashSem) {
			<-hashSem
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := hashPassword(ctx, "correct horse battery"); !errors.Is(err, context.Canceled) {
		t.Fatalf("hash with all slots taken: err = %v, want context.Canceled (it must wait for a slot)", err)
	}
	if cap(hashSem) < 1 || cap(hashSem) > 4 {
		t.Fatalf("semaphore capacity %d, want 1..4", cap(hashSem))
	}
}

func TestNewPasswordRules(t *testing.T) {
	const guessable = "Choose a password that is harder to guess: this one is a common password or close to one. Try three or four unrelated words"
	tests := []struct {
		pw     string
		inputs []string
		want   string
	}{
		{"", nil, "Enter a password"},
		{"short", nil, "Password must be 12 characters or more"},
		{"elevenchars", nil, "Password must be 12 characters or more"},
		{"twelve chars", nil, ""},
		{"ŵŵŵŵŵŵŵŵŵŵŵŵ", nil, guessable}, // 12 characters, 24 bytes, but one repeated
		{"ŵŷźçñøåßðþæœ", nil, ""},        // 12 characters, 24 bytes
		{strings.Repeat("a", 257), nil, "Password must be 256 characters or fewer"},
		{"\xff\xfe invalid utf8", nil, "Password must be text"},
		// The security review's examples (issue 14).
		{"password1234", nil, guessable},
		{strings.Repeat(" ", 12), nil, "Password must contain characters other than spaces"},
		{strings.Repeat("\x00", 12), nil, "Password must not contain control characters such as tabs or line breaks"},
		{"tab\tinside the password", nil, "Password must not contain control characters such as tabs or line breaks"},
		{"line\nbreak in the password", nil, "Password must not contain control characters such as tabs or line breaks"},
		{"\u00a0\u2003\u3000\u00a0\u2003\u3000\u00a0\u2003\u3000\u00a0\u2003\u3000", nil, "Password must contain characters other than spaces"},
		// Common passwords and patterns from zxcvbn's frequency lists.
		{"qwertyuiop12", nil, guessable},
		{"iloveyou1234", nil, guessable},
		{"123456789012", nil, guessable},
		{"aaaaaaaaaaaa", nil, guessable},
		{"Password123!", nil, guessable},
		// The account's own details are the first guesses.
		{"buyer@northshire.example", []string{"Nadia Shah", "buyer@northshire.example"}, guessable},
		{"buyer@northshire.example", nil, ""},
		{"northshire!!1", []string{"Nadia Shah", "buyer@northshire.example"}, guessable},
		{"ŵŵŵŵŵŵŷŷŷŷŷŷ", nil, guessable},
		// Passphrases pass; only the first 64 characters are weighed.
		{"correct horse battery", nil, ""},
		{"portal-demo-pass", nil, ""},
		{strings.Repeat("ab", 100), nil, guessable},
		{"sorrel kettle umbrella " + strings.Repeat("a", 200), nil, ""},
	}
	for _, tt := range tests {
		got := ""
		if fe := checkNewPassword("password", tt.pw, tt.inputs...); fe != nil {
			got = fe.Message
		}
		if got != tt.want {
			t.Errorf("checkNewPassword(%q, %q) = %q, want %q", tt.pw, tt.inputs, got, tt.want)
		}
	}
}
