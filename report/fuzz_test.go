package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/trainlog"
)

// unescapeMarkdown undoes CommonMark backslash escapes of ASCII
// punctuation.
func unescapeMarkdown(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FuzzEscapeMarkdown checks that escaping loses nothing: undoing the
// backslash escapes gives the text back.
func FuzzEscapeMarkdown(f *testing.F) {
	for _, s := range []string{"train_loss 0.2587 *is* the mean", "~0.6–0.9 | <b> [x](y) & #1", `a\b`, "_x_ 1. - > #"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 || !utf8.ValidString(s) {
			return // invalid bytes become U+FFFD, on purpose
		}
		esc := escapeMarkdown(s)
		if got := unescapeMarkdown(esc); got != s {
			t.Fatalf("escapeMarkdown(%q) = %q, unescapes to %q", s, esc, got)
		}
		blk := escapeBlockStart(esc)
		if got := unescapeMarkdown(blk); got != s {
			t.Fatalf("escapeBlockStart(%q) unescapes to %q", esc, got)
		}
	})
}

// FuzzRenderers puts arbitrary text in every free-text field of a report
// and checks that all three renderers cope: no panic, no leaked inline
// markup, well-formed Markdown tables, and JSON that round-trips the text.
func FuzzRenderers(f *testing.F) {
	for _, s := range []string{
		"loss | console 0.1443 vs state 0.14431",
		"all_logs.log:77: expected a Python dict after '{', got end of line",
		"`code` **bold** \x1b[31mred\x1b[0m \x01\x02\x03b\x04 训练",
		"trainer_state.json#log_history[19]) and console.log:1528.",
	} {
		f.Add(s, 40)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		if len(s) > 2048 || width > 400 {
			return
		}
		r := emptyReport()
		r.Run.Name = s
		r.Run.Series = []string{s}
		r.Verdict.Reason = analysis.Reason{Rule: analysis.RuleTooFewPoints, Metric: s, Sources: []string{s}}
		r.Warnings = []analysis.Warning{{Source: s, Message: s}}
		r.Findings = []analysis.Finding{
			{Kind: analysis.FindingKind(s), Severity: analysis.Severity(s), Metric: s, Detail: s, File: s, Sources: []string{s}},
			{Kind: analysis.KindNoSummary, Cause: analysis.CauseCrash, Severity: analysis.SevError, Detail: s, Sources: []string{s}},
			{Kind: analysis.KindSourceDisagreement, Severity: analysis.SevWarning, Detail: s, Count: 1, Sources: []string{s}},
		}
		r.Run.Events = []analysis.Event{{Kind: s, Message: s, Sources: []string{s}}}
		r.Milestones = []analysis.Milestone{{First: true, Metrics: map[string]float64{s: 1}, Sources: []string{s}}}
		r.Data = trainlog.NewRun(s)
		var txt, md, js bytes.Buffer
		if err := WriteText(&txt, r, Options{Width: width, Chart: true, Color: width%2 == 0}); err != nil {
			t.Fatal(err)
		}
		if err := WriteMarkdown(&md, r, Options{}); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&js, r); err != nil {
			t.Fatal(err)
		}
		for _, out := range []string{txt.String(), md.String()} {
			if strings.ContainsAny(out, "\x01\x02\x03\x04") {
				t.Fatalf("inline markup leaked:\n%q", out)
			}
		}
		checkMarkdownTables(t, md.String())
		var back analysis.Report
		if err := json.Unmarshal(js.Bytes(), &back); err != nil {
			t.Fatalf("invalid JSON: %v", err)
		}
		if utf8.ValidString(s) && back.Verdict.Reason.Metric != s {
			t.Fatalf("reason metric %q came back as %q", s, back.Verdict.Reason.Metric)
		}
	})
}
