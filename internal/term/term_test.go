package term

import (
	"strings"
	"testing"
)

func TestColorAllowed(t *testing.T) {
	tests := []struct {
		name string
		tty  bool
		env  map[string]string
		want bool
	}{
		{"terminal", true, map[string]string{"TERM": "xterm-256color"}, true},
		{"pipe", false, map[string]string{"TERM": "xterm-256color"}, false},
		{"NO_COLOR set", true, map[string]string{"NO_COLOR": "1"}, false},
		{"NO_COLOR empty", true, map[string]string{"NO_COLOR": ""}, true},
		{"dumb terminal", true, map[string]string{"TERM": "dumb"}, false},
	}
	for _, tt := range tests {
		got := ColorAllowed(tt.tty, func(k string) string { return tt.env[k] })
		if got != tt.want {
			t.Errorf("%s: ColorAllowed = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWidthFromEnv(t *testing.T) {
	tests := []struct {
		columns string
		want    int
	}{
		{"132", 132},
		{"", DefaultWidth},
		{"wide", DefaultWidth},
		{"-4", DefaultWidth},
	}
	for _, tt := range tests {
		if got := widthFromEnv(func(string) string { return tt.columns }); got != tt.want {
			t.Errorf("COLUMNS=%q: width %d, want %d", tt.columns, got, tt.want)
		}
	}
}

func TestTest(t *testing.T) {
	tm, in, out, errOut := Test()
	if tm.IsTerminal() || tm.IsErrTerminal() || tm.Color() || tm.Width() != DefaultWidth {
		t.Errorf("Test() = tty %v, color %v, width %d; want a plain %d-wide stream", tm.IsTerminal(), tm.Color(), tm.Width(), DefaultWidth)
	}
	in.WriteString("input")
	buf := make([]byte, 5)
	if n, _ := tm.In.Read(buf); string(buf[:n]) != "input" {
		t.Errorf("In reads %q", buf[:n])
	}
	tm.Out.Write([]byte("out"))
	tm.ErrOut.Write([]byte("err"))
	if out.String() != "out" || errOut.String() != "err" {
		t.Errorf("out %q, err %q", out, errOut)
	}
	tm.SetTerminal(true)
	tm.SetColor(true)
	tm.SetWidth(5)
	if !tm.IsTerminal() || !tm.Color() || tm.Width() != 20 {
		t.Errorf("setters: tty %v, color %v, width %d", tm.IsTerminal(), tm.Color(), tm.Width())
	}
}

func TestPaintStrip(t *testing.T) {
	p := Paint("converged", Green)
	if p != "\x1b[1;32mconverged\x1b[0m" {
		t.Errorf("Paint = %q", p)
	}
	if Paint("", Red) != "" || Paint("x", "") != "x" {
		t.Error("Paint of nothing added codes")
	}
	if s := Strip("a " + p + " b\x1b"); s != "a converged b" {
		t.Errorf("Strip = %q", s)
	}
}

func TestRegion(t *testing.T) {
	tm, _, out, _ := Test()
	r := tm.NewRegion()
	r.Draw("one\ntwo")
	r.Draw("three\n")
	if got := out.String(); got != "one\ntwo\nthree\n" || strings.Contains(got, "\x1b") {
		t.Errorf("piped region wrote %q", got)
	}
	out.Reset()
	tm.SetTerminal(true)
	r = tm.NewRegion()
	r.Draw("one\ntwo\n")
	r.Draw("three\n")
	want := "\x1b[Jone\ntwo\n" + "\x1b[2F\x1b[Jthree\n"
	if got := out.String(); got != want {
		t.Errorf("terminal region wrote %q, want %q", got, want)
	}
}
