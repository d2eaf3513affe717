package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/trainlog"
)

func TestSourceSplit(t *testing.T) {
	tests := []struct {
		src        string
		head, tail string
		n          int64
	}{
		{"trainer_state.json#log_history[61]", "trainer_state.json#log_history[", "]", 61},
		{"console.log:4", "console.log:", "", 4},
		{"runs/events.out.tfevents.1795725323.vm.469.0#record[3]", "runs/events.out.tfevents.1795725323.vm.469.0#record[", "]", 3},
		{"trainer_log.jsonl#record[0]", "trainer_log.jsonl#record[", "]", 0},
		{"no number", "no number", "", -1},
		{"x.log:007", "x.log:007", "", -1},                                   // a leading zero would not survive
		{"x.log:12345678901234567890", "x.log:12345678901234567890", "", -1}, // too long for a number
	}
	tab := &srcTable{index: map[[2]string]int{}}
	for _, tt := range tests {
		k, n := tab.split(tt.src)
		row := tab.rows[k]
		if row[0] != tt.head || row[1] != tt.tail || n != tt.n {
			t.Errorf("split(%q) = %q, %d, %q; want %q, %d, %q", tt.src, row[0], n, row[1], tt.head, tt.n, tt.tail)
		}
		// As the page's script joins them.
		got := row[0] + row[1]
		if n >= 0 {
			got = row[0] + strconv.FormatInt(n, 10) + row[1]
		}
		if got != tt.src {
			t.Errorf("split(%q) joins back to %q", tt.src, got)
		}
	}
	if k, n := tab.split(""); k != -1 || n != -1 {
		t.Errorf("split(\"\") = %d, %d, want -1, -1", k, n)
	}
	if k1, _ := tab.split("console.log:5"); k1 != 1 {
		t.Errorf("console.log:5 got pattern %d, want console.log:4's (1)", k1)
	}
}

// TestChartDataRoundTrip checks that the page's chart data, decoded as
// the page's script does, holds every drawn point with its value and
// source.
func TestChartDataRoundTrip(t *testing.T) {
	specs := buildCharts(fixtureReport(fixtureOptions{steps: 300, hostile: true}), HTMLOptions{})
	b, err := json.Marshal(chartData(specs))
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Src    [][2]string `json:"src"`
		Charts []struct {
			ID     string `json:"id"`
			Series []struct {
				Name string     `json:"name"`
				X    []*float64 `json:"x"`
				Y    []*float64 `json:"y"`
				SK   []int      `json:"sk"`
				SN   []int64    `json:"sn"`
			} `json:"series"`
		} `json:"charts"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Charts) != len(specs) {
		t.Fatalf("%d charts in the data, want %d", len(page.Charts), len(specs))
	}
	points := 0
	for i, spec := range specs {
		c := page.Charts[i]
		if c.ID != spec.Chart.ID {
			t.Errorf("chart %d is %s, want %s", i, c.ID, spec.Chart.ID)
		}
		for j, s := range spec.Chart.Series {
			d := c.Series[j]
			if d.Name != s.Name || len(d.X) != len(s.Points) {
				t.Fatalf("%s: series %q of %d points, want %q of %d", c.ID, d.Name, len(d.X), s.Name, len(s.Points))
			}
			for k, p := range s.Points {
				x, y := *d.X[k], *d.Y[k]
				if x != p.X || math.Abs(y-p.Y) > 1e-6*math.Abs(p.Y) {
					t.Fatalf("%s/%s point %d = (%v, %v), want (%v, %v)", c.ID, s.Name, k, x, y, p.X, p.Y)
				}
				if !s.Dots {
					continue
				}
				src := ""
				if d.SK[k] >= 0 {
					row := page.Src[d.SK[k]]
					src = row[0] + row[1]
					if d.SN[k] >= 0 {
						src = row[0] + strconv.FormatInt(d.SN[k], 10) + row[1]
					}
				}
				if src != p.Loc {
					t.Fatalf("%s/%s point %d: source %q, want %q", c.ID, s.Name, k, src, p.Loc)
				}
				points++
			}
		}
	}
	if points < 1000 {
		t.Errorf("only %d points checked", points)
	}
}

// TestUplotVendored checks the embedded uPlot against the checksums in
// uplot/README.md, so that it is the release it says it is.
func TestUplotVendored(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("uplot", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"uPlot.iife.min.js": uplotJS, "uPlot.min.css": uplotCSS} {
		sum := sha256.Sum256([]byte(content))
		want := "`" + name + "` (sha256 " + hex.EncodeToString(sum[:]) + ")"
		if !strings.Contains(string(readme), want) {
			t.Errorf("uplot/README.md does not list %s", want)
		}
	}
}

// TestChartDataEstimatedSteps renders the charts of a console log whose
// every step is estimated: the page's chart data flag each such point
// and marker (its tooltip shows "step ~N", as the text does), and the
// standalone charts' tooltips mark the step too.
func TestChartDataEstimatedSteps(t *testing.T) {
	path := filepath.Join("..", "trainlog", "testdata", "console", "layouts", "crlf_pasted.log")
	run, err := trainlog.Load([]string{path}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := analysis.Analyze(run, analysis.DefaultOptions)
	data := chartData(buildCharts(r, HTMLOptions{}))
	flagged := 0
	for _, c := range data.Charts {
		for _, s := range c.Series {
			ser := run.Get(strings.Fields(s.Name)[0])
			if ser == nil {
				t.Fatalf("%s: series %q is no run series", c.ID, s.Name)
			}
			for i, x := range s.X {
				p, ok := ser.At(int64(x))
				if !ok {
					continue // an EMA point between steps: none here
				}
				est := len(s.ES) > i && s.ES[i] == 1
				if est != p.StepEstimated {
					t.Errorf("%s %s at step %v: flagged %v, estimated %v", c.ID, s.Name, x, est, p.StepEstimated)
				}
				if est {
					flagged++
				}
			}
			if s.ES != nil && len(s.ES) != len(s.X) {
				t.Errorf("%s %s: %d flags for %d points", c.ID, s.Name, len(s.ES), len(s.X))
			}
		}
		for _, m := range c.Markers {
			if m.Est != (r.StepEstimated(int64(m.X)) != "") && !strings.HasPrefix(m.Label, "checkpoint ") {
				t.Errorf("%s marker %q at step %v: est %v", c.ID, m.Label, float64(m.X), m.Est)
			}
		}
	}
	if flagged == 0 {
		t.Error("no point flagged as estimated")
	}
	files, err := ChartFiles(r, HTMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	titles := 0
	for _, f := range files {
		for _, m := range regexp.MustCompile(`<title>[^<]* · step (~?)(\d+)`).FindAllStringSubmatch(string(f.Data), -1) {
			titles++
			if n, _ := strconv.ParseInt(m[2], 10, 64); (m[1] == "~") != (r.StepEstimated(n) != "") {
				t.Errorf("%s: tooltip %q", f.Name, m[0])
			}
		}
	}
	if titles == 0 {
		t.Error("no point tooltip in the standalone charts")
	}
}
