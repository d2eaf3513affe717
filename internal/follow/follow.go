// Package follow tails the files of a training run as they grow. It polls
// with a bounded backoff (no inotify needed, so it works on network file
// systems), waits for files and folders that do not exist yet, and
// detects truncation and rotation (a file replaced by a new one or cut
// shorter), which it reports so that the caller can re-read from the
// start.
package follow

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/plateau-dev/plateau/internal/fileio"
)

// An EventKind says what happened to a file.
type EventKind int

// Event kinds.
const (
	// Appended: Data holds new bytes at the end of the file.
	Appended EventKind = iota
	// Reset: the file was truncated or replaced; Data holds its content
	// from offset 0 (the first chunk of it).
	Reset
	// Rewritten: a whole-file format changed (size or modification time);
	// the caller re-reads it with Open.
	Rewritten
)

// An Event is a change to one file.
type Event struct {
	Kind EventKind
	// Path is the file's path on disk; Rel is relative to the root.
	Path, Rel string
	Data      []byte
}

// Options configure a Follower.
type Options struct {
	// Accept decides which files to follow, given the path relative to
	// the root and the first bytes; it returns whether to follow the file
	// and whether it is appended to (true) or rewritten whole (false).
	Accept func(rel string, head []byte) (follow, appendOnly bool)
	// MinPoll and MaxPoll override the constants (tests use short ones).
	MinPoll, MaxPoll time.Duration
	// FromStart reads existing content (true) or only what is appended
	// from now on (false).
	FromStart bool
}

type fileState struct {
	path, rel  string
	appendOnly bool
	offset     int64
	size       int64
	mod        time.Time
	id         fileID
}

// A Follower polls a file or a directory tree.
type Follower struct {
	root  string
	opts  Options
	files map[string]*fileState
	// ignored remembers files Accept refused, with their size, so that a
	// file is reconsidered when it grows (an empty log is not yet known).
	ignored  map[string]int64
	lastScan time.Time
	// dirs holds the modification time of every folder seen, so that a
	// new file or folder (a checkpoint being saved) triggers a rescan at
	// the next poll rather than RescanEvery later.
	dirs map[string]time.Time
}

// New returns a Follower of root, which may not exist yet.
func New(root string, opts Options) *Follower {
	if opts.MinPoll <= 0 {
		opts.MinPoll = MinPoll
	}
	if opts.MaxPoll <= 0 {
		opts.MaxPoll = MaxPoll
	}
	return &Follower{root: root, opts: opts, files: map[string]*fileState{}, ignored: map[string]int64{}, dirs: map[string]time.Time{}}
}

