package fileio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CheckOutput says whether path can be written by WriteFile, before any
// work is done: the folder must exist and the path must not name a
// directory, a block device, a socket or a dangling symbolic link. It
// returns the path writes will go to (symbolic links followed).
func CheckOutput(path string) (string, error) {
	t, st, err := resolve(path)
	if err != nil {
		return "", err
	}
	if st == nil {
		return t, nil
	}
	m := st.Mode()
	switch {
	case m.IsRegular(), m&fs.ModeCharDevice != 0, m&fs.ModeNamedPipe != 0:
		return t, nil
	}
	return "", fmt.Errorf("%s is %s: give a file name", path, Kind(m))
}

// resolve follows symbolic links from path and stats what they lead to;
// st is nil when nothing exists there yet (its folder does).
func resolve(path string) (target string, st fs.FileInfo, err error) {
	target = path
	lst, err := os.Lstat(path)
	if err != nil {
		dir := filepath.Dir(path)
		dst, derr := os.Stat(dir)
		switch {
		case errors.Is(derr, fs.ErrNotExist):
			return "", nil, fmt.Errorf("%s: the folder %s does not exist", path, dir)
		case derr != nil:
			return "", nil, fmt.Errorf("%s: %w", path, unwrapPath(derr))
		case !dst.IsDir():
			return "", nil, fmt.Errorf("%s: %s is not a folder", path, dir)
		case errors.Is(err, fs.ErrNotExist):
			return path, nil, nil
		}
		return "", nil, fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	if lst.Mode()&fs.ModeSymlink != 0 {
		target, err = filepath.EvalSymlinks(path)
		if err != nil {
			return "", nil, fmt.Errorf("%s is a symbolic link that leads nowhere (%w)", path, unwrapPath(err))
		}
		lst, err = os.Stat(target)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", path, unwrapPath(err))
		}
	}
	return target, lst, nil
}

// WriteFile writes data to path. A regular file (or a new one) is
// replaced atomically: data goes to a temporary file in the same folder,
// which is renamed over the target, so that a reader never sees half a
// report; an existing file keeps its permissions, and a symbolic link is
// kept and its target replaced. A character device (a terminal,
// /dev/null) or a named pipe is written into, never replaced; a pipe
// that no process reads is an error rather than a hang. Anything else is
// refused as CheckOutput refuses it. Errors name path, never the
// temporary file.
func WriteFile(path string, data []byte) error {
	target, err := CheckOutput(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return replace(path, target, 0o644, data)
	case err != nil:
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	case st.Mode().IsRegular():
		return replace(path, target, st.Mode().Perm(), data)
	}
	return writeInto(path, target, data)
}

// writeInto writes data into an existing device or named pipe.
func writeInto(path, target string, data []byte) error {
	f, err := os.OpenFile(target, os.O_WRONLY|nonBlock, 0)
	if err != nil {
		if noReader(err) {
			return fmt.Errorf("%s is a named pipe that no process is reading", path)
		}
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	return nil
}

// replace writes data to a temporary file beside target and renames it
// over target.
func replace(path, target string, perm fs.FileMode, data []byte) error {
	dir := filepath.Dir(target)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".plateau-*")
	if err != nil {
		return fmt.Errorf("%s: cannot create a file in %s: %w", path, dir, unwrapPath(err))
	}
	name := tmp.Name()
	fail := func(err error) error {
		tmp.Close()
		os.Remove(name)
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(perm); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	// The target may have changed since CheckOutput: never rename over
	// something that is no longer a regular file.
	if st, err := os.Lstat(target); err == nil && !st.Mode().IsRegular() {
		os.Remove(name)
		return fmt.Errorf("%s became %s while the report was written; nothing was replaced", path, Kind(st.Mode()))
	}
	if err := os.Rename(name, target); err != nil {
		os.Remove(name)
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	return nil
}

// unwrapPath drops the *fs.PathError around err, whose path may be a
// temporary name, keeping the cause ("permission denied").
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
