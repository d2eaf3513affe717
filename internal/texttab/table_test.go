package texttab

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriteText(t *testing.T) {
	tests := []struct {
		name  string
		table func() *Table
		opts  TextOptions
		want  string
	}{
		{
			name: "aligned",
			table: func() *Table {
				t := New("Step", "loss", "Source").AlignRight(0, 1)
				t.Add("1", "2.81", "all_logs.log:42")
				t.Add("750", "0.1286", "all_logs.log:1540")
				return t
			},
			want: "" +
				"Step    loss  Source\n" +
				"   1    2.81  all_logs.log:42\n" +
				" 750  0.1286  all_logs.log:1540\n",
		},
		{
			name: "rule and indent",
			table: func() *Table {
				t := New("a", "b")
				t.Add("x", "")
				return t
			},
			opts: TextOptions{Indent: "  ", Rule: '-'},
			want: "  a  b\n  -  -\n  x\n",
		},
		{
			name: "short rows padded",
			table: func() *Table {
				t := New("a", "b", "c")
				t.Add("1")
				t.Add("1", "2", "3", "4")
				return t
			},
			want: "a  b  c\n1\n1  2  3\n",
		},
		{
			name: "a column of names breaks long paths after / - _",
			table: func() *Table {
				t := New("Status", "Run", "Steps").AlignRight(2).Names(1)
				t.Add("converged", "cut_pair_improving/cut55", "260/480")
				t.Add("diverged", "lf-tfm-lora-20ep-tinydata", "240")
				t.Add("stalled", "abcdefghijklmnopq", "1")
				return t
			},
			opts: TextOptions{MaxWidth: 38},
			want: "" +
				"Status     Run                   Steps\n" +
				"converged  cut_pair_           260/480\n" +
				"           improving/cut55\n" +
				"diverged   lf-tfm-lora-20ep-       240\n" +
				"           tinydata\n" +
				"stalled    abcdefghijklmnopq         1\n",
		},
		{
			name: "a long name lifted above its row",
			table: func() *Table {
				t := New("Status", "Run", "Steps", "Problems").AlignRight(2).Names(1)
				t.Add("diverged", "lf-tfm-lora-20ep-tinydata-console-and-jsonl", "240/240", "divergence")
				t.Add("converged", "run-a", "500", "")
				return t
			},
			opts: TextOptions{MaxWidth: 30, Spill: true, Lift: 2},
			want: "" +
				"Status       Steps  Problems\n" +
				"lf-tfm-lora-20ep-tinydata-\n" +
				"console-and-jsonl\n" +
				"diverged   240/240  divergence\n" +
				"run-a\n" +
				"converged      500\n",
		},
		{
			name: "wraps the widest left column",
			table: func() *Table {
				t := New("Step", "Finding").AlignRight(0)
				t.Add("750", "single grad_norm spike at step 750 is acceptable")
				return t
			},
			opts: TextOptions{MaxWidth: 30},
			want: "" +
				"Step  Finding\n" +
				" 750  single grad_norm spike\n" +
				"      at step 750 is\n" +
				"      acceptable\n",
		},
		{
			name: "spills the last column when nothing else fits",
			table: func() *Table {
				t := New("Step", "mean_token_accuracy", "Source").AlignRight(0, 1)
				t.Add("750", "0.963", "output/checkpoint-750/trainer_state.json#log_history[749]")
				return t
			},
			opts: TextOptions{MaxWidth: 40, Spill: true},
			want: "" +
				"Step  mean_token_accuracy\n" +
				" 750                0.963\n" +
				"    Source:\n" +
				"    output/checkpoint-750/trainer_state.json#log_history[749]\n",
		},
		{
			name: "colour does not count",
			table: func() *Table {
				t := New("Severity", "x")
				t.Add("\x1b[1;33mwarning\x1b[0m", "y")
				t.Add("info", "z")
				return t
			},
			want: "Severity  x\n\x1b[1;33mwarning\x1b[0m   y\ninfo      z\n",
		},
		{
			name:  "no columns",
			table: func() *Table { return New() },
			want:  "",
		},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := tt.table().WriteText(&b, tt.opts); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", tt.name, b.String(), tt.want)
		}
	}
}

