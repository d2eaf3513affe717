package main

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestOwnOutputsAreNotLogs writes every output of every verb, in every
// format, and gives each back to plateau report: each must be refused as
// plateau's own output, never read as a log. trainlog recognises the
// outputs by their first bytes; this test fails when a renderer's first
// line changes without trainlog's ownOutput.
func TestOwnOutputsAreNotLogs(t *testing.T) {
	dir := t.TempDir()
	a, b := copyRun(t, dir, "a"), copyRun(t, dir, "b")
	for _, c := range []struct {
		args []string
		ext  []string
	}{
		{[]string{"report", a}, []string{"txt", "md", "json", "html"}},
		{[]string{"report", a, "--full"}, []string{"txt", "md"}},
		{[]string{"compare", a, b}, []string{"txt", "md", "json", "html"}},
		{[]string{"scan", dir}, []string{"txt", "md", "json"}},
	} {
		for _, ext := range c.ext {
			out := filepath.Join(t.TempDir(), "out."+ext)
			var errb bytes.Buffer
			args := append(append([]string(nil), c.args...), "-o", out)
			if code := runWith(args, testStreams(nil, io.Discard, &errb)); code != exitOK {
				t.Errorf("plateau %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
				continue
			}
			errb.Reset()
			code := runWith([]string{"report", out}, testStreams(nil, io.Discard, &errb))
			if code != exitInput || !strings.Contains(errb.String(), "plateau's own") {
				t.Errorf("plateau report on the output of plateau %s -o out.%s: exit %d, stderr %q; want exit 1 and \"plateau's own\"", strings.Join(c.args[:1], " "), ext, code, errb.String())
			}
		}
	}
}
