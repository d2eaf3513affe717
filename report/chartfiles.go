package report

import (
	"bytes"
	"errors"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/svgplot"
)

// A ChartFile is one chart of a report as a standalone SVG document.
type ChartFile struct {
	// Name is the file name: the chart's id and ".svg".
	Name string
	Data []byte
}

// ChartFiles renders each chart of r as a standalone SVG document, in
// page order, for plateau report --charts. It writes nothing: the caller
// writes the files, with the checks every output gets.
func ChartFiles(r *analysis.Report, opts HTMLOptions) ([]ChartFile, error) {
	if r == nil {
		return nil, errors.New("charts: no report")
	}
	var out []ChartFile
	for _, c := range buildCharts(r, opts) {
		var b bytes.Buffer
		if err := svgplot.Render(&b, c.Chart, true); err != nil {
			return nil, err
		}
		out = append(out, ChartFile{Name: c.Chart.ID + ".svg", Data: b.Bytes()})
	}
	return out, nil
}
