package trainlog

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"unicode/utf8"
)

// The console reader works in two stages. A tokenizer splits bytes into
// pieces and turns each into tokens: training-bar states, dict entries,
// callback entries, other text and syntax errors. It keeps no state about
// the run, so blocks of a large file can be tokenized in parallel. The
// reader then replays the tokens in order through the run's state: step
// inference, the INFO block, tracebacks.

// hcTokKind is the kind of a token.
type hcTokKind uint8

const (
	tkBar      hcTokKind = iota + 1 // a state of a bar that may be the training bar
	tkText                          // any other text
	tkCallback                      // a user callback line
	tkDict                          // a log dict
	tkSyntax                        // a syntax error
	tkPostfix                       // a progress bar with metrics in its postfix ("loss=2.35"), once per block
)

// An hcTok is one token.
type hcTok struct {
	kind   hcTokKind
	synced bool  // tkDict: printed by tqdm.write right after its clear; tkBar: drawn right after a clear, with no dict between (tqdm.write's redraw of a dict whose text stdout holds back)
	rank   int32 // the rank its line's prefix names ("[rank1]:", "1: "), -1 for none
	line   int
	n, t   int64   // tkBar: position and total; tkCallback: step
	tol    float64 // tkDict: half a unit of the epoch's last digit
	e      *Entry  // tkDict, tkCallback (nil when the line had no values)
	text   []byte  // tkBar: progress text; tkText: the text; tkDict: the dict
	msg    string  // tkSyntax
	marks  hcMarks // tkText: the substrings the reader looks for that it holds
}

// An hcTokenizer turns bytes into tokens. Tokens may point into the bytes
// given and into the tokenizer's arena until the next tokenize call.
type hcTokenizer struct {
	line      int   // line number of the next byte
	lineStart bool  // the next byte begins a line
	rank      int32 // the rank the current line's prefix names, -1 for none
	prevClear bool  // the previous piece of this line was a tqdm clear
	inLong    bool  // inside a piece of more than hcMaxDict bytes, already reported
	badUTF8   bool  // invalid UTF-8 was seen (reported once per tokenizer)
	postfix   bool  // a tkPostfix token was added by this tokenize call
	more      bool  // the last tokenize call stopped at hcMaxToks tokens, before the end of its complete pieces
	grouping  bool  // a "Grouping texts in chunks of N" bar was passed on as text
	cleaned   bool  // the current piece was copied to scratch
	scratch   []byte
	arena     []byte
	items     []pdItem
	keys      map[string]string
	slots     [32]string // the keys last seen at each position of a dict (0-15) or callback line (16-31)
	entries   []Entry
	kvs       []KV
	toks      []hcTok
	name      string
	// data is the input of tokenize, pieceAt the offset in it of the
	// piece being tokenized (-1 when unknown), and escAt and braceAt the
	// offsets of the next ESC and '{' from there (len(data) for none):
	// most pieces are progress bars, which then need no scan for either.
	data           []byte
	pieceAt        int
	escAt, braceAt int
}

func newTokenizer(name string, line int) *hcTokenizer {
	return &hcTokenizer{name: name, line: line, lineStart: true, rank: -1, keys: map[string]string{}, pieceAt: -1}
}

// hcMaxToks bounds the tokens of one tokenize call, so that the memory
// of the tokens in flight is bounded by their count as well as by the
// bytes of a block: a log of short lines (a million 2-byte lines in a
// 2 MiB block) makes a token per line, about 50 times the bytes it
// covers. A call stops at the first piece boundary at or past it; real
// logs, whose lines are tens of bytes or more, stay under it in a block.
// Tests lower it.
var hcMaxToks = 1 << 16

