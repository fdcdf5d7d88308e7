//go:build !unix

package store

import "errors"

// ErrLocked is returned by LockDatabase when another process holds the lock.
var ErrLocked = errors.New("the database is in use")

// FileLock is a no-op where flock(2) is not available: the portal runs on
// Linux; this keeps it building elsewhere for development.
type FileLock struct{}

// LockPath is the lock file of the database at dbPath.
func LockPath(dbPath string) string { return dbPath + ".lock" }

// LockDatabase does nothing on this system.
func LockDatabase(string) (*FileLock, error) { return &FileLock{}, nil }

// Unlock does nothing on this system.
func (*FileLock) Unlock() error { return nil }
