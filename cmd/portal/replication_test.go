package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/store"
)

// startProcess starts cmd with its output kept, kills it when the test
// ends, and returns its output and a channel closed when it has exited.
func startProcess(t *testing.T, cmd *exec.Cmd) (stdout, stderr *watchWriter, exited <-chan struct{}) {
	t.Helper()
	stdout, stderr = newWatchWriter(), newWatchWriter()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	return stdout, stderr, done
}

// bannerURL finds the address in the start-up banner on standard output.
var bannerURL = regexp.MustCompile(`is running at (http://[0-9.:]+)\n`)

// startPortalProcess runs `portal serve args...` as a process of its own
// (this test binary, as main) and returns it, its URL and its log.
func startPortalProcess(t *testing.T, args ...string) (*exec.Cmd, string, *watchWriter) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), asMain+"=1")
	stdout, stderr, exited := startProcess(t, cmd)
	m, err := stdout.waitFor(bannerURL, exited, 3*time.Minute)
	if err != nil {
		t.Fatalf("portal serve: %v\n%s", err, stderr)
	}
	return cmd, m[1], stderr
}

// walCommit reads a SQLite WAL file and returns its 32-byte header and the
// offset just past its last committed frame: the position a replica must
// reach to hold every transaction committed so far.
func walCommit(path string) (header []byte, end int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	if len(b) < 32 {
		return nil, 0, errors.New("WAL has no header")
	}
	header = b[:32]
	pageSize := int64(binary.BigEndian.Uint32(b[8:12]))
	salts := b[16:24]
	frame := 24 + pageSize
	for off := int64(32); off+frame <= int64(len(b)); off += frame {
		if !bytes.Equal(b[off+8:off+16], salts) {
			break // a frame from before the WAL restarted
		}
		if binary.BigEndian.Uint32(b[off+4:off+8]) != 0 { // commit frame: database size after it
			end = off + frame
		}
	}
	return header, end, nil
}

// shadowIndex finds Litestream's current generation and the index of its
// shadow WAL that copies the WAL with this header, if it has one yet
// (Litestream v0.3's layout: .NAME-litestream/generation and
// generations/GEN/wal/INDEX.wal, each starting with the WAL's header).
func shadowIndex(dbPath string, header []byte) (gen string, index int, ok bool) {
	meta := filepath.Join(filepath.Dir(dbPath), "."+filepath.Base(dbPath)+"-litestream")
	g, err := os.ReadFile(filepath.Join(meta, "generation"))
	if err != nil {
		return "", 0, false
	}
	gen = strings.TrimSpace(string(g))
	files, _ := filepath.Glob(filepath.Join(meta, "generations", gen, "wal", "*.wal"))
	for _, f := range files {
		b := make([]byte, 32)
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		_, err = fh.ReadAt(b, 0)
		fh.Close()
		if err == nil && bytes.Equal(b, header) {
			n, err := strconv.ParseInt(strings.TrimSuffix(filepath.Base(f), ".wal"), 16, 64)
			if err == nil {
				return gen, int(n), true
			}
		}
	}
	return gen, 0, false
}

// replicaPos is one WAL segment in the replica, from `litestream wal`.
type replicaPos struct {
	gen    string
	index  int
	offset int64
}

var walRow = regexp.MustCompile(`^\S+\s+([0-9a-f]{16})\s+(\d+)\s+(\d+)\s+\d+\s+\S+$`)

// litestreamWAL lists the replica's WAL segments.
func litestreamWAL(bin, config, dbPath string) ([]replicaPos, error) {
	out, err := exec.Command(bin, "wal", "-config", config, dbPath).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("litestream wal: %v\n%s", err, out)
	}
	var rows []replicaPos
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := walRow.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		idx, _ := strconv.Atoi(m[2])
		off, _ := strconv.ParseInt(m[3], 10, 64)
		rows = append(rows, replicaPos{gen: m[1], index: idx, offset: off})
	}
	return rows, nil
}