// tokenize tokenizes the complete pieces of data and returns how many
// bytes it consumed. With final set, the bytes after the last line break
// are a piece too, except for a dict cut off at their end, which is left
// unconsumed. A call stops early, with t.more set, once it holds
// hcMaxToks tokens; the caller replays them and calls again with the
// rest. Where the calls split the input does not change the tokens.
func (t *hcTokenizer) tokenize(data []byte, final bool) int {
	t.toks = t.toks[:0]
	t.arena = t.arena[:0]
	t.postfix = false
	t.more = false
	t.data, t.pieceAt, t.escAt, t.braceAt = data, -1, -1, -1
	defer func() { t.data, t.pieceAt = nil, -1 }()
	start := 0
	for start < len(data) {
		seg := data[start:]
		nl := bytes.IndexByte(seg, '\n')
		if nl >= 0 {
			seg = seg[:nl]
		}
		for {
			cr := bytes.IndexByte(seg, '\r')
			if cr < 0 {
				break
			}
			t.pieceAt = start
			t.whole(seg[:cr])
			start += cr + 1
			seg = seg[cr+1:]
			t.lineStart = false
			if len(t.toks) >= hcMaxToks {
				t.more = true
				return start
			}
		}
		if nl < 0 {
			if !final {
				return start
			}
			t.pieceAt = -1
			keep := t.piece(seg, true)
			if keep > 0 {
				t.lineStart = false
			}
			return start + keep
		}
		t.pieceAt = start
		t.whole(seg)
		start += len(seg) + 1
		t.line++
		t.lineStart = true
		t.prevClear = false
		t.rank = -1
		if len(t.toks) >= hcMaxToks && start < len(data) {
			t.more = true
			return start
		}
	}
	return start
}

// addBar adds a bar state. Of a run of states of one bar only the first
// (the redraw after a dict) and the last (where the bar stands) matter, so
// a state between them is replaced (states of one process's bar: another
// rank's frames come between them).
func (t *hcTokenizer) addBar(tk hcTok) {
	if k := len(t.toks); k >= 2 {
		last, prev := &t.toks[k-1], &t.toks[k-2]
		if last.kind == tkBar && prev.kind == tkBar && last.t == tk.t && prev.t == tk.t && !last.synced && last.rank == t.rank && prev.rank == t.rank {
			tk.line, tk.rank = t.line, t.rank
			*last = tk
			return
		}
	}
	t.add(tk)
}

// hcLongMsg reports a piece longer than hcMaxDict.
const hcLongMsg = "a line of more than 1 MiB without a line break: expected console text (dicts within it are still read)"

// hcBadUTF8Msg reports bytes that are not UTF-8, once per file.
const hcBadUTF8Msg = "invalid UTF-8: expected text (the log may be in another encoding or damaged); the line was read as bytes, and later ones are not reported"

// whole tokenizes a piece that ends at a line break or '\r'.
func (t *hcTokenizer) whole(p []byte) {
	if len(p) > hcMaxDict && !t.inLong {
		t.add(hcTok{kind: tkSyntax, msg: hcLongMsg})
	}
	if !t.badUTF8 && !hcValidUTF8(p) {
		t.badUTF8 = true
		t.add(hcTok{kind: tkSyntax, msg: hcBadUTF8Msg})
	}
	t.piece(p, false)
	t.inLong = false
}

func (t *hcTokenizer) add(tk hcTok) {
	tk.line, tk.rank = t.line, t.rank
	t.toks = append(t.toks, tk)
}

// stable returns b, copied to the arena when it lives in scratch.
func (t *hcTokenizer) stable(b []byte) []byte {
	if !t.cleaned {
		return b
	}
	if cap(t.arena)-len(t.arena) < len(b) {
		t.arena = make([]byte, 0, max(64<<10, len(b))) // older tokens keep the old array
	}
	n := len(t.arena)
	t.arena = append(t.arena, b...)
	return t.arena[n:len(t.arena):len(t.arena)]
}

