package report

import (
	"strconv"
	"strings"
	"unicode"
)

// The text and Markdown renderers share one document model: the sections
// are built once (build.go) as blocks holding strings with a little inline
// markup, and each renderer writes the blocks its own way.
//
// Inline markup uses control characters that never survive clean, so
// strings taken from a report cannot forge it:
//
//	codeOpen text codeClose        a source, a file or a name: `text` in Markdown
//	emOpen style text emClose      emphasis: **text** in Markdown, colour in text
//	stepOpen digits stepClose      a step of the logged data (see step): once
//	                               the report is built, "~N" where the data's
//	                               step N was estimated, N otherwise
const (
	codeOpen  = '\x01'
	codeClose = '\x02'
	emOpen    = '\x03'
	emClose   = '\x04'
	stepOpen  = '\x05'
	stepClose = '\x06'
)

// Emphasis styles (the byte after emOpen).
const (
	styleStrong = 'b' // bold
	styleGood   = 'g' // green: converged
	styleInfo   = 'c' // cyan: improving, info
	styleWarn   = 'y' // yellow: warnings, overfitting, stalled
	styleBad    = 'r' // red: errors, diverged
	styleDim    = 'd' // dim in text, plain in Markdown
)

type blockKind int

const (
	blockHeading blockKind = iota
	blockPara
	blockList
	blockTable
	blockChart
	blockCard // the answer card
	blockRaw  // raw Markdown (HTML details tags); text output skips it
)

// A block is one heading, paragraph, list, table or chart.
type block struct {
	kind  blockKind
	level int      // heading level, 1 to 3
	text  string   // heading or paragraph text, with inline markup
	items []string // list items
	tab   *table
	card  *card
	// link is a heading's pointer to its method (docs/methods.md#id).
	link string
}

// A table is a header and rows of cells with inline markup.
type table struct {
	header []string
	right  []int // right-aligned columns
	names  []int // columns of names, which wrap at / - _ in text
	lift   int   // 1-based column set above its row when too wide (text)
	rows   [][]string
}

func newTable(header ...string) *table { return &table{header: header} }

func (t *table) alignRight(cols ...int) *table {
	t.right = append(t.right, cols...)
	return t
}

// nameCols marks columns of paths or run names: in text, a long one
// wraps within its column after a '/', '-' or '_' (texttab.Table.Names).
func (t *table) nameCols(cols ...int) *table {
	t.names = append(t.names, cols...)
	return t
}

