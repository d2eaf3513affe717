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
	"unicode/utf8"
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

	names []int // columns of names (see Names)
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

// Names marks the given columns (0-based) as holding names: paths, run
// names. When the table does not fit MaxWidth otherwise (after wrapping
// at spaces and spilling), such a column narrows below its longest word,
// and a word wider than it breaks after a '/', else a '-', '_' or '.'
// (anywhere when it has none), onto two lines at most: a long path wraps
// within its column instead of widening the table.
func (t *Table) Names(cols ...int) *Table {
	t.names = append(t.names, cols...)
	return t
}

func (t *Table) isName(c int) bool {
	for _, n := range t.names {
		if n == c {
			return true
		}
	}
	return false
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
	// Lift, when positive, names a column (1-based) that leaves the grid
	// when the table does not fit MaxWidth otherwise: each row's cell of
	// that column goes on a line of its own above the row (a long run
	// name above its numbers).
	Lift int
}

// MinWrapWidth is the narrowest a wrapped column becomes.
const MinWrapWidth = 10

// WriteText writes t as aligned columns.
func (t *Table) WriteText(w io.Writer, opts TextOptions) error {
	if len(t.Header) == 0 {
		return nil
	}
	if l := opts.Lift - 1; l >= 0 && l < len(t.Header) && len(t.Header) > 1 && opts.MaxWidth > 0 {
		if _, _, _, fits := t.layout(opts); !fits {
			return t.writeLifted(w, opts, l)
		}
	}
	return t.writeGrid(w, opts, nil)
}

// layout returns the column widths, the number of columns in the grid,
// the header of the spilled column ("" when none) and whether the grid
// fits opts.MaxWidth.
func (t *Table) layout(opts TextOptions) (widths []int, n int, spill string, fits bool) {
	n = len(t.Header)
	gap := opts.gap()
	widths = t.widths()
	if opts.MaxWidth <= 0 {
		return widths, n, "", true
	}
	// Wrap at spaces first, then move the last column out, and break
	// names only when the table still does not fit.
	room := opts.MaxWidth - Width(opts.Indent)
	fits = t.fit(widths, room-gap*(n-1), false)
	if !fits && opts.Spill && n > 1 {
		spill, n = t.Header[n-1], n-1
		widths = t.widths()[:n]
		fits = t.fit(widths, room-gap*(n-1), false)
	}
	if broken := append([]int(nil), widths...); !fits && t.fit(broken, room-gap*(n-1), true) && t.namesFit(broken) {
		widths, fits = broken, true // names broken only when that makes the table fit
	}
	return widths, n, spill, fits
}

// namesFit reports whether every cell of a column of names fits its
// width on two lines at most, once broken (a name in more pieces is
// hard to read: a Lift column then goes above its row instead).
func (t *Table) namesFit(widths []int) bool {
	for _, c := range t.names {
		if c >= len(widths) {
			continue
		}
		for _, r := range t.Rows {
			if c < len(r) && Width(r[c]) > widths[c] && len(breakNames(Wrap(r[c], widths[c]), widths[c])) > 2 {
				return false
			}
		}
	}
	return true
}

func (o TextOptions) gap() int {
	if o.Gap <= 0 {
		return 2
	}
	return o.Gap
}

// writeLifted writes the table without column l, each row's cell of
// column l on a line of its own above the row.
func (t *Table) writeLifted(w io.Writer, opts TextOptions, l int) error {
	keep := func(cells []string) []string {
		for len(cells) < len(t.Header) {
			cells = append(cells, "")
		}
		out := make([]string, 0, len(cells)-1)
		out = append(out, cells[:l]...)
		return append(out, cells[l+1:]...)
	}
	sub := &Table{Header: keep(t.Header)}
	for c := range t.Header {
		if c != l {
			sub.Align = append(sub.Align, t.align(c))
		}
	}
	for _, c := range t.names {
		switch {
		case c < l:
			sub.names = append(sub.names, c)
		case c > l:
			sub.names = append(sub.names, c-1)
		}
	}
	for _, r := range t.Rows {
		sub.Rows = append(sub.Rows, keep(r))
	}
	opts.Lift = 0
	return sub.writeGrid(w, opts, func(row int) []string {
		cell := ""
		if l < len(t.Rows[row]) {
			cell = t.Rows[row][l]
		}
		lines := Wrap(cell, opts.MaxWidth-Width(opts.Indent))
		if t.isName(l) {
			lines = breakNames(lines, opts.MaxWidth-Width(opts.Indent))
		}
		return lines
	})
}

// writeGrid writes the table as a grid; before, when not nil, gives the
// lines written above each data row.
func (t *Table) writeGrid(w io.Writer, opts TextOptions, before func(row int) []string) error {
	widths, n, spill, _ := t.layout(opts)
	var b strings.Builder
	sep := strings.Repeat(" ", opts.gap())
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
				if t.isName(c) {
					lines[c] = breakNames(lines[c], widths[c])
				}
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
	for i, r := range t.Rows {
		if before != nil {
			for _, l := range before(i) {
				b.WriteString(strings.TrimRight(opts.Indent+l, " ") + "\n")
			}
		}
		writeRow(r)
		spilled(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fit narrows the widest wrappable columns, one column at a time, until
// the widths sum to at most room or no column can narrow further; with
// breakNames, columns of names narrow below their longest word. It
// reports whether the columns fit.
func (t *Table) fit(widths []int, room int, breakNames bool) bool {
	floor := make([]int, len(widths))
	for c := range widths {
		floor[c] = widths[c] // right-aligned: never narrowed
		switch {
		case t.align(c) == Left && t.isName(c) && breakNames:
			floor[c] = min(widths[c], MinWrapWidth)
		case t.align(c) == Left:
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

// breakNames breaks the lines wider than width after their last '/'
// that fits, else their last '-', '_' or '.', else at width. A line holding
// an escape sequence is left whole.
func breakNames(lines []string, width int) []string {
	var out []string
	for _, line := range lines {
		for Width(line) > width && !strings.ContainsRune(line, 0x1b) {
			// The byte offsets after the last '/' that fits, after the
			// last other break that fits, and after the last rune that
			// fits.
			slash, other, end, w := 0, 0, 0, 0
			for i := 0; i < len(line); {
				r, size := utf8.DecodeRuneInString(line[i:])
				w += runeWidth(r)
				if w > width {
					break
				}
				i += size
				end = i
				switch r {
				case '/':
					slash = end
				case '-', '_', '.':
					other = end
				}
			}
			cut := slash
			if cut == 0 {
				cut = other
			}
			if cut == 0 {
				cut = end
			}
			if cut == 0 {
				_, cut = utf8.DecodeRuneInString(line) // a rune wider than the column
			}
			out = append(out, line[:cut])
			line = line[cut:]
		}
		out = append(out, line)
	}
	return out
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
