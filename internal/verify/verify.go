// Package verify re-opens every source a report cites and checks that it
// holds what the report says: the value (within the rounding of the
// digits the log printed) and the step. It is the engine of plateau
// verify.
//
// The citations come from analysis.Report.Citations, the one list of what
// a report claims to have read. Each source is checked where it is:
//
//	file:line             the line as grep -n counts it; the value must be
//	                      one of its numbers (under the metric's key when
//	                      the key is on the line); the step must be the
//	                      line's: a step field or column, or, for a
//	                      console dict, what the log shows around it (its
//	                      own step key, a callback line stating the step
//	                      with the same values, the progress bar's frames,
//	                      the epoch).
//	file#log_history[i]   entry i of the JSON file: the value under the
//	                      metric's key, and its "step".
//	file#record[i]        TensorBoard record i: the value of the metric's
//	                      tag (float32), and the record's step.
//	file#key              the value of a top-level (or dotted) key of a
//	                      JSON file.
//
// A step the report marks as estimated needs only be allowed by that
// evidence, not stated by it. Evidence sources (of findings, events and
// warnings) must exist. Derived numbers are not read anywhere: only their
// inputs are checked, as evidence.
package verify

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/trainlog"
)

// A Problem is a citation found false, with why and the text of the
// cited place.
type Problem struct {
	Citation analysis.Citation
	// Reason says what the source holds instead.
	Reason string
	// Text is the cited line (or a JSON rendering of the cited entry),
	// "" when the source could not be opened.
	Text string
}

// String formats p as "FIELD: SOURCE: REASON".
func (p Problem) String() string {
	return p.Citation.Field + ": " + p.Citation.Source + ": " + p.Reason
}

// A Result is the outcome of checking a report.
type Result struct {
	// Checked is the number of citations checked.
	Checked int
	// False lists the citations found false, in the report's order.
	False []Problem
}

// OK reports whether every citation is true.
func (r Result) OK() bool { return len(r.False) == 0 }

// Report checks every citation of rep. base is the folder the sources
// are relative to: the run directory the report was made from, or the
// folder of the file it was made from (see Base). A file that rep.Data
// says was read from elsewhere (a report made from several paths) is
// opened there.
func Report(rep *analysis.Report, base string) Result {
	var disk map[string]string
	if rep.Data != nil {
		disk = DiskPaths(rep.Data)
	}
	return newVerifier(rep, base, disk).checkAll(rep.Citations(), nil)
}

// DiskPaths maps the name a report cites each file of run by to the path
// it was read from.
func DiskPaths(run *trainlog.Run) map[string]string {
	disk := map[string]string{}
	for _, f := range run.Files {
		if f.Disk != "" {
			disk[f.Path] = f.Disk
		}
	}
	return disk
}

// checkAll checks cits; the values of the fields in nonFinite are taken
// as non-finite.
func (v *verifier) checkAll(cits []analysis.Citation, nonFinite map[string]bool) Result {
	var res Result
	for _, c := range cits {
		if nonFinite[c.Field] {
			c.Value = math.NaN()
		}
		if c.Kind == analysis.CiteDerived {
			continue // its inputs follow as evidence
		}
		res.Checked++
		if reason, text, ok := v.check(c); !ok {
			res.False = append(res.False, Problem{Citation: c, Reason: reason, Text: excerpt(text, c.Metric)})
		}
	}
	return res
}

// Base returns the folder that the sources of a report made from path
// are relative to: path itself when it is a folder, else its folder.
func Base(path string) string {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return path
	}
	return filepath.Dir(path)
}

// A verifier checks the citations of one report.
type verifier struct {
	rep     *analysis.Report
	base    string
	disk    map[string]string // cited name -> path on disk, overriding base
	formats map[string]string // file -> format, from the report
	files   map[string]*file
	spe     float64 // steps per epoch, 0 when unknown
}

func newVerifier(rep *analysis.Report, base string, disk map[string]string) *verifier {
	v := &verifier{rep: rep, base: base, disk: disk, formats: map[string]string{}, files: map[string]*file{}}
	for _, f := range rep.Run.Files {
		v.formats[f.Path] = f.Format
	}
	v.spe = stepsPerEpoch(rep)
	return v
}

