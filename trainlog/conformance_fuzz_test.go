package trainlog_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// FuzzAllFormats runs every registered reader on mutations of the
// conformance samples (one seed per format at least, so each reader is
// fuzzed, including those without a fuzz test of their own: hf-results,
// wandb-summary, wandb-csv, lightning-csv). Whatever the bytes, a reader
// must not panic, must end, and must report problems as *SyntaxError
// records naming the file or as an error from Err.
func FuzzAllFormats(f *testing.F) {
	formats := trainlog.Formats()
	for _, c := range confCases(f) {
		data := c.load(f)
		if len(data) > 16<<10 {
			data = data[:16<<10] // a cut sample is a good seed too
		}
		for i, fm := range formats {
			if fm.Name == c.format {
				f.Add(uint8(i), data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		fm := formats[int(which)%len(formats)]
		const name = "fuzz/input.log"
		rd := fm.NewReader(name, bytes.NewReader(data), trainlog.Options{})
		n := 0
		for rd.Scan() {
			n++
			if n > 1_000_000 {
				t.Fatalf("%s: more than 1M records from %d bytes", fm.Name, len(data))
			}
			var se *trainlog.SyntaxError
			if err, ok := rd.Record().(error); ok && errors.As(err, &se) {
				if !strings.HasPrefix(se.Error(), name) {
					t.Fatalf("%s: syntax error does not name the file: %q", fm.Name, se.Error())
				}
			}
		}
		// Detect must not panic either, on any prefix.
		fm.Detect(name, data)
		_ = rd.Err()
	})
}
