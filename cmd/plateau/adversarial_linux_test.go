package main

import (
	"syscall"
	"testing"
)

// mknod makes a character device in a temporary folder (root only), a
// twin of /dev/null (1, 3) or /dev/full (1, 7).
func mknod(t *testing.T, p string, minor int) {
	t.Helper()
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|minor); err != nil {
		t.Skipf("mknod needs root: %v", err)
	}
}
