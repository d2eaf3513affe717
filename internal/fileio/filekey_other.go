//go:build !unix

package fileio

import (
	"io/fs"
	"path/filepath"
)

// A fileKey identifies a file; without inodes, by its absolute path with
// links resolved.
type fileKey struct{ path string }

func keyOf(path string, _ fs.FileInfo) fileKey {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	if p, err := filepath.Abs(path); err == nil {
		path = p
	}
	return fileKey{path: path}
}
