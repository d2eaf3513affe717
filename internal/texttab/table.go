// Package texttab lays out tables of strings for the text and Markdown
// renderers: aligned columns for a terminal, pipe tables for Markdown.
//
// Cells are final strings: the caller formats numbers and inline markup
// first. Widths are display widths, so ANSI colour sequences count as zero
// columns and East Asian wide characters as two.
package texttab

import (
	"io"
	"strings"
)

// Align is the horizontal alignment of a column.
type Align int

// Alignments.
const (
	Left Align = iota
	Right
)

// A Table is a header row and data rows. Rows shorter than the header are
// padded with empty cells; extra cells are dropped.
type Table struct {
	Header []string
	Align  []Align
	Rows   [][]string
}

// New returns a table with the given column headers, all left-aligned.
func New(header ...string) *Table {
	return &Table{Header: header, Align: make([]Align, len(header))}
}

// AlignRight right-aligns the given columns (0-based); out-of-range
// columns are ignored.
func (t *Table) AlignRight(cols ...int) *Table {
	for _, c := range cols {
		if c >= 0 && c < len(t.Align) {
			t.Align[c] = Right
		}
	}
	return t
}

// Add appends a row.
func (t *Table) Add(cells ...string) {
	row := make([]string, len(t.Header))
	copy(row, cells)
	t.Rows = append(t.Rows, row)
}

// Len returns the number of data rows.
func (t *Table) Len() int { return len(t.Rows) }

// TextOptions control WriteText.
type TextOptions struct {
	// Indent is written before every line.
	Indent string
	// Gap is the number of spaces between columns; 0 means 2.
	Gap int
	// MaxWidth, when positive, is the line width to fit. When the table is
	// wider, the widest left-aligned columns are narrowed (down to
	// MinWrapWidth or their longest word) and their cells wrap at spaces
	// onto continuation lines. Right-aligned columns never wrap. A table
	// that still does not fit is written wider than MaxWidth.
	MaxWidth int
	// Rule draws a line of this character under the header; 0 means none.
	Rule rune
	// Spill, when the table does not fit MaxWidth even with wrapped
	// columns, moves the last column out of the grid: each row's last cell
	// goes on its own lines below the row, indented and prefixed by the
	// column's header ("    Source: a.log:3").
	Spill bool
}

// MinWrapWidth is the narrowest a wrapped column becomes.
const MinWrapWidth = 10

