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
	if err := WriteMarkdown(&b, r, Options{Full: true}); err != nil {
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

// TestMarkdownStructure checks the headings of the default and the
// full report, in order, and that sources are in code spans.
func TestMarkdownStructure(t *testing.T) {
	r := seedReport(t)
	tests := []struct {
		name string
		opts Options
		want []string
		srcs func(analysis.Milestone) []string // the sources shown
	}{
		{"default", Options{Color: true, Chart: true}, []string{
			"# plateau: lora_elderly_single: sft, 750 steps, 3 epochs",
			"## Milestones · `how: docs/methods.md#milestones`", "## Phases · `how: docs/methods.md#phases`",
			"## train_loss vs final level · `how: docs/methods.md#train-loss`", "## End-of-run fluctuation · `how: docs/methods.md#noise`",
			"## Token accuracy · `how: docs/methods.md#accuracy`", "## Learning rate · `how: docs/methods.md#lr`",
			"## Throughput and cost · `how: docs/methods.md#throughput`", "## Generalisation (no eval) · `how: docs/methods.md#eval`",
			"## Checkpoints · `how: docs/methods.md#checkpoints`", "## Pitfalls · `how: docs/methods.md#findings`", "## Summary",
		}, func(m analysis.Milestone) []string { return []string{m.Source} }},
		{"full", Options{Full: true}, []string{
			"# plateau: lora_elderly_single: sft, 750 steps, 3 epochs",
			"## Verdict · `how: docs/methods.md#verdict`", "## 1. Run · `how: docs/methods.md#run`", "### Files", "### Geometry",
			"## 2. Milestones · `how: docs/methods.md#milestones`", "## 3. Phases · `how: docs/methods.md#phases`",
			"## 4. Mean train_loss vs final level · `how: docs/methods.md#train-loss`",
			"## 5. End-of-run fluctuation · `how: docs/methods.md#noise`", "## 6. Token accuracy · `how: docs/methods.md#accuracy`",
			"## 7. Learning rate · `how: docs/methods.md#lr`", "## 8. Throughput and cost · `how: docs/methods.md#throughput`",
			"## 9. Generalisation · `how: docs/methods.md#eval`", "## 10. Checkpoints · `how: docs/methods.md#checkpoints`",
			"## 11. Another epoch? · `how: docs/methods.md#another-epoch`", "## 12. Trend and plateau evidence · `how: docs/methods.md#trend`",
			"## 13. Findings and pitfalls · `how: docs/methods.md#findings`", "### Spikes", "### Events", "### Warnings", "## Summary",
		}, func(m analysis.Milestone) []string { return m.Sources }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteMarkdown(&b, r, tt.opts); err != nil {
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
			if strings.Join(headings, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("headings:\n%s\nwant:\n%s", strings.Join(headings, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, m := range r.Milestones {
				for _, s := range tt.srcs(m) {
					if !strings.Contains(md, "`"+s+"`") {
						t.Errorf("source %s is not in a code span", s)
					}
				}
			}
		})
	}
}