// piece tokenizes one piece of a line: the bytes between two of '\n' and
// '\r'. With partial set the piece may continue beyond p; piece then
// returns the offset of a dict cut off at its end, and len(p) otherwise.
func (t *hcTokenizer) piece(p []byte, partial bool) int {
	orig := p
	nested := false
	t.cleaned = false
	esc, brace := t.holds(len(p))
	if esc && bytes.IndexByte(p, 0x1b) >= 0 {
		p, nested = t.stripANSI(p)
		t.cleaned = true
	}
	if t.lineStart {
		p, t.rank = hcStripRank(p)
	}
	if !brace {
		// No dict: removing escapes or a rank prefix adds no '{'.
		t.text(p, nested)
		return len(orig)
	}
	off, textStart := 0, 0
	for off < len(p) {
		i := bytes.IndexByte(p[off:], '{')
		if i < 0 {
			break
		}
		i += off
		j := pdSpace(p, i+1)
		if j >= len(p) {
			if partial {
				t.text(p[textStart:i], nested)
				return hcKeep(orig, p, i)
			}
			break
		}
		if p[j] != '\'' && p[j] != '"' {
			off = i + 1
			continue
		}
		synced := t.prevClear && i == 0
		t.text(p[textStart:i], nested)
		n := t.dict(p[i:], partial, synced)
		if n < 0 {
			return hcKeep(orig, p, i)
		}
		off = i + n
		textStart = off
		t.prevClear = false
	}
	t.text(p[textStart:], nested)
	return len(orig)
}

// holds reports whether the piece of n bytes at t.pieceAt may hold an ESC
// and a '{'; both are true when the piece's offset is unknown.
func (t *hcTokenizer) holds(n int) (esc, brace bool) {
	at := t.pieceAt
	if at < 0 {
		return true, true
	}
	if t.escAt < at {
		t.escAt = hcNext(t.data, at, 0x1b)
	}
	if t.braceAt < at {
		t.braceAt = hcNext(t.data, at, '{')
	}
	return t.escAt < at+n, t.braceAt < at+n
}

// hcValidUTF8 is utf8.Valid, faster on text that is mostly ASCII with a
// few other characters (progress bars' blocks): it goes back to reading 8
// bytes at a time after each of them, where utf8.Valid reads the rest of
// the text byte by byte.
func hcValidUTF8(p []byte) bool {
	for len(p) > 0 {
		if len(p) >= 8 && binary.LittleEndian.Uint64(p)&0x8080808080808080 == 0 {
			p = p[8:]
			continue
		}
		if p[0] < utf8.RuneSelf {
			p = p[1:]
			continue
		}
		if len(p) >= 3 && p[0] == 0xe2 && p[1] == 0x96 && p[2]&0xf8 == 0x88 {
			p = p[3:] // tqdm's blocks, U+2588 to U+258F
			continue
		}
		r, n := utf8.DecodeRune(p)
		if r == utf8.RuneError && n == 1 {
			return false
		}
		p = p[n:]
	}
	return true
}

// hcNext returns the offset of the first c in data at or after from, or
// len(data).
func hcNext(data []byte, from int, c byte) int {
	if i := bytes.IndexByte(data[from:], c); i >= 0 {
		return from + i
	}
	return len(data)
}

// hcKeep maps offset i of the cleaned piece p back to the raw piece orig,
// or returns len(orig) when the tail was changed by cleaning.
func hcKeep(orig, p []byte, i int) int {
	k := len(orig) - (len(p) - i)
	if k >= 0 && bytes.Equal(orig[k:], p[i:]) {
		return k
	}
	return len(orig)
}

// stripANSI copies p without its escape sequences into the scratch
// buffer. nested reports a cursor-up (ESC[A), which tqdm writes after a
// bar at position 1 or more: an evaluation bar under the training bar.
func (t *hcTokenizer) stripANSI(p []byte) (out []byte, nested bool) {
	out = t.scratch[:0]
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != 0x1b {
			out = append(out, c)
			continue
		}
		if i+1 >= len(p) {
			break
		}
		switch p[i+1] {
		case '[': // CSI: parameters, intermediates, one final byte
			j := i + 2
			for j < len(p) && p[j] >= 0x20 && p[j] <= 0x3f {
				j++
			}
			if j < len(p) && p[j] == 'A' {
				nested = true
			}
			i = j
		case ']': // OSC: up to BEL or ESC \
			j := i + 2
			for j < len(p) && p[j] != 0x07 && p[j] != 0x1b {
				j++
			}
			if j < len(p) && p[j] == 0x1b {
				j++
			}
			i = j
		default:
			i++
		}
	}
	t.scratch = out
	return out, nested
}

