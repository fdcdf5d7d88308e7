package views

import (
	"strings"
	"unicode"
)

// Typed is a value someone typed, made safe to show back in a form: bytes
// that are not UTF-8, control characters (but line breaks and tabs) and
// bidi override characters become U+FFFD, so a refused value never puts
// them into a page, yet the person sees where the problem was. Every form
// field that shows what was typed goes through it.
func Typed(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return '\uFFFD'
		}
		return r
	}, s)
}
