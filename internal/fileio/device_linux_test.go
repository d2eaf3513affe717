package fileio

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWriteFileDevice writes into character devices made in a temporary
// folder (root only): /dev/null's twin takes the bytes, /dev/full's
// reports the error; both stay devices.
func TestWriteFileDevice(t *testing.T) {
	dir := t.TempDir()
	null, full := filepath.Join(dir, "null"), filepath.Join(dir, "full")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, int(mkdev(1, 3))); err != nil {
		t.Skipf("mknod needs root: %v", err)
	}
	if err := syscall.Mknod(full, syscall.S_IFCHR|0o666, int(mkdev(1, 7))); err != nil {
		t.Skipf("mknod: %v", err)
	}
	if err := WriteFile(null, []byte("report")); err != nil {
		t.Errorf("WriteFile(null device) = %v", err)
	}
	if err := WriteFile(full, []byte("report")); err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Errorf("WriteFile(full device) = %v, want no space left", err)
	}
	for _, p := range []string{null, full} {
		if st, _ := os.Lstat(p); st.Mode()&fs.ModeCharDevice == 0 {
			t.Errorf("%s was replaced by %s", p, Kind(st.Mode()))
		}
	}
}

func mkdev(major, minor uint32) uint64 {
	return uint64(major)<<8 | uint64(minor)
}
