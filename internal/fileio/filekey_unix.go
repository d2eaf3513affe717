//go:build unix

package fileio

import (
	"io/fs"
	"syscall"
)

// A fileKey identifies a file: its device and inode.
type fileKey struct{ dev, ino uint64 }

func keyOf(_ string, info fs.FileInfo) fileKey {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return fileKey{dev: uint64(st.Dev), ino: uint64(st.Ino)}
	}
	return fileKey{}
}
