package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/texttab"
)

// WriteMarkdown writes r as CommonMark with GitHub pipe tables, laid out
// like the seed article: numbered sections, tables of cited values, and
// every source in a code span so it can be found with grep.
func WriteMarkdown(w io.Writer, r *analysis.Report, opts Options) error {
	if r == nil {
		return errNilReport
	}
	var b strings.Builder
	opts.Chart = false
	for i, bl := range build(r, opts, true).blocks {
		if i > 0 {
			b.WriteString("\n")
		}
		writeMarkdownBlock(&b, bl)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMarkdownBlock(b *strings.Builder, bl block) {
	md := mdInline{}
	switch bl.kind {
	case blockHeading:
		text := renderInline(bl.text, md)
		if strings.HasSuffix(text, "#") {
			text = text[:len(text)-1] + `\#` // not a closing sequence
		}
		if bl.link != "" {
			text += " · " + codeSpan(methodsLink(bl.link))
		}
		b.WriteString(strings.Repeat("#", bl.level) + " " + text + "\n")
	case blockPara:
		b.WriteString(escapeBlockStart(renderInline(bl.text, md)) + "\n")
	case blockList:
		for _, item := range bl.items {
			b.WriteString("- " + escapeBlockStart(renderInline(item, md)) + "\n")
		}
	case blockRaw:
		b.WriteString(bl.text + "\n")
	case blockCard:
		for _, row := range bl.card.rows {
			line := "- **" + escapeMarkdown(row.label) + "**"
			if row.text != "" {
				line += " " + renderInline(row.text, md)
			}
			b.WriteString(line + "\n")
			for k, item := range row.items {
				fmt.Fprintf(b, "  %d. %s\n", k+1, renderInline(item, md))
			}
		}
	case blockTable:
		t := texttab.New(mdCells(bl.tab.header)...).AlignRight(bl.tab.right...)
		for _, row := range bl.tab.rows {
			t.Add(mdCells(row)...)
		}
		_ = t.WriteMarkdown(b)
	}
}

func mdCells(in []string) []string {
	out := make([]string, len(in))
	for i, c := range in {
		out[i] = renderInline(c, mdInline{})
	}
	return out
}

// mdInline renders inline markup as CommonMark.
type mdInline struct{}

func (mdInline) plain(s string) string { return escapeMarkdown(s) }

func (mdInline) code(s string) string { return codeSpan(s) }

func (mdInline) em(style byte, inner string) string {
	if style == styleDim || inner == "" {
		return inner
	}
	return "**" + inner + "**"
}

// escapeMarkdown backslash-escapes the characters of s that CommonMark
// (or GFM's strikethrough) could read as markup, and leaves alone those
// that cannot start markup where they stand, so the raw text stays
// readable: an underscore between two letters or digits (train_loss), a
// '<' not followed by a tag or autolink start ("p < 0.001"), and brackets
// that cannot form an inline link (no reference definitions are ever
// written, so only "](" and a "[" starting a block matter; the block start
// is handled by escapeBlockStart).
func escapeMarkdown(s string) string {
	var b strings.Builder
	rs := []rune(s)
	next := func(i int) rune {
		if i+1 < len(rs) {
			return rs[i+1]
		}
		return 0
	}
	for i, r := range rs {
		switch r {
		case '\\', '`', '*', '~':
			b.WriteByte('\\')
		case '_':
			if !(i > 0 && isWordRune(rs[i-1]) && isWordRune(next(i))) {
				b.WriteByte('\\')
			}
		case '&':
			if n := next(i); isWordRune(n) || n == '#' {
				b.WriteByte('\\')
			}
		case '<':
			if n := next(i); isWordRune(n) || n == '/' || n == '!' || n == '?' {
				b.WriteByte('\\')
			}
		case ']':
			if next(i) == '(' {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isWordRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 0x7f
}

// escapeBlockStart escapes a leading character that would turn a
// paragraph or list item into another block: a list marker or thematic
// break ("- ", "+ ", "---"), a block quote, a setext underline, an ATX
// heading, a link reference definition ("[x]: "), or an ordered list
// number ("1. ").
func escapeBlockStart(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '-', '+', '=', '>', '[', '|', '#':
		return `\` + s
	}
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')') && (i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\t') {
		return s[:i] + `\` + s[i:]
	}
	return s
}

// codeSpan writes s as a code span, with a fence longer than any run of
// backticks inside it.
func codeSpan(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}