// hcStripRank removes the prefix that a launcher puts before each line
// of a process's output and returns the rank it names, -1 for none:
// torchrun's "[rank1]:" or "[default1]:" (with --tee), srun --label's
// "1: " (right-aligned: " 1: " among ten or more tasks).
func hcStripRank(p []byte) ([]byte, int32) {
	if len(p) < 3 {
		return p, -1
	}
	if p[0] != '[' {
		return hcStripLabel(p)
	}
	var rest []byte
	switch {
	case bytes.HasPrefix(p, []byte("[rank")):
		rest = p[5:]
	case bytes.HasPrefix(p, []byte("[default")):
		rest = p[8:]
	default:
		return p, -1
	}
	n, i := hcAtoi(rest, 0)
	if i == 0 || i > 6 || i+1 >= len(rest) || rest[i] != ']' || rest[i+1] != ':' {
		return p, -1
	}
	rest = rest[i+2:]
	if len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	return rest, int32(n)
}

// hcStripLabel removes srun --label's "N: " prefix.
func hcStripLabel(p []byte) ([]byte, int32) {
	i := 0
	for i < len(p) && i < 4 && p[i] == ' ' {
		i++
	}
	n, j := hcAtoi(p, i)
	if j == i || j-i > 5 || j+1 >= len(p) || p[j] != ':' || p[j+1] != ' ' {
		return p, -1
	}
	return p[j+2:], int32(n)
}

// text tokenizes the parts of a piece that are not dicts: a clear, a
// progress bar (with whatever follows it), a callback line or other text.
func (t *hcTokenizer) text(s []byte, nested bool) {
	if len(s) == 0 {
		return
	}
	if hcBlank(s) {
		// tqdm.write clears the training bar with spaces; spaces under a
		// cursor-up clear a nested bar (an evaluation bar closing).
		t.prevClear = !nested
		return
	}
	cleared := t.prevClear
	t.prevClear = false
	if b := bytes.Index(s, hcPctBar); b >= 0 {
		if !t.grouping && s[0] == 'G' && bytes.HasPrefix(s, hcGrouping) {
			// run_clm.py's datasets.map description, a fact about the
			// run (hfconsole_family.go): passed on once, as text.
			t.grouping = true
			t.add(hcTok{kind: tkText, text: t.stable(hcGrouping), marks: hcMarksOf(hcGrouping)})
		}
		if end := t.bar(s, b, nested, cleared); end > 0 {
			s = s[end:]
			if len(s) == 0 || hcBlank(s) {
				return
			}
		}
	}
	if s[len(s)-1] == ']' {
		t.notePostfix(s) // a bar without a total: "Epoch 2: : 17671it [1:05:34, 4.49it/s, loss=2.15]"
	}
	if len(s) > 7 && s[0] == '[' && (s[1] == 'S' || s[1] == 's') && bytes.HasPrefix(s[2:], []byte("tep ")) {
		if t.callbackStep(s) {
			return
		}
	}
	t.add(hcTok{kind: tkText, text: t.stable(s), marks: hcMarksOf(s)})
	if bytes.Contains(s, []byte("tep")) && !bytes.Contains(s, []byte("TrainOutput(")) {
		// TrainOutput(global_step=N, training_loss=X, metrics={...}), what
		// Trainer.train returns, holds the run's mean loss, not step N's:
		// its metrics dict is the end-of-training summary.
		if n, ok := hcCallbackLine(s); ok {
			t.add(hcTok{kind: tkCallback, n: n, e: t.callbackEntry(n, s)})
		}
	}
}

