// Package testcorpus locates the repository and the shared corpus for
// tests. The corpus lives in ../shared/corpus beside the repository; it is
// never copied into it. A test that needs it skips with a message when it
// is absent, and fails when the environment variable PLATEAU_CORPUS is set
// (CI sets it), which says the corpus must be there. PLATEAU_CORPUS may
// also name the folder, absolute or relative to the repository root.
package testcorpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the repository root: the folder holding go.mod above the
// test's working directory.
func Root(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			t.Fatalf("no go.mod above %s", wd)
		}
	}
}

// Dir returns the corpus folder, applying the skip/fail rule.
func Dir(t testing.TB) string {
	t.Helper()
	root := Root(t)
	env := os.Getenv("PLATEAU_CORPUS")
	dir := filepath.Join(root, "..", "shared", "corpus")
	switch {
	case filepath.IsAbs(env):
		dir = env
	case env != "" && filepath.Base(env) != env:
		dir = filepath.Join(root, env) // a relative path, as .ci/run gives it
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		if env != "" {
			t.Fatalf("PLATEAU_CORPUS is set but the corpus folder %s is missing", dir)
		}
		t.Skipf("corpus folder %s not found (it lives in ../shared/corpus beside the repository; set PLATEAU_CORPUS to require it)", dir)
	}
	return dir
}

// Path returns a file or folder of the corpus, applying the same rule to
// it.
func Path(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Dir(t), rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("PLATEAU_CORPUS") != "" {
			t.Fatalf("PLATEAU_CORPUS is set but %s is missing: %v", p, err)
		}
		t.Skipf("corpus file %s absent (set PLATEAU_CORPUS to require it)", p)
	}
	return p
}

// Rel returns p relative to the test's working directory, so that paths
// printed in golden files do not depend on where the checkout lives.
func Rel(t testing.TB, p string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if rel, err := filepath.Rel(wd, p); err == nil {
		return rel
	}
	return p
}
