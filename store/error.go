package store

import (
	"errors"
	"fmt"
)

// Domain error codes. Each maps to one HTTP status in handlers.
const (
	ECONFLICT     = "conflict"     // the thing changed under you (stale version)
	EFORBIDDEN    = "forbidden"    // signed in but not allowed
	EINTERNAL     = "internal"     // a bug or an outage; never shown in detail
	EINVALID      = "invalid"      // bad input; Fields says which
	ENOTFOUND     = "not_found"    // absent, or not visible to this user
	EUNAUTHORIZED = "unauthorized" // not signed in, or failed sign-in
	ETOOMANY      = "too_many"     // throttled
)

// Error is a domain error whose Message is safe to show to the user.
type Error struct {
	Code    string
	Message string
	// Fields lists invalid form fields in the order they appear on the form.
	Fields []FieldError
}

// FieldError is one invalid field: its form name and a message for the user.
type FieldError struct {
	Field   string
	Message string
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns a domain error with a formatted user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error for the given field errors (in form order).
func Invalid(fields ...FieldError) *Error {
	msg := "Check the form"
	if len(fields) > 0 {
		msg = fields[0].Message
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

// ErrorCode returns the code of a domain error, or EINTERNAL for anything else.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of a domain error, or a generic
// one for anything else.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Sorry, there is a problem with the service. Try again later."
}

// ErrorFields returns the invalid fields of an EINVALID error.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
