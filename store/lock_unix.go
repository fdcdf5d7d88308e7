//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrLocked is returned by LockDatabase when another process holds the lock.
var ErrLocked = errors.New("the database is in use")

// FileLock is an exclusive lock on a database's DB.lock file (beside the
// database: data/portal.db.lock). portal serve holds it while it runs, and
// portal restore while it replaces the database, so neither can start
// while the other works. It is an flock(2) lock: the kernel drops it when
// the process ends, however it ends, so a crashed server leaves no stale
// lock behind.
type FileLock struct {
	f    *os.File
	path string
}

// LockPath is the lock file of the database at dbPath.
func LockPath(dbPath string) string { return dbPath + ".lock" }

// LockDatabase takes the database's lock without waiting. When another
// process holds it, the error wraps ErrLocked and names that process.
func LockDatabase(dbPath string) (*FileLock, error) {
	path := LockPath(dbPath)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := "another process"
			if pid := strings.TrimSpace(string(holder)); pid != "" {
				who = "process " + pid
			}
			return nil, fmt.Errorf("%w: %s holds %s (a running portal serve, or a restore)", ErrLocked, who, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// Name the holder, for the message another process gets.
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &FileLock{f: f, path: path}, nil
}

// Unlock releases the lock (the file stays, empty).
func (l *FileLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	l.f.Truncate(0)
	err := l.f.Close() // closing the descriptor releases the flock
	l.f = nil
	return err
}