// hcCallbackLine recognises the step of a user callback's line in the
// common forms other than "[Step N/M]": "Step N/M | key value | ..." (at
// the start or after a prefix ending in ' ', '|', '>', ']' or ':'), and
// "step=N" or "step: N" (also global_step) next to a loss; a DeepSpeed
// "step=N, skipped=K" line counts engine steps and is not one.
func hcCallbackLine(s []byte) (int64, bool) {
	for i := 0; i+5 <= len(s); {
		j := bytes.Index(s[i:], []byte("tep"))
		if j < 0 {
			return 0, false
		}
		j += i
		i = j + 3
		if j == 0 || (s[j-1] != 'S' && s[j-1] != 's') {
			continue
		}
		k := j - 1 // the 'S' or 's'
		if k > 0 {
			c := s[k-1]
			word := c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') || (c >= '0' && c <= '9')
			if word && !bytes.HasSuffix(s[:k], []byte("global_")) {
				continue
			}
		}
		rest := s[j+3:]
		switch {
		case len(rest) > 1 && rest[0] == ' ' && rest[1] >= '0' && rest[1] <= '9':
			// "Step N/M": needs the total, and a boundary before it.
			if k > 0 && strings.IndexByte(" |>]:", s[k-1]) < 0 {
				continue
			}
			n, e := hcAtoi(rest, 1)
			p := e
			for p < len(rest) && rest[p] == ' ' {
				p++
			}
			if p >= len(rest) || rest[p] != '/' {
				continue
			}
			if _, e2 := hcAtoi(rest, pdSpace(rest, p+1)); e2 == pdSpace(rest, p+1) {
				continue
			}
			return n, true
		case len(rest) > 1 && (rest[0] == '=' || rest[0] == ':'):
			p := pdSpace(rest, 1)
			n, e := hcAtoi(rest, p)
			if e == p || bytes.Contains(s, []byte("skipped=")) || !bytes.Contains(s, []byte("loss")) {
				continue
			}
			return n, true
		}
	}
	return 0, false
}

// notePostfix adds a tkPostfix token, once per tokenize call, when s (a
// bar's "[ELAPSED<REMAINING, RATE, ...]") shows metrics after its rate:
// a Lightning bar or a custom loop's tqdm.set_postfix.
func (t *hcTokenizer) notePostfix(s []byte) {
	if t.postfix {
		return
	}
	i := bytes.Index(s, []byte("it/s, "))
	if i < 0 {
		if i = bytes.Index(s, []byte("s/it, ")); i < 0 {
			return
		}
	}
	if eq := bytes.IndexByte(s[i:], '='); eq > 0 && bytes.IndexByte(s[i:i+eq], ']') < 0 {
		t.postfix = true
		t.add(hcTok{kind: tkPostfix})
	}
}