// Run polls until ctx is done, sending events to out. It returns
// ctx.Err() or an error if the root cannot be read for another reason
// than not existing yet.
func (f *Follower) Run(ctx context.Context, out chan<- Event) error {
	delay := f.opts.MinPoll
	for {
		changed, err := f.Poll(func(ev Event) bool {
			select {
			case out <- ev:
				return true
			case <-ctx.Done():
				return false
			}
		})
		if err != nil {
			return err
		}
		if changed {
			delay = f.opts.MinPoll
		} else if delay *= 2; delay > f.opts.MaxPoll {
			delay = f.opts.MaxPoll
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Poll checks every file once and calls emit for each change. It reports
// whether anything changed. emit returning false stops the poll.
func (f *Follower) Poll(emit func(Event) bool) (bool, error) {
	if time.Since(f.lastScan) >= RescanEvery || len(f.files) == 0 || f.dirsChanged() {
		if err := f.scan(); err != nil {
			return false, err
		}
		f.lastScan = time.Now()
	}
	paths := make([]string, 0, len(f.files))
	for p := range f.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	changed := false
	for _, p := range paths {
		st := f.files[p]
		evs, err := f.check(st)
		if err != nil {
			continue // a file may vanish between scan and read; rescanned later
		}
		for _, ev := range evs {
			changed = true
			if !emit(ev) {
				return changed, nil
			}
		}
	}
	return changed, nil
}

// scan finds files under the root.
func (f *Follower) scan() error {
	info, err := os.Stat(f.root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // wait for it
	}
	if err != nil {
		return err
	}
	if !info.IsDir() {
		if !info.Mode().IsRegular() {
			// A named pipe or a device: it cannot be tailed, and opening
			// it could block forever.
			return &fileio.NotRegularError{Path: f.root, Mode: info.Mode()}
		}
		f.consider(f.root, filepath.Base(f.root))
		return nil
	}
	dirs := map[string]time.Time{}
	// Symbolic links are followed, without loops, as plateau report
	// follows them (fileio.WalkDir).
	err = fileio.WalkDir(f.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p != f.root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			if info, err := d.Info(); err == nil {
				dirs[p] = info.ModTime()
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(f.root, p)
		f.consider(p, filepath.ToSlash(rel))
		return nil
	})
	f.dirs = dirs
	return err
}

// dirsChanged reports whether a folder seen at the last scan changed or
// vanished, or the root appeared.
func (f *Follower) dirsChanged() bool {
	if len(f.dirs) == 0 {
		_, err := os.Stat(f.root)
		return err == nil
	}
	for d, mod := range f.dirs {
		info, err := os.Stat(d)
		if err != nil || !info.ModTime().Equal(mod) {
			return true
		}
	}
	return false
}

func (f *Follower) consider(path, rel string) {
	if _, ok := f.files[path]; ok {
		return
	}
	info, err := os.Stat(path)
	if err != nil {
		return
	}
	if size, ok := f.ignored[path]; ok && size == info.Size() {
		return
	}
	head := readHead(path, 64<<10)
	follow, appendOnly := true, true
	if f.opts.Accept != nil {
		follow, appendOnly = f.opts.Accept(rel, head)
	}
	if !follow {
		f.ignored[path] = info.Size()
		return
	}
	delete(f.ignored, path)
	st := &fileState{path: path, rel: rel, appendOnly: appendOnly, id: idOf(info)}
	if !f.opts.FromStart && appendOnly {
		st.offset = info.Size()
	}
	f.files[path] = st
}

func readHead(path string, n int) []byte {
	fh, err := fileio.OpenRegular(path)
	if err != nil {
		return nil
	}
	defer fh.Close()
	b := make([]byte, n)
	m, _ := io.ReadFull(fh, b)
	return b[:m]
}

// check looks at one file and returns its events.
func (f *Follower) check(st *fileState) ([]Event, error) {
	info, err := os.Stat(st.path)
	if err != nil {
		return nil, err
	}
	id := idOf(info)
	if !st.appendOnly {
		if info.Size() == st.size && info.ModTime().Equal(st.mod) {
			return nil, nil
		}
		st.size, st.mod, st.id = info.Size(), info.ModTime(), id
		return []Event{{Kind: Rewritten, Path: st.path, Rel: st.rel}}, nil
	}
	kind := Appended
	if id != st.id || info.Size() < st.offset {
		// Rotated (a new file under the same name) or truncated.
		st.offset, st.id, kind = 0, id, Reset
	}
	if info.Size() == st.offset {
		if kind == Reset {
			return []Event{{Kind: Reset, Path: st.path, Rel: st.rel}}, nil
		}
		return nil, nil
	}
	fh, err := fileio.OpenRegular(st.path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	n := info.Size() - st.offset
	if n > ChunkSize {
		n = ChunkSize
	}
	buf := make([]byte, n)
	m, err := fh.ReadAt(buf, st.offset)
	if err != nil && err != io.EOF {
		return nil, err
	}
	st.offset += int64(m)
	st.size, st.mod = info.Size(), info.ModTime()
	return []Event{{Kind: kind, Path: st.path, Rel: st.rel, Data: buf[:m]}}, nil
}