// liftCol sets column col (0-based) on a line of its own above each row
// when the text table does not fit its width otherwise
// (texttab.TextOptions.Lift).
func (t *table) liftCol(col int) *table {
	t.lift = col + 1
	return t
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// A doc is the ordered blocks of a report.
type doc struct{ blocks []block }

func (d *doc) heading(level int, text string) {
	d.blocks = append(d.blocks, block{kind: blockHeading, level: level, text: text})
}

func (d *doc) para(parts ...string) {
	text := strings.TrimSpace(strings.Join(nonEmpty(parts), " "))
	if text != "" {
		d.blocks = append(d.blocks, block{kind: blockPara, text: text})
	}
}

func (d *doc) list(items []string) {
	if len(items) > 0 {
		d.blocks = append(d.blocks, block{kind: blockList, items: items})
	}
}

func (d *doc) table(t *table) { d.blocks = append(d.blocks, block{kind: blockTable, tab: t}) }

func (d *doc) chart() { d.blocks = append(d.blocks, block{kind: blockChart}) }

func (d *doc) card(c card) { d.blocks = append(d.blocks, block{kind: blockCard, card: &c}) }

func (d *doc) raw(s string) { d.blocks = append(d.blocks, block{kind: blockRaw, text: s}) }

// section starts a section whose method docs/methods.md explains under
// the anchor id ("" for none).
func (d *doc) section(title, id string) {
	d.blocks = append(d.blocks, block{kind: blockHeading, level: 2, text: title, link: id})
}

// methodsLink is where a section's method is explained.
func methodsLink(id string) string { return "how: docs/methods.md#" + id }

func nonEmpty(parts []string) []string {
	out := parts[:0:0]
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

// clean makes a string from a report safe to embed: control characters
// (markup included) are dropped and line breaks and tabs become spaces.
func clean(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// prose cleans free text that package report did not write itself (a
// reader's note, a message quoted from a log) so that it cannot forge
// markup.
func prose(s string) string { return clean(s) }

// code marks s as code (a source, path or metric name); empty stays empty.
func code(s string) string {
	s = clean(s)
	if s == "" {
		return ""
	}
	return string(codeOpen) + s + string(codeClose)
}

// codes marks each string as code and joins them with ", ".
func codes(ss []string) string {
	var out []string
	for _, s := range ss {
		if c := code(s); c != "" {
			out = append(out, c)
		}
	}
	return strings.Join(out, ", ")
}

// em emphasises text (which may hold code spans) in a style.
func em(style byte, text string) string {
	if text == "" {
		return ""
	}
	return string(emOpen) + string(style) + text + string(emClose)
}

// An inlineWriter turns the pieces of marked-up text into one output
// syntax.
type inlineWriter interface {
	plain(s string) string
	code(s string) string
	em(style byte, inner string) string
}

// resolveSteps replaces each step mark of s with its step, "~" before a
// step that est names as estimated (est nil: none is).
func resolveSteps(s string, est func(int64) string) string {
	if strings.IndexByte(s, stepOpen) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.IndexByte(s, stepOpen)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		j := strings.IndexByte(s, stepClose)
		if j < 0 {
			j = len(s)
		}
		if n, err := strconv.ParseInt(s[:j], 10, 64); err == nil && est != nil && est(n) != "" {
			b.WriteByte('~')
		}
		b.WriteString(s[:j])
		s = s[min(j+1, len(s)):]
	}
}

// resolveSteps resolves the step marks of every block with est.
func (d *doc) resolveSteps(est func(int64) string) {
	for i := range d.blocks {
		bl := &d.blocks[i]
		bl.text = resolveSteps(bl.text, est)
		for k := range bl.items {
			bl.items[k] = resolveSteps(bl.items[k], est)
		}
		if t := bl.tab; t != nil {
			for k := range t.header {
				t.header[k] = resolveSteps(t.header[k], est)
			}
			for _, row := range t.rows {
				for k := range row {
					row[k] = resolveSteps(row[k], est)
				}
			}
		}
		if c := bl.card; c != nil {
			c.title = resolveSteps(c.title, est)
			for k := range c.rows {
				c.rows[k].text = resolveSteps(c.rows[k].text, est)
				for j := range c.rows[k].items {
					c.rows[k].items[j] = resolveSteps(c.rows[k].items[j], est)
				}
			}
		}
	}
}

// renderInline renders marked-up text with w. Step marks are printed as
// plain steps, unless w keeps them for its caller to resolve (the HTML
// page, which resolves them with its report).
func renderInline(s string, w inlineWriter) string {
	if k, ok := w.(interface{ keepSteps() bool }); !ok || !k.keepSteps() {
		s = resolveSteps(s, nil)
	}
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexAny(s, string([]rune{codeOpen, emOpen}))
		if i < 0 {
			b.WriteString(w.plain(s))
			break
		}
		b.WriteString(w.plain(s[:i]))
		switch s[i] {
		case codeOpen:
			end := strings.IndexByte(s[i:], codeClose)
			if end < 0 {
				end = len(s) - i
			}
			b.WriteString(w.code(s[i+1 : i+end]))
			s = s[min(i+end+1, len(s)):]
		case emOpen:
			end := strings.IndexByte(s[i:], emClose)
			if end < 0 {
				end = len(s) - i
			}
			style, inner := byte(styleStrong), ""
			if end > 1 {
				style, inner = s[i+1], s[i+2:i+end]
			}
			b.WriteString(w.em(style, renderInline(inner, w)))
			s = s[min(i+end+1, len(s)):]
		}
	}
	return b.String()
}