func TestWriteMarkdown(t *testing.T) {
	tab := New("Step", "Message", "Source").AlignRight(0)
	tab.Add("500", "loss | eval", "`a|b.log:3`")
	tab.Add("750", "two\nlines", "")
	var b bytes.Buffer
	if err := tab.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"| Step | Message      | Source       |\n" +
		"| ---: | ------------ | ------------ |\n" +
		"|  500 | loss \\| eval | `a\\|b.log:3` |\n" +
		"|  750 | two lines    |              |\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestEscapeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a|b", `a\|b`},
		{`already \| escaped`, `already \\| escaped`},
		{"line\r\nbreak\n", "line break "},
	}
	for _, tt := range tests {
		if got := EscapeCell(tt.in); got != tt.want {
			t.Errorf("EscapeCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWidth(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"loss", 4},
		{"2.81 → 0.13", 11},
		{"σ±–", 3},
		{"\x1b[1;32mconverged\x1b[0m", 9},
		{"训练", 4},
		{"e\u0301", 1},
		{"⣿⡇", 2},
		{"", 0},
		{"\x1b", 0},
		// An unfinished CSI ends at the first byte outside its grammar: it
		// does not swallow the escape and the text after it.
		{"ab\x1b[ \x1b[00000", 2},
		{"\x1b[12;xyz", 2},
		{"\x1b]0;title\x07ok", 2},
		{"\x1b]0;title\x1b\\ok", 2},
	}
	for _, tt := range tests {
		if got := Width(tt.in); got != tt.want {
			t.Errorf("Width(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"a bb ccc dddd", 6, []string{"a bb", "ccc", "dddd"}},
		{"averyveryverylongword x", 5, []string{"averyveryverylongword", "x"}},
		{"  spaced   out  ", 80, []string{"spaced out"}},
		{"", 10, []string{""}},
		{"no limit at all", 0, []string{"no limit at all"}},
		// Found by FuzzWrap: joined, the two unfinished escapes read
		// differently than apart; the joined line is what is measured.
		{"00000000000000\x1b[ \x1b[00000", 18, []string{"00000000000000\x1b[ \x1b[00000"}},
	}
	for _, tt := range tests {
		got := Wrap(tt.in, tt.width)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

// FuzzWrap checks that wrapping keeps every word, in order, and never
// makes a line wider than the width unless the line is a single word.
func FuzzWrap(f *testing.F) {
	f.Add("single grad_norm spike at step 750 (1.14 vs usual 0.6–0.9)", 20)
	f.Add("训练 loss 下降 \x1b[31mred\x1b[0m", 5)
	f.Add("", 0)
	f.Fuzz(func(t *testing.T, s string, width int) {
		if len(s) > 4096 || width > 500 {
			return
		}
		lines := Wrap(s, width)
		if len(lines) == 0 {
			t.Fatal("no lines")
		}
		if strings.Join(strings.Fields(strings.Join(lines, " ")), " ") != strings.Join(strings.Fields(s), " ") {
			t.Fatalf("Wrap(%q, %d) = %q lost or reordered words", s, width, lines)
		}
		for _, l := range lines {
			if width > 0 && Width(l) > width && len(strings.Fields(l)) > 1 {
				t.Fatalf("line %q wider than %d", l, width)
			}
		}
	})
}

// FuzzWriteText checks that any cells lay out without panicking and
// that every row keeps its cells' words.
func FuzzWriteText(f *testing.F) {
	f.Add("Step", "750", "all_logs.log:1540 and more words", 30)
	f.Add("a|b", "\x1b[31m", "训练 loss", 5)
	f.Fuzz(func(t *testing.T, a, b, c string, width int) {
		if len(a)+len(b)+len(c) > 4096 || width > 500 {
			return
		}
		tab := New(a, "x", c).AlignRight(1).Names(0)
		tab.Add(b, a, c)
		var out bytes.Buffer
		if err := tab.WriteText(&out, TextOptions{MaxWidth: width, Spill: true, Rule: '-', Lift: 1}); err != nil {
			t.Fatal(err)
		}
		var md bytes.Buffer
		if err := tab.WriteMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		for _, w := range strings.Fields(c) {
			if !strings.Contains(out.String(), w) {
				t.Fatalf("word %q of the last column lost:\n%s", w, out.String())
			}
		}
	})
}