func hcBlank(s []byte) bool {
	for _, c := range s {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// bar tokenizes the bar whose "%|" is at s[pct] and returns the offset
// after its closing ']', or 0 when s holds no bar with a numeric N/TOTAL.
// Only bars that may be the training bar become tokens: not nested under
// another bar, and without a description other than "Train...".
func (t *hcTokenizer) bar(s []byte, pct int, nested, cleared bool) int {
	k := pct
	for k > 0 && s[k-1] >= '0' && s[k-1] <= '9' {
		k--
	}
	if k == pct {
		return 0
	}
	rest := pct + 2
	q := bytes.IndexByte(s[rest:], '|')
	if q < 0 {
		return 0
	}
	i := rest + q + 1
	for i < len(s) && s[i] == ' ' {
		i++
	}
	start := i
	n, j := hcAtoi(s, i)
	if j == i || j >= len(s) || s[j] != '/' {
		return 0
	}
	total, k2 := hcAtoi(s, j+1)
	if k2 == j+1 || k2+1 >= len(s) || s[k2] != ' ' || s[k2+1] != '[' {
		return 0
	}
	end := len(s)
	if c := bytes.IndexByte(s[k2:], ']'); c >= 0 {
		end = k2 + c + 1
	}
	t.notePostfix(s[k2:end])
	if !nested && hcTrainDesc(s[:k]) {
		text := s[start:end]
		t.addBar(hcTok{kind: tkBar, n: n, t: total, synced: cleared, text: t.stable(text[:min(len(text), hcBarText)])})
	}
	return end
}

// hcTrainDesc reports a description that a training bar may have.
func hcTrainDesc(desc []byte) bool {
	d := bytes.TrimSpace(desc)
	return len(d) == 0 || bytes.HasPrefix(d, []byte("Train")) || bytes.HasPrefix(d, []byte("train"))
}

// dict parses the dict at b[0] and tokenizes it when it is a log. It
// returns the bytes consumed, or -1 when partial is set and the dict is
// cut off.
func (t *hcTokenizer) dict(b []byte, partial, synced bool) int {
	items, end, st, msg := pdDict(b, t.items[:0])
	t.items = items
	switch st {
	case pdUnterminated:
		if partial {
			return -1
		}
		if hcLogLike(b) {
			t.add(hcTok{kind: tkSyntax, msg: "the line ends inside a log dict: expected '}' (a truncated print?)"})
		}
		return len(b)
	case pdBad:
		e := pdSpanEnd(b)
		if e < 0 {
			if partial {
				return -1
			}
			e = len(b)
		}
		if hcLogLike(b) {
			t.add(hcTok{kind: tkSyntax, msg: "malformed log dict: " + msg})
		}
		return e
	}
	if end > hcMaxDict {
		t.add(hcTok{kind: tkSyntax, msg: "a dict longer than 1 MiB was skipped"})
		return end
	}
	t.logDict(b[:end], items, synced)
	return end
}

// logDict tokenizes a parsed dict as an entry when it is a log.
func (t *hcTokenizer) logDict(raw []byte, items []pdItem, synced bool) {
	d := hcClassify(items)
	if !d.log || d.values == 0 {
		return
	}
	e := t.newEntry(d.kind())
	e.Epoch = d.epoch
	vals := t.kvSlice(d.values)
	for i := range items {
		it := &items[i]
		if it.kind != pdNumber && it.kind != pdQuoted || len(it.key) == 0 {
			continue
		}
		switch string(it.key) {
		case "epoch", "step", "global_step":
			continue
		}
		key := t.internSlot(it.key, i)
		vals = append(vals, KV{Key: key, Value: it.num.v, Digits: hcDigits(key, it)})
	}
	if len(vals) == 0 {
		return
	}
	e.Values = vals
	if d.step >= 0 {
		e.Step = d.step
	}
	t.add(hcTok{kind: tkDict, e: e, tol: d.tol, synced: synced, text: t.stable(raw)})
}

// callbackStep tokenizes a "[Step N/M] key=value ..." line.
func (t *hcTokenizer) callbackStep(s []byte) bool {
	n, j := hcAtoi(s, 6)
	if j == 6 {
		return false
	}
	if j < len(s) && s[j] == '/' {
		_, k := hcAtoi(s, j+1)
		if k == j+1 {
			return false
		}
		j = k
	}
	if j >= len(s) || s[j] != ']' {
		return false
	}
	t.add(hcTok{kind: tkCallback, n: n, e: t.callbackEntry(n, s[j+1:])})
	return true
}

// callbackEntry returns the entry of a user callback line at step, or nil
// when it has no numeric values. Values are read from "key=value",
// "key: value" and "key value" pairs between spaces, commas, semicolons,
// tabs and '|'.
func (t *hcTokenizer) callbackEntry(step int64, s []byte) *Entry {
	n := bytes.Count(s, []byte("="))
	if n == 0 {
		n = bytes.Count(s, []byte(" "))/2 + 1 // "key value" pairs
	}
	vals := t.kvSlice(n)
	epoch := math.NaN()
	var key []byte // a key waiting for its value
	sep := func(c byte) bool { return c == ' ' || c == ',' || c == ';' || c == '|' || c == '\t' }
	for len(s) > 0 {
		i := 0
		for i < len(s) && sep(s[i]) {
			i++
		}
		s = s[i:]
		j := 0
		for j < len(s) && !sep(s[j]) {
			j++
		}
		tok := s[:j]
		s = s[j:]
		if len(tok) == 0 {
			continue
		}
		var val []byte
		switch eq := bytes.IndexAny(tok, "=:"); {
		case eq > 0 && eq < len(tok)-1:
			key, val = tok[:eq], tok[eq+1:]
		case eq > 0:
			key = tok[:eq] // "key=" or "key:": the value follows
			continue
		case key != nil:
			val = tok
		default:
			if hcIdent(tok) {
				key = tok
			}
			continue
		}
		k := key
		key = nil
		if !hcIdent(k) {
			continue
		}
		var n pdNum
		if !pdParseNumberTo(val, &n) {
			if hcIdent(val) {
				key = val
			}
			continue
		}
		switch string(k) {
		case "step", "global_step", "Step":
			continue
		case "epoch", "Epoch":
			// Callbacks print the epoch with 2 decimals ("epoch=0.00")
			// next to a dict that prints it precisely; only a precise
			// one is kept.
			if n.frac >= 3 || n.hasExp {
				epoch = n.v
			}
			continue
		}
		vals = append(vals, KV{Key: t.internSlot(k, 16+len(vals)), Value: n.v, Digits: max(1, n.sig)})
	}
	if len(vals) == 0 {
		return nil
	}
	e := t.newEntry(KindTrain)
	e.Origin = "callback"
	e.Step = step
	e.Epoch = epoch
	e.Values = vals
	return e
}

// hcIdent reports a key: a letter or '_', then letters, digits, '_',
// '/', '.' or '-'.
func hcIdent(b []byte) bool {
	if len(b) == 0 || !(b[0] == '_' || b[0]|0x20 >= 'a' && b[0]|0x20 <= 'z') {
		return false
	}
	for _, c := range b[1:] {
		if !(c == '_' || c == '/' || c == '.' || c == '-' || c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// newEntry returns a zeroed entry from a slab.
func (t *hcTokenizer) newEntry(kind Kind) *Entry {
	if len(t.entries) == 0 {
		// The fields every new entry has are set here, field by field:
		// a whole-struct store would run the write barrier over every
		// pointer in it, and writing fresh memory before any pointer
		// store maps it by a write (see rawSeries.fill).
		t.entries = make([]Entry, hcSlab)
		for i := range t.entries {
			e := &t.entries[i]
			e.Step, e.Epoch, e.Time = -1, math.NaN(), math.NaN()
			e.Source.File = t.name
		}
	}
	e := &t.entries[0]
	t.entries = t.entries[1:]
	e.Kind, e.Source.Line = kind, t.line
	return e
}

// kvSlice returns an empty KV slice with room for n values; appending
// beyond n reallocates and never touches another entry's values.
func (t *hcTokenizer) kvSlice(n int) []KV {
	if n > 64 {
		return make([]KV, 0, n)
	}
	if len(t.kvs) < n {
		t.kvs = make([]KV, 4096)
		for i := range t.kvs {
			t.kvs[i].Digits = 0 // map fresh memory by a write: see rawSeries.fill
		}
	}
	s := t.kvs[:0:n]
	t.kvs = t.kvs[n:]
	return s
}

// internSlot interns a key, first trying the key seen at the same
// position of the previous dict or callback line.
func (t *hcTokenizer) internSlot(b []byte, slot int) string {
	if slot >= len(t.slots) {
		return t.intern(b)
	}
	if s := t.slots[slot]; s == string(b) {
		return s
	}
	s := t.intern(b)
	t.slots[slot] = s
	return s
}

// intern returns a stable string for a key.
func (t *hcTokenizer) intern(b []byte) string {
	if s, ok := t.keys[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(t.keys) < 4096 {
		t.keys[s] = s
	}
	return s
}
