package report_test

import (
	"bytes"
	"fmt"
	"log"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/report"
	"github.com/plateau-dev/plateau/trainlog"
)

// WriteMarkdown renders a Report as CommonMark with pipe tables: the
// answer card first, then one short table per section, each number
// followed by its source. The example prints the title and the card's
// status and checkpoint.
func ExampleWriteMarkdown() {
	run, err := trainlog.Load([]string{"../examples/hf_v5_overfit_eval"}, trainlog.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.WriteMarkdown(&buf, analysis.Analyze(run, analysis.DefaultOptions), report.Options{}); err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			fmt.Println(line)
		case strings.HasPrefix(line, "- **Status** "), strings.HasPrefix(line, "- **Use** "):
			head, _, _ := strings.Cut(line, ":")
			fmt.Println(head)
			return
		}
	}
	// Output:
	// # plateau: hf_v5_overfit_eval: sft, 500 steps, 25 epochs
	// - **Status** **overfitting**
}