// TestLitestreamReplication runs the real `litestream replicate` (v0.3.13)
// against a live portal with a local file replica, makes writes, waits —
// polling the replica's position, never sleeping — until the replica holds
// every write acknowledged so far, kills both processes, restores the
// replica into a new file, and shows that `portal check` passes and every
// acknowledged write is there (issue 14, point 10).
func TestLitestreamReplication(t *testing.T) {
	bin, err := testAsset("litestream/litestream")
	if err != nil {
		skipOrFail(t, "replication test", "the pinned litestream binary ("+err.Error()+")")
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "portal.db")
	replica := filepath.Join(dir, "replica")
	config := filepath.Join(dir, "litestream.yml")
	// Short intervals keep the test quick; checkpoints are Litestream's
	// alone and rare, so the WAL the test reads is the one it copies.
	if err := os.WriteFile(config, []byte(fmt.Sprintf(`dbs:
  - path: %s
    monitor-interval: 20ms
    checkpoint-interval: 1h
    min-checkpoint-page-count: 100000
    replicas:
      - type: file
        path: %s
        sync-interval: 20ms
`, dbPath, replica)), 0o600); err != nil {
		t.Fatal(err)
	}

	portal, base, portalLog := startPortalProcess(t, "-demo", "-db", dbPath)
	ls := exec.Command(bin, "replicate", "-config", config)
	_, lsLog, lsDone := startProcess(t, ls)
	defer func() {
		if t.Failed() {
			t.Logf("litestream:\n%s\nportal:\n%s", lsLog, portalLog)
		}
	}()

	// Writes, each acknowledged by the portal (303 after its commit).
	c := e2eClient(t)
	_, body := e2eGet(t, c, base+"/login")
	resp, _ := e2ePost(t, c, base+"/login", url.Values{"_csrf": {formToken(t, body, "/login")}, "email": {"buyer@northshire.example"}, "password": {store.DemoPasswordDefault}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}
	_, page := e2eGet(t, c, base+"/baskets")
	tok := formToken(t, page, "/baskets")
	newBasket := func(name string) {
		t.Helper()
		resp, _ := e2ePost(t, c, base+"/baskets", url.Values{"_csrf": {tok}, "name": {name}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create basket %q: %d", name, resp.StatusCode)
		}
	}
	var acknowledged []string
	for i := range 20 {
		name := fmt.Sprintf("Replicated basket %02d", i+1)
		newBasket(name)
		acknowledged = append(acknowledged, name)
	}

	// The replica has caught up with every acknowledged write when it holds
	// a WAL segment starting at or past the end of the last commit (or a
	// later WAL). A segment only starts where the one before it ended, so
	// until then each round makes one more (unasserted) write for the next
	// segment to begin after.
	header, end, err := walCommit(dbPath + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	var last []replicaPos
	for round := 0; ; round++ {
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not reach offset %d of the current WAL within 2 minutes; last positions %v", end, last)
		}
		select {
		case <-lsDone:
			t.Fatal("litestream replicate exited")
		default:
		}
		if last, err = litestreamWAL(bin, config, dbPath); err != nil {
			t.Fatal(err)
		}
		gen, index, ok := shadowIndex(dbPath, header)
		caughtUp := false
		for _, p := range last {
			if ok && p.gen == gen && (p.index > index || p.index == index && p.offset >= end) {
				caughtUp = true
			}
		}
		if caughtUp {
			t.Logf("replica caught up after %d extra writes: generation %s index %d offset ≥ %d", round, gen, index, end)
			break
		}
		newBasket(fmt.Sprintf("Sentinel %d", round))
	}
	snapshots, err := exec.Command(bin, "snapshots", "-config", config, dbPath).CombinedOutput()
	if err != nil || !strings.Contains(string(snapshots), "file") {
		t.Fatalf("litestream snapshots: %v\n%s", err, snapshots)
	}

	// Disaster: both processes die at once.
	portal.Process.Kill()
	ls.Process.Kill()
	<-lsDone

	restored := filepath.Join(t.TempDir(), "restored.db")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bin, "restore", "-config", config, "-o", restored, dbPath).CombinedOutput(); err != nil {
		t.Fatalf("litestream restore: %v\n%s", err, out)
	}
	out, errOut, err := runCLI("check", "-db", restored)
	if err != nil {
		t.Fatalf("portal check on the restored database: %v\n%s%s", err, out, errOut)
	}
	db, err := store.Open(context.Background(), restored)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	buyer, err := db.UserByEmail(context.Background(), store.Operator(), "buyer@northshire.example")
	if err != nil {
		t.Fatal(err)
	}
	baskets, err := db.Baskets(context.Background(), &buyer)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, b := range baskets {
		have[b.Name] = true
	}
	for _, name := range acknowledged {
		if !have[name] {
			t.Errorf("acknowledged write %q is missing from the restored database", name)
		}
	}
}
