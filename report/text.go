package report

import (
	"errors"
	"io"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/term"
	"github.com/plateau-dev/plateau/internal/texttab"
)

// Options control the human-readable renderers.
type Options struct {
	// Color allows ANSI colour in text output (verdict, severities,
	// headings). Set it only when writing to a terminal that accepts
	// colour (see internal/term); Markdown ignores it.
	Color bool
	// Width is the line width text output wraps to; 0 means 80. Markdown
	// is not wrapped.
	Width int
	// Chart adds a compact Unicode chart of the primary series under the
	// verdict in text output.
	Chart bool
}

// DefaultWidth is the text width used when Options.Width is 0.
const DefaultWidth = 80

// errNilReport is returned by the writers when given no report.
var errNilReport = errors.New("report: nil report")

// WriteText writes r as plain text for a terminal or a pipe: aligned
// columns, section rules, wrapped paragraphs. It writes no control codes
// unless opts.Color is set.
func WriteText(w io.Writer, r *analysis.Report, opts Options) error {
	if r == nil {
		return errNilReport
	}
	if opts.Width <= 0 {
		opts.Width = DefaultWidth
	}
	opts.Width = max(opts.Width, 40)
	tw := &textWriter{opts: opts, r: r}
	for i, b := range build(r, opts.Chart).blocks {
		if i > 0 && (b.kind == blockHeading || tw.prev != blockHeading) {
			tw.b.WriteString("\n")
		}
		tw.block(b)
		tw.prev = b.kind
	}
	_, err := io.WriteString(w, tw.b.String())
	return err
}

type textWriter struct {
	opts Options
	r    *analysis.Report
	b    strings.Builder
	prev blockKind
}

func (tw *textWriter) inline(s string) string {
	return renderInline(s, textInline{color: tw.opts.Color})
}

func (tw *textWriter) paint(s string, st term.Style) string {
	if tw.opts.Color {
		return term.Paint(s, st)
	}
	return s
}

func (tw *textWriter) block(b block) {
	switch b.kind {
	case blockHeading:
		tw.heading(b.level, tw.inline(b.text))
	case blockPara:
		for _, line := range texttab.Wrap(tw.inline(b.text), tw.opts.Width) {
			tw.b.WriteString(line + "\n")
		}
	case blockList:
		for _, item := range b.items {
			for i, line := range texttab.Wrap(tw.inline(item), tw.opts.Width-2) {
				if i == 0 {
					tw.b.WriteString("- " + line + "\n")
				} else {
					tw.b.WriteString("  " + line + "\n")
				}
			}
		}
	case blockTable:
		tt := texttab.New(tw.cells(b.tab.header)...).AlignRight(b.tab.right...)
		for _, row := range b.tab.rows {
			tt.Add(tw.cells(row)...)
		}
		_ = tt.WriteText(&tw.b, texttab.TextOptions{Indent: "  ", MaxWidth: tw.opts.Width, Rule: '─', Spill: true})
	case blockChart:
		for _, line := range chartLines(tw.r, min(tw.opts.Width, 80), tw.opts.Color) {
			tw.b.WriteString(line + "\n")
		}
	}
}

func (tw *textWriter) cells(in []string) []string {
	out := make([]string, len(in))
	for i, c := range in {
		out[i] = tw.inline(c)
	}
	return out
}

func (tw *textWriter) heading(level int, text string) {
	switch level {
	case 1:
		tw.b.WriteString(tw.paint(text, term.Bold) + "\n")
		tw.b.WriteString(strings.Repeat("═", min(texttab.Width(text), tw.opts.Width)) + "\n")
	case 2:
		rule := "── " + text + " "
		if fill := tw.opts.Width - texttab.Width(rule); fill > 0 {
			rule += strings.Repeat("─", fill)
		}
		tw.b.WriteString(tw.paint(rule, term.Bold) + "\n")
	default:
		tw.b.WriteString(tw.paint(text+":", term.Bold) + "\n")
	}
}

// textInline renders inline markup as plain text, with colour for
// emphasis when allowed.
type textInline struct{ color bool }

func (textInline) plain(s string) string { return s }
func (textInline) code(s string) string  { return s }

func (t textInline) em(style byte, inner string) string {
	if !t.color {
		return inner
	}
	switch style {
	case styleGood:
		return term.Paint(inner, term.Green)
	case styleInfo:
		return term.Paint(inner, term.Cyan)
	case styleWarn:
		return term.Paint(inner, term.Yellow)
	case styleBad:
		return term.Paint(inner, term.Red)
	case styleDim:
		return term.Paint(inner, term.Dim)
	}
	return term.Paint(inner, term.Bold)
}