// stepsPerEpoch returns the steps per epoch the report's geometry gives:
// steps_per_epoch when logged, else max_steps / num_train_epochs.
func stepsPerEpoch(rep *analysis.Report) float64 {
	geo := map[string]float64{}
	for _, g := range rep.Run.Geometry {
		geo[g.Key] = g.Value
	}
	if s := geo["steps_per_epoch"]; s > 0 {
		return s
	}
	// A num_train_epochs of sys.maxsize (max_steps alone ends the run)
	// plans no epochs.
	if m, e := geo["max_steps"], geo["num_train_epochs"]; m > 0 && e > 0 && e < 1<<53 {
		return m / e
	}
	return 0
}

// check checks one citation; it returns why it is false and the cited
// text, or ok.
func (v *verifier) check(c analysis.Citation) (reason, text string, ok bool) {
	name, line, frag, good := splitSource(c.Source)
	if !good {
		return "not a source: expected file:line or file#fragment", "", false
	}
	f, err := v.open(name)
	if err != nil {
		return err.Error(), "", false
	}
	switch {
	case line > 0:
		return v.checkLine(c, f, line)
	case strings.HasPrefix(frag, "log_history["):
		return v.checkHistory(c, f, frag)
	case strings.HasPrefix(frag, "record["):
		return v.checkRecord(c, f, frag)
	}
	return v.checkKey(c, f, frag)
}

// splitSource splits "file:line" and "file#frag".
func splitSource(src string) (name string, line int, frag string, ok bool) {
	if i := strings.LastIndexByte(src, '#'); i > 0 {
		return src[:i], 0, src[i+1:], i+1 < len(src)
	}
	i := strings.LastIndexByte(src, ':')
	if i <= 0 {
		return "", 0, "", false
	}
	var n int
	if _, err := fmt.Sscanf(src[i+1:], "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != src[i+1:] {
		return "", 0, "", false
	}
	return src[:i], n, "", true
}

// want says whether c claims a value, and describes it.
func want(c analysis.Citation) (claims bool, desc string) {
	if c.Kind != analysis.CiteValue && c.Kind != analysis.CiteAlso {
		return false, ""
	}
	d := fmtValue(c.Value)
	if c.Metric != "" {
		d = c.Metric + " " + d
	}
	return true, d
}

func fmtValue(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "non-finite"
	}
	return fmt.Sprint(x)
}

// JSON checks a report saved as JSON (plateau report --format json).
// JSON has no NaN: a cited value written as null is taken as the
// non-finite value the report had. The cited files are opened under
// base, or where disk says (see DiskPaths; nil for none).
func JSON(data []byte, base string, disk map[string]string) (Result, *analysis.Report, error) {
	var rep analysis.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return Result{}, nil, fmt.Errorf("not a plateau JSON report: %w", err)
	}
	if !strings.HasPrefix(rep.Schema, "plateau.report/") {
		return Result{}, nil, fmt.Errorf("not a plateau JSON report: schema %q", rep.Schema)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return Result{}, nil, err
	}
	nulls := map[string]bool{}
	nullValues(doc, "", nulls)
	return newVerifier(&rep, base, disk).checkAll(rep.Citations(), nulls), &rep, nil
}

// nullValues records the paths of the sources of objects whose value is
// null, and of the metric sources of null metrics.
func nullValues(x any, path string, out map[string]bool) {
	switch x := x.(type) {
	case map[string]any:
		if _, ok := x["source"]; ok {
			if v, ok := x["value"]; ok && v == nil {
				out[path+".source"] = true
			}
		}
		if ms, ok := x["metrics"].(map[string]any); ok {
			for k, v := range ms {
				if v == nil {
					out[path+".metric_sources."+k] = true
				}
			}
		}
		for k, y := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			nullValues(y, p, out)
		}
	case []any:
		for i, y := range x {
			nullValues(y, fmt.Sprintf("%s[%d]", path, i), out)
		}
	}
}