// WriteText writes t as aligned columns.
func (t *Table) WriteText(w io.Writer, opts TextOptions) error {
	n := len(t.Header)
	if n == 0 {
		return nil
	}
	gap := opts.Gap
	if gap <= 0 {
		gap = 2
	}
	widths := t.widths()
	spill := ""
	if opts.MaxWidth > 0 {
		room := opts.MaxWidth - Width(opts.Indent)
		if !t.fit(widths, room-gap*(n-1)) && opts.Spill && n > 1 {
			spill, n = t.Header[n-1], n-1
			widths = t.widths()[:n]
			t.fit(widths, room-gap*(n-1))
		}
	}
	var b strings.Builder
	sep := strings.Repeat(" ", gap)
	spilled := func(cells []string) {
		if spill == "" || strings.TrimSpace(cells[n]) == "" {
			return
		}
		prefix := opts.Indent + "    "
		for _, l := range Wrap(spill+": "+cells[n], opts.MaxWidth-Width(prefix)) {
			b.WriteString(prefix + l + "\n")
		}
	}
	writeRow := func(cells []string) {
		lines := make([][]string, n)
		height := 1
		for c := range n {
			lines[c] = []string{cells[c]}
			if Width(cells[c]) > widths[c] {
				lines[c] = Wrap(cells[c], widths[c])
			}
			height = max(height, len(lines[c]))
		}
		for i := range height {
			var line strings.Builder
			line.WriteString(opts.Indent)
			for c := range n {
				cell := ""
				if i < len(lines[c]) {
					cell = lines[c][i]
				}
				if c > 0 {
					line.WriteString(sep)
				}
				line.WriteString(pad(cell, widths[c], t.align(c)))
			}
			b.WriteString(strings.TrimRight(line.String(), " "))
			b.WriteByte('\n')
		}
	}
	writeRow(t.Header[:n])
	if opts.Rule != 0 {
		rule := make([]string, n)
		for c := range rule {
			rule[c] = strings.Repeat(string(opts.Rule), widths[c])
		}
		writeRow(rule)
	}
	for _, r := range t.Rows {
		writeRow(r)
		spilled(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fit narrows the widest wrappable columns, one column at a time, until
// the widths sum to at most room or no column can narrow further. It
// reports whether the columns fit.
func (t *Table) fit(widths []int, room int) bool {
	floor := make([]int, len(widths))
	for c := range widths {
		floor[c] = widths[c] // right-aligned: never narrowed
		if t.align(c) == Left {
			floor[c] = min(widths[c], max(MinWrapWidth, t.longestWord(c)))
		}
	}
	total := 0
	for _, w := range widths {
		total += w
	}
	for total > room {
		widest := -1
		for c := range widths {
			if widths[c] > floor[c] && (widest < 0 || widths[c] > widths[widest]) {
				widest = c
			}
		}
		if widest < 0 {
			return false
		}
		widths[widest]--
		total--
	}
	return true
}

// longestWord returns the width of the longest space-free run in column c.
func (t *Table) longestWord(c int) int {
	w := 0
	check := func(s string) {
		for _, f := range strings.Fields(s) {
			w = max(w, Width(f))
		}
	}
	check(t.Header[c])
	for _, r := range t.Rows {
		check(r[c])
	}
	return w
}

// WriteMarkdown writes t as a GitHub-flavoured pipe table, padded so the
// raw text lines up. A '|' in a cell is escaped as `\|` (which GFM
// accepts inside code spans too) and a line break becomes a space.
func (t *Table) WriteMarkdown(w io.Writer) error {
	n := len(t.Header)
	if n == 0 {
		return nil
	}
	esc := func(cells []string) []string {
		out := make([]string, n)
		for i, c := range cells {
			out[i] = EscapeCell(c)
		}
		return out
	}
	header := esc(t.Header)
	rows := make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = esc(r)
	}
	widths := make([]int, n)
	for c := range widths {
		widths[c] = max(Width(header[c]), 3)
		for _, r := range rows {
			widths[c] = max(widths[c], Width(r[c]))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for c, cell := range cells {
			b.WriteString(" ")
			b.WriteString(pad(cell, widths[c], t.align(c)))
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	line(header)
	b.WriteString("|")
	for c := range widths {
		if t.align(c) == Right {
			b.WriteString(" " + strings.Repeat("-", widths[c]-1) + ": |")
		} else {
			b.WriteString(" " + strings.Repeat("-", widths[c]) + " |")
		}
	}
	b.WriteString("\n")
	for _, r := range rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// EscapeCell makes s safe inside a Markdown table cell: every '|' becomes
// `\|` (GFM unescapes it before inline parsing, inside code spans too) and
// line breaks become spaces.
func EscapeCell(s string) string {
	if !strings.ContainsAny(s, "|\r\n") {
		return s
	}
	r := strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ")
	return r.Replace(s)
}

func (t *Table) widths() []int {
	w := make([]int, len(t.Header))
	for c, h := range t.Header {
		w[c] = Width(h)
	}
	for _, r := range t.Rows {
		for c, cell := range r {
			w[c] = max(w[c], Width(cell))
		}
	}
	return w
}

func pad(s string, width int, a Align) string {
	fill := width - Width(s)
	if fill <= 0 {
		return s
	}
	if a == Right {
		return strings.Repeat(" ", fill) + s
	}
	return s + strings.Repeat(" ", fill)
}

func (t *Table) align(c int) Align {
	if c < len(t.Align) {
		return t.Align[c]
	}
	return Left
}
