package report

import "github.com/plateau-dev/plateau/internal/term"

// safeHTML drops the control characters of a rendered page (ESC and BEL
// from a file name, a C1 control from a metric name): they are errors in
// an HTML document and would reach a terminal if the page were printed
// there. The page's own markup holds none but line feeds and tabs, which
// are kept; bytes that are not UTF-8 become U+FFFD, as the page declares
// UTF-8.
func safeHTML(page []byte) []byte {
	s := string(page)
	if c := term.Sanitize(s); c != s {
		return []byte(c)
	}
	return page
}
