package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
)

func TestEscapeMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"train_loss and mean_token_accuracy", "train_loss and mean_token_accuracy"},
		{"_leading and trailing_", `\_leading and trailing\_`},
		{"a *bold* claim", `a \*bold\* claim`},
		{"~0.6 to ~0.9", `\~0.6 to \~0.9`},
		{"p < 0.001, a<b", `p < 0.001, a\<b`},
		{"<script>", `\<script>`},
		{"[-0.011, 0]", "[-0.011, 0]"},
		{"[x](http://e)", `[x\](http://e)`},
		{"back`tick", "back\\`tick"},
		{`a\b`, `a\\b`},
		{"&amp; & 1", `\&amp; & 1`},
		{"issue #12", "issue #12"},
	}
	for _, tt := range tests {
		if got := escapeMarkdown(tt.in); got != tt.want {
			t.Errorf("escapeMarkdown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscapeBlockStart(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2.81 → 0.13", "2.81 → 0.13"},
		{"2. item", `2\. item`},
		{"10) item", `10\) item`},
		{"- dash", `\- dash`},
		{"> quote", `\> quote`},
		{"[x]: def", `\[x]: def`},
		{"# heading", `\# heading`},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := escapeBlockStart(tt.in); got != tt.want {
			t.Errorf("escapeBlockStart(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCodeSpan(t *testing.T) {
	tests := []struct{ in, want string }{
		{"all_logs.log:42", "`all_logs.log:42`"},
		{"a`b", "``a`b``"},
		{"`x", "`` `x ``"},
	}
	for _, tt := range tests {
		if got := codeSpan(tt.in); got != tt.want {
			t.Errorf("codeSpan(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMarkdownCells checks that report strings holding Markdown
// metacharacters reach the table cells and list items escaped, and
// sources stay greppable in code spans.
func TestMarkdownCells(t *testing.T) {
	r := emptyReport()
	r.Findings = []analysis.Finding{{
		Kind: analysis.KindNoSummary, Cause: analysis.CauseCrash, Severity: analysis.SevError, Detail: "loss | eval *diverged* at <step>",
		Step: 3, FromStep: 3, ToStep: 3, Sources: []string{"a|b.log:3"},
	}}
	r.Run.Events = []analysis.Event{{
		Kind: "crash", Step: 3, Message: "loss | eval *diverged* at <step>",
		Sources: []string{"a|b.log:3"},
	}}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r, Options{}); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		`| crash |    3 | loss \| eval \*diverged\* at \<step> |`,
		`- **error** (step 3): The run ended without an end-of-training summary: it crashed (loss | eval \*diverged\* at \<step>); the last logged step is 3. Sources: `,
		"`a\\|b.log:3`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	checkMarkdownTables(t, md)
}

// TestMarkdownStructure checks the headings of a full report, in order.
func TestMarkdownStructure(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, seedReport(t), Options{Color: true, Chart: true}); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if strings.Contains(md, "\x1b") {
		t.Error("markdown holds an escape sequence")
	}
	if strings.ContainsAny(md, "\x01\x02\x03\x04") {
		t.Error("markdown holds unrendered inline markup")
	}
	var headings []string
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "#") {
			headings = append(headings, line)
		}
	}
	want := []string{
		"# plateau report: lora_elderly_single", "## 1. Run", "### Files", "### Geometry",
		"## 2. Milestones", "## 3. Phases", "## 4. Mean train_loss vs final level",
		"## 5. End-of-run fluctuation", "## 6. Token accuracy", "## 7. Learning rate",
		"## 8. Throughput and cost", "## 9. Generalisation", "## 10. Checkpoints",
		"## 11. Another epoch?", "## 12. Trend and plateau evidence", "## 13. Findings and pitfalls",
		"### Spikes", "### Events", "### Warnings", "## 14. Summary",
	}
	if strings.Join(headings, "\n") != strings.Join(want, "\n") {
		t.Errorf("headings:\n%s\nwant:\n%s", strings.Join(headings, "\n"), strings.Join(want, "\n"))
	}
	// Every source of the seed's milestones is in a code span.
	for _, m := range seedReport(t).Milestones {
		for _, s := range m.Sources {
			if !strings.Contains(md, "`"+s+"`") {
				t.Errorf("source %s is not in a code span", s)
			}
		}
	}
}
