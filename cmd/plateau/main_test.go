package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/internal/testcorpus"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/cli")

// testStreams returns streams over buffers that are not terminals.
func testStreams(in io.Reader, out, errw io.Writer) *streams {
	if in == nil {
		in = strings.NewReader("")
	}
	return &streams{in: in, out: out, err: errw, getenv: func(string) string { return "" }}
}

// repoRoot returns the repository root (the folder holding go.mod).
func repoRoot(t testing.TB) string { return testcorpus.Root(t) }

// TestCLIGolden runs each testdata/cli/<case>.args and compares standard
// output, standard error and the exit status with <case>.stdout,
// <case>.stderr and <case>.code. Arguments starting with "examples/" are
// taken from the repository root; the run is made from the repository
// root so that the paths printed are stable.
func TestCLIGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/cli/*.args")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases in testdata/cli")
	}
	root := repoRoot(t)
	pkgDir, _ := os.Getwd()
	for _, c := range cases {
		name := strings.TrimSuffix(filepath.Base(c), ".args")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(c)
			if err != nil {
				t.Fatal(err)
			}
			args := strings.Fields(strings.TrimSpace(string(raw)))
			var stdin io.Reader
			if in, err := os.ReadFile(strings.TrimSuffix(c, ".args") + ".stdin"); err == nil {
				stdin = bytes.NewReader(in)
			}
			var out, errb bytes.Buffer
			chdir(t, root)
			code := runWith(args, testStreams(stdin, &out, &errb))
			chdir(t, pkgDir)
			check := func(ext string, got []byte) {
				path := strings.TrimSuffix(c, ".args") + ext
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./cmd/plateau -update)", err)
				}
				if bytes.Equal(got, want) {
					_ = os.Remove(path + ".got") // a stale one from an earlier failure
				} else {
					_ = os.WriteFile(path+".got", got, 0o644)
					t.Errorf("%s differs from golden %s; got written to %s.got\n%s", ext, path, path, firstDiff(string(want), string(got)))
				}
			}
			check(".stdout", out.Bytes())
			check(".stderr", errb.Bytes())
			check(".code", []byte(strconv.Itoa(code)+"\n"))
		})
	}
}

func chdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
}

// firstDiff describes the first differing line of two texts.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(no line differs; trailing bytes differ)"
}
