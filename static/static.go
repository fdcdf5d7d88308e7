// Package static holds the portal's CSS, JavaScript and images, embedded in
// the binary and served under fingerprinted names so they can be cached for
// a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"strings"
)

//go:embed *.css *.js *.svg
var files embed.FS

// File is one embedded asset.
type File struct {
	Name        string // original name, e.g. "app.css"
	Path        string // fingerprinted URL path, e.g. "/static/app.3f2a9c1b.css"
	ContentType string
	Body        []byte
}

var (
	byName = map[string]*File{}
	byPath = map[string]*File{}
)

func init() {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		body, err := files.ReadFile(e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		dot := strings.LastIndexByte(e.Name(), '.')
		f := &File{
			Name:        e.Name(),
			Path:        "/static/" + e.Name()[:dot] + "." + hex.EncodeToString(sum[:5]) + e.Name()[dot:],
			ContentType: contentType(e.Name()[dot:]),
			Body:        body,
		}
		byName[f.Name] = f
		byPath[f.Path] = f
	}
}

func contentType(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return "application/octet-stream"
}

// Path returns the fingerprinted URL path of the named asset; it panics on an
// unknown name, which tests catch.
func Path(name string) string {
	f, ok := byName[name]
	if !ok {
		panic("static: no asset " + name)
	}
	return f.Path
}

// Lookup returns the asset served at a fingerprinted URL path.
func Lookup(path string) (*File, bool) {
	f, ok := byPath[path]
	return f, ok
}
