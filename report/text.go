package report

import (
	"errors"
	"fmt"
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
	// answer card in text output.
	Chart bool
	// Full writes every section with its whole detail (files, geometry,
	// every evaluation, the trend test, all findings, spikes, events);
	// the default writes each section as a short table.
	Full bool
	// Summary writes the answer card alone (in Markdown, the card, then
	// the default sections folded in a <details> element).
	Summary bool
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
	for i, b := range build(r, opts, false).blocks {
		// A blank line between blocks, except under a heading and
		// between a table and the note that follows it.
		// In the default report, a section's rule separates it well
		// enough.
		if i > 0 && (b.kind == blockHeading && (opts.Full || b.level != 2) || (b.kind != blockHeading && tw.prev != blockHeading && !(tw.prev == blockTable && b.kind == blockPara))) {
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
		tw.heading(b.level, tw.inline(b.text), b.link)
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
		tt := texttab.New(tw.cells(b.tab.header)...).AlignRight(b.tab.right...).Names(b.tab.names...)
		for _, row := range b.tab.rows {
			tt.Add(tw.cells(row)...)
		}
		_ = tt.WriteText(&tw.b, texttab.TextOptions{Indent: "  ", MaxWidth: tw.opts.Width, Rule: '─', Spill: true, Lift: b.tab.lift})
	case blockChart:
		for _, line := range chartLines(tw.r, min(tw.opts.Width, 80), tw.opts.Color) {
			tw.b.WriteString(line + "\n")
		}
	case blockCard:
		tw.card(*b.card)
	}
}

func (tw *textWriter) cells(in []string) []string {
	out := make([]string, len(in))
	for i, c := range in {
		out[i] = tw.inline(c)
	}
	return out
}

// card writes the answer card: a label column and wrapped answers, in
// at most maxCardLines lines with the title (the last problems go when
// it would be longer; they are under Pitfalls).
func (tw *textWriter) card(c card) {
	for _, l := range tw.cardLines(fitCard(c, tw.opts)) {
		tw.b.WriteString(l + "\n")
	}
}

// fitCard drops the card's last problems until the text card, with its
// title, takes at most maxCardLines lines at o's width.
func fitCard(c card, o Options) card {
	tw := &textWriter{opts: o}
	if tw.opts.Width <= 0 {
		tw.opts.Width = DefaultWidth
	}
	tw.opts.Width = max(tw.opts.Width, 40)
	rows := append([]cardRow(nil), c.rows...)
	c.rows = rows
	for len(rows) > 0 {
		last := &rows[len(rows)-1]
		if len(tw.cardLines(c))+2 <= maxCardLines || len(last.items) <= 1 {
			return c
		}
		last.items = last.items[:len(last.items)-1]
		if len(last.itemFindings) > len(last.items) {
			last.itemFindings = last.itemFindings[:len(last.items)]
		}
	}
	return c
}

// cardLines lays out the card's rows.
func (tw *textWriter) cardLines(c card) []string {
	var b strings.Builder
	lw := 0
	for _, row := range c.rows {
		lw = max(lw, texttab.Width(row.label))
	}
	lw += 2
	pad := strings.Repeat(" ", lw)
	for _, row := range c.rows {
		label := tw.paint(row.label, term.Bold) + strings.Repeat(" ", lw-texttab.Width(row.label))
		lines := texttab.Wrap(tw.inline(row.text), tw.opts.Width-lw)
		if row.text == "" {
			lines = nil
		}
		for i, line := range lines {
			if i == 0 {
				b.WriteString(label + line + "\n")
			} else {
				b.WriteString(pad + line + "\n")
			}
		}
		for k, item := range row.items {
			num := fmt.Sprintf("%d. ", k+1)
			for i, line := range texttab.Wrap(tw.inline(item), tw.opts.Width-lw-len(num)) {
				switch {
				case i > 0:
					b.WriteString(pad + strings.Repeat(" ", len(num)) + line + "\n")
				case k == 0 && len(lines) == 0:
					b.WriteString(label + num + line + "\n")
				default:
					b.WriteString(pad + num + line + "\n")
				}
			}
		}
	}
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

func (tw *textWriter) heading(level int, text, link string) {
	switch level {
	case 1:
		w := 0
		for _, line := range texttab.Wrap(text, tw.opts.Width) {
			tw.b.WriteString(tw.paint(line, term.Bold) + "\n")
			w = max(w, texttab.Width(line))
		}
		tw.b.WriteString(strings.Repeat("═", w) + "\n")
	case 2:
		rule := "── " + text + " "
		tail := ""
		if link != "" {
			tail = " " + methodsLink(link)
		}
		if fill := tw.opts.Width - texttab.Width(rule) - texttab.Width(tail); fill > 0 {
			rule += strings.Repeat("─", fill)
		} else {
			tail = ""
			if fill := tw.opts.Width - texttab.Width(rule); fill > 0 {
				rule += strings.Repeat("─", fill)
			}
		}
		if tail != "" {
			tail = tw.paint(tail, term.Dim)
		}
		tw.b.WriteString(tw.paint(rule, term.Bold) + tail + "\n")
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
