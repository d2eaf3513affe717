package report

import (
	"html"
	"html/template"
	"io"
	"strings"

	"github.com/plateau-dev/plateau/internal/svgplot"
)

// The pages that set several runs together (compare, the scan index) are
// written from the same document model as the text and Markdown outputs:
// each block becomes plain HTML, and the charts are inline SVG. A page
// loads nothing and runs no script.

// docPageCSS is the style of those pages; the charts' style follows it.
const docPageCSS = `:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#656d76;--line:#d0d7de;--code:#f6f8fa;--good:#1a7f37;--info:#0969da;--warn:#9a6700;--bad:#cf222e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#30363d;--code:#161b22;--good:#3fb950;--info:#4493f8;--warn:#d29922;--bad:#f85149}}
body{margin:0 auto;max-width:1100px;padding:1.5rem;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.5rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}h3{font-size:1rem}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--code);padding:0 .25em;border-radius:3px;overflow-wrap:anywhere}
table{border-collapse:collapse;margin:.5rem 0;font-size:13.5px;display:block;overflow-x:auto}
th,td{border-bottom:1px solid var(--line);padding:.3rem .6rem;text-align:left;vertical-align:top}th{font-weight:600}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}
.good{color:var(--good);font-weight:600}.info{color:var(--info);font-weight:600}.warn{color:var(--warn);font-weight:600}.bad{color:var(--bad);font-weight:600}.dim{color:var(--muted)}
pre{background:var(--code);padding:.6rem;overflow-x:auto;font-size:12px}
figure{margin:.8rem 0}figure svg{max-width:100%;height:auto}
details{margin:.4rem 0;border:1px solid var(--line);border-radius:6px;padding:.3rem .8rem}summary{cursor:pointer}
@media print{body{max-width:none}details{border:none}}
`

// docPageStyle is the whole style sheet of a page.
var docPageStyle = docPageCSS + svgplot.CSS()

// docPageCSP allows the page's own style sheet and nothing else.
var docPageCSP = "default-src 'none'; style-src " + htmlHash(docPageStyle) + "; img-src data:; base-uri 'none'; form-action 'none'"

var docPageTemplate = template.Must(template.New("doc").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="plateau">
<title>{{.Title}}</title>
<style>{{.CSS}}</style>
</head>
<body>
{{.Body}}
</body>
</html>
`))

// writeDocPage writes a page holding body, already HTML.
func writeDocPage(w io.Writer, title string, body template.HTML) error {
	return docPageTemplate.Execute(w, struct {
		Title string
		CSS   template.CSS
		CSP   string
		Body  template.HTML
	}{title, template.CSS(docPageStyle), docPageCSP, body})
}

// docHTML renders the blocks of a document as HTML, with the charts
// (already HTML) in place of its first chart block. link, when not nil,
// gives the target of a table cell (row, column), "" for none.
func docHTML(d *doc, charts []template.HTML, link func(t *table, row, col int) string) template.HTML {
	var b strings.Builder
	hw := docInline{}
	drawn := false
	for _, bl := range d.blocks {
		switch bl.kind {
		case blockHeading:
			lv := string(rune('0' + min(max(bl.level, 1), 3)))
			b.WriteString("<h" + lv + ">" + renderInline(bl.text, hw) + "</h" + lv + ">\n")
		case blockPara:
			b.WriteString("<p>" + renderInline(bl.text, hw) + "</p>\n")
		case blockList:
			b.WriteString("<ul>\n")
			for _, it := range bl.items {
				b.WriteString("<li>" + renderInline(it, hw) + "</li>\n")
			}
			b.WriteString("</ul>\n")
		case blockTable:
			right := map[int]bool{}
			for _, c := range bl.tab.right {
				right[c] = true
			}
			cell := func(tag string, i int, s, href string) {
				cls := ""
				if right[i] {
					cls = ` class="r"`
				}
				inner := renderInline(s, hw)
				if href != "" {
					inner = `<a href="` + html.EscapeString(href) + `">` + inner + "</a>"
				}
				b.WriteString("<" + tag + cls + ">" + inner + "</" + tag + ">")
			}
			b.WriteString("<table>\n<thead><tr>")
			for i, h := range bl.tab.header {
				cell("th", i, h, "")
			}
			b.WriteString("</tr></thead>\n<tbody>\n")
			for r, row := range bl.tab.rows {
				b.WriteString("<tr>")
				for i, c := range row {
					href := ""
					if link != nil {
						href = link(bl.tab, r, i)
					}
					cell("td", i, c, href)
				}
				b.WriteString("</tr>\n")
			}
			b.WriteString("</tbody>\n</table>\n")
		case blockChart:
			for _, c := range charts {
				if !drawn {
					b.WriteString("<figure>" + string(c) + "</figure>\n")
				}
			}
			drawn = true
		}
	}
	// Every string came through htmlInline, which escapes it, and the
	// charts through svgplot, which renders with html/template.
	return template.HTML(b.String())
}

// docInline renders inline markup as HTML, emphasis in the colour of
// its style.
type docInline struct{}

func (docInline) plain(s string) string { return html.EscapeString(s) }
func (docInline) code(s string) string  { return "<code>" + html.EscapeString(s) + "</code>" }

func (docInline) em(style byte, inner string) string {
	cls := map[byte]string{styleGood: "good", styleInfo: "info", styleWarn: "warn", styleBad: "bad", styleDim: "dim"}[style]
	if cls == "" {
		return "<strong>" + inner + "</strong>"
	}
	return `<span class="` + cls + `">` + inner + "</span>"
}
