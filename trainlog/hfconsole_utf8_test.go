package trainlog

import (
	"testing"
	"unicode/utf8"
)

// utf8Cases are pieces of console output, valid and not.
var utf8Cases = []string{
	"",
	"{'loss': '2.231', 'grad_norm': '3.516', 'learning_rate': '0.000198', 'epoch': '0.04'}",
	" 20%|██        | 150/750 [00:13<00:52, 11.45it/s]",
	"100%|██████████| 750/750 [01:05<00:00, 11.53it/s]",
	"Epoch 1/3 — loss 0.5 ✓",
	"ascii then latin-1 \xe9t\xe9",
	"truncated rune at the end \xe2\x96",
	"surrogate \xed\xa0\x80 half",
	"overlong \xc0\xaf slash",
	"replacement char \xef\xbf\xbd is valid",
	"\xff",
	"12345678\x80",
}

func TestValidUTF8(t *testing.T) {
	for _, s := range utf8Cases {
		if got, want := hcValidUTF8([]byte(s)), utf8.ValidString(s); got != want {
			t.Errorf("hcValidUTF8(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzValidUTF8 checks hcValidUTF8 against utf8.Valid.
func FuzzValidUTF8(f *testing.F) {
	for _, s := range utf8Cases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		if got, want := hcValidUTF8(data), utf8.Valid(data); got != want {
			t.Fatalf("hcValidUTF8(%q) = %v, want %v", data, got, want)
		}
	})
}
