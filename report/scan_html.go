package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

// WriteScanHTML writes a scan as one offline HTML page: the table of the
// runs, then for each run its verdict, summary, recommended checkpoint
// and problems, in a section that opens and closes.
func WriteScanHTML(w io.Writer, s *analysis.Scan) error {
	if s == nil {
		return errNilScan
	}
	d := buildScan(s)
	d.heading(2, "Each run")
	body := string(docHTML(d, nil, func(t *table, row, col int) string {
		if col == 1 && row < len(s.Runs) {
			return "#" + runAnchor(row)
		}
		return ""
	}))
	var b strings.Builder
	b.WriteString(body)
	for i, r := range s.Runs {
		b.WriteString(`<details id="` + runAnchor(i) + `"><summary>` + renderInline(em(statusStyle(r.Verdict.Status), statusWord(r.Verdict.Status))+" "+code(r.Rel), docInline{}) + "</summary>\n")
		b.WriteString(string(docHTML(runDoc(r), nil, nil)))
		b.WriteString("</details>\n")
	}
	var buf bytes.Buffer
	if err := writeDocPage(&buf, "plateau scan: "+s.Root, template.HTML(b.String())); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func runAnchor(i int) string { return "run-" + strconv.Itoa(i+1) }

// runDoc is the short account of one run in a scan page: its verdict,
// summary, recommended checkpoint and problems.
func runDoc(r analysis.ScanRun) *doc {
	d := &doc{}
	if r.Error != "" {
		d.para("Could not be read: " + prose(r.Error))
		return d
	}
	rep := r.Report
	if rep == nil {
		return d
	}
	v := rep.Verdict
	line := "Verdict: " + em(statusStyle(v.Status), statusWord(v.Status))
	if v.Confidence != "" {
		line += " (confidence " + prose(string(v.Confidence)) + ")"
	}
	if reason := verdictReason(rep); reason != "" {
		line += " — " + strings.TrimSuffix(reason, ".") + "."
	}
	d.para(line)
	d.list(buildCard(rep).items())
	d.para("Checkpoint: " + recommendText(rep))
	if len(r.Problems) > 0 {
		var items []string
		for _, f := range r.Problems {
			items = append(items, finding(f, rep))
		}
		d.heading(3, "Problems")
		d.list(items)
	}
	return d
}

// A ScanFile is one file of a scan's offline folder.
type ScanFile struct {
	// Name is the path in the folder: "index.html" or "runs/<run>.html".
	Name string
	Data []byte
}

// ScanHTMLFiles renders a scan as an offline folder: index.html, the
// table of the runs with each run linked to its full report, and
// runs/<run>.html, each written by WriteHTML. The reports need the runs'
// data (analysis.Report.Data). It writes nothing: the caller writes the
// files, with the checks every output gets. The index comes first.
func ScanHTMLFiles(s *analysis.Scan, opts HTMLOptions) ([]ScanFile, error) {
	if s == nil {
		return nil, errNilScan
	}
	var files []ScanFile
	names := make([]string, len(s.Runs))
	used := map[string]bool{"index.html": true}
	for i, r := range s.Runs {
		if r.Report == nil {
			continue
		}
		var buf bytes.Buffer
		if err := WriteHTML(&buf, r.Report, opts); err != nil {
			return nil, fmt.Errorf("%s: %w", r.Path, err)
		}
		names[i] = "runs/" + pageName(r.Rel, used)
		files = append(files, ScanFile{Name: names[i], Data: buf.Bytes()})
	}
	body := docHTML(buildScan(s), nil, func(t *table, row, col int) string {
		if col == 1 && row < len(names) {
			return names[row]
		}
		return ""
	})
	var buf bytes.Buffer
	if err := writeDocPage(&buf, "plateau scan: "+s.Root, body); err != nil {
		return nil, err
	}
	return append([]ScanFile{{Name: "index.html", Data: buf.Bytes()}}, files...), nil
}

// pageName makes a file name for a run's report from its folder,
// unique among used.
func pageName(rel string, used map[string]bool) string {
	base := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		case r == '/':
			return '_'
		}
		return '-'
	}, rel)
	base = strings.Trim(base, ".")
	if base == "" {
		base = "run"
	}
	name := base + ".html"
	for i := 2; used[name]; i++ {
		name = base + "-" + strconv.Itoa(i) + ".html"
	}
	used[name] = true
	return name
}
