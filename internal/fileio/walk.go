package fileio

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A LinkNote says why WalkDir did not follow a symbolic link. It is
// passed to the walk function as the error of the link's entry; it is a
// note on the folder's content, not a failure to read it.
type LinkNote struct {
	Path   string // the link
	Target string // where it leads, as the link says or within root; "" when nowhere
	Why    string
}

func (n *LinkNote) Error() string {
	if n.Target == "" {
		return "a symbolic link that " + n.Why
	}
	return "a symbolic link to " + n.Target + ", " + n.Why
}

// WalkDir walks the tree at root as filepath.WalkDir does (lexical order,
// fs.SkipDir and fs.SkipAll, a second call for a folder that cannot be
// listed), and follows symbolic links: a link to a file or a folder is
// walked as the file or folder it leads to, under the link's own path and
// name. It never walks a place twice and never loops: a link is not
// followed, and the walk function gets a *LinkNote as the error of its
// entry, when it leads inside root (what it leads to is walked at its own
// place), to root or a folder that holds root (a loop), to a folder or a
// file already walked through another link, or nowhere.
func WalkDir(root string, fn fs.WalkDirFunc) error {
	st, err := os.Stat(root)
	if err != nil {
		err = fn(root, nil, err)
	} else {
		w := &walker{fn: fn, seen: map[fileKey]string{}}
		w.root, _ = filepath.EvalSymlinks(root)
		err = w.walk(root, fs.FileInfoToDirEntry(st))
	}
	if errors.Is(err, fs.SkipDir) || errors.Is(err, fs.SkipAll) {
		return nil
	}
	return err
}

type walker struct {
	fn   fs.WalkDirFunc
	root string // root with its links resolved
	// seen maps the folders walked, and the files reached through
	// links, to the path they were walked at.
	seen map[fileKey]string
}

func (w *walker) walk(path string, d fs.DirEntry) error {
	if err := w.fn(path, d, nil); err != nil || !d.IsDir() {
		if err == fs.SkipDir && d.IsDir() {
			err = nil
		}
		return err
	}
	if st, err := os.Stat(path); err == nil {
		w.seen[keyOf(path, st)] = path
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		if err = w.fn(path, d, err); err != nil {
			if err == fs.SkipDir && d.IsDir() {
				err = nil
			}
			return err
		}
	}
	for _, e := range entries {
		p := filepath.Join(path, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			resolved, note := w.follow(p, e)
			if note != nil {
				if err := w.fn(p, e, note); err != nil {
					if err == fs.SkipDir {
						break
					}
					return err
				}
				continue
			}
			e = resolved
		}
		if err := w.walk(p, e); err != nil {
			if err == fs.SkipDir {
				break
			}
			return err
		}
	}
	return nil
}

// follow resolves the link at p: the entry to walk in its place, or why
// it is not followed.
func (w *walker) follow(p string, e fs.DirEntry) (fs.DirEntry, *LinkNote) {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, &LinkNote{Path: p, Why: "leads nowhere (" + unwrapPath(err).Error() + ")"}
	}
	st, err := os.Stat(target)
	if err != nil {
		return nil, &LinkNote{Path: p, Why: "leads nowhere (" + unwrapPath(err).Error() + ")"}
	}
	shown := target // what the note names: the link's own text
	if l, err := os.Readlink(p); err == nil {
		shown = l
	}
	if w.root != "" {
		if _, ok := within(target, w.root); ok {
			return nil, &LinkNote{Path: p, Target: shown, Why: "a folder that holds this one (a loop)"}
		}
		if rel, ok := within(w.root, target); ok {
			return nil, &LinkNote{Path: p, Target: filepath.ToSlash(rel), Why: "read at its own place in the folder"}
		}
	}
	k := keyOf(target, st)
	if prev, ok := w.seen[k]; ok {
		return nil, &LinkNote{Path: p, Target: shown, Why: "already read as " + prev}
	}
	if !st.IsDir() {
		w.seen[k] = p
	}
	return linkEntry{name: e.Name(), info: st}, nil
}

// within returns the path of p relative to dir when p is dir or inside
// it.
func within(dir, p string) (string, bool) {
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}

// A linkEntry is what a symbolic link leads to, under the link's name.
type linkEntry struct {
	name string
	info fs.FileInfo
}

func (e linkEntry) Name() string               { return e.name }
func (e linkEntry) IsDir() bool                { return e.info.IsDir() }
func (e linkEntry) Type() fs.FileMode          { return e.info.Mode().Type() }
func (e linkEntry) Info() (fs.FileInfo, error) { return e.info, nil }
