package tfrecord

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

func TestMaskedCRC(t *testing.T) {
	// CRC-32C("123456789") is 0xe3069283 (RFC 3720 check value); the
	// header of the first record of every TensorBoard event file (length
	// 72, "brain.Event:2" plus the writer's source metadata) is
	// 48 00 00 00 00 00 00 00 fe 92 48 9d.
	tests := []struct {
		in   []byte
		want uint32
	}{
		{[]byte("123456789"), mask(0xe3069283)},
		{[]byte{0x48, 0, 0, 0, 0, 0, 0, 0}, 0x9d4892fe},
	}
	for _, tt := range tests {
		if got := MaskedCRC(tt.in); got != tt.want {
			t.Errorf("MaskedCRC(%x) = %#08x, want %#08x", tt.in, got, tt.want)
		}
	}
}

// item is what a Scanner yields, in comparable form.
type item struct {
	index  int
	offset int64
	data   string // "" for a problem
	msg    string // problem message prefix
	trunc  bool
	unver  bool
}

func drain(s *Scanner) []item {
	var out []item
	for s.Scan() {
		it := item{index: s.Index(), offset: s.Offset(), unver: s.Unverified()}
		if p := s.Problem(); p != nil {
			it.msg, it.trunc = p.Msg, p.Truncated
		} else {
			it.data = string(s.Record())
		}
		out = append(out, it)
	}
	return out
}

// records returns framed test records of the given sizes and their
// offsets.
func records(sizes ...int) (file []byte, payloads []string, offsets []int64) {
	for i, n := range sizes {
		p := strings.Repeat(string(rune('a'+i%26)), n)
		offsets = append(offsets, int64(len(file)))
		file = AppendRecord(file, []byte(p))
		payloads = append(payloads, p)
	}
	return file, payloads, offsets
}

func TestScannerRoundTrip(t *testing.T) {
	sizes := []int{0, 1, 100, 70000, 200000, 3}
	file, payloads, offsets := records(sizes...)
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, p := range payloads {
		if err := w.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(buf.Bytes(), file) {
		t.Fatal("Writer and AppendRecord differ")
	}
	got := drain(NewScanner(bytes.NewReader(file)))
	if len(got) != len(sizes) {
		t.Fatalf("got %d items, want %d", len(got), len(sizes))
	}
	for i, it := range got {
		if it.index != i || it.offset != offsets[i] || it.data != payloads[i] || it.msg != "" || it.unver {
			t.Errorf("item %d: index %d offset %d len %d msg %q unverified %v; want index %d offset %d len %d",
				i, it.index, it.offset, len(it.data), it.msg, it.unver, i, offsets[i], len(payloads[i]))
		}
	}
}

// growing is a reader over a buffer that a test appends to, like a file
// that is being written.
type growing struct {
	data []byte
	pos  int
}

func (g *growing) Read(p []byte) (int, error) {
	if g.pos >= len(g.data) {
		return 0, io.EOF
	}
	n := copy(p, g.data[g.pos:])
	g.pos += n
	return n, nil
}

// TestScannerTruncated cuts a stream at every byte and checks that the
// records before the cut come out, that the cut record is reported once
// as truncated (or returned unverified when only its CRC is missing),
// and that appending the rest yields every record exactly once.
func TestScannerTruncated(t *testing.T) {
	file, payloads, offsets := records(5, 70, 3)
	for cut := 0; cut <= len(file); cut++ {
		g := &growing{data: append([]byte(nil), file[:cut]...)}
		s := NewScanner(g)
		first := drain(s)
		complete := 0
		for i := range payloads {
			if offsets[i]+int64(HeaderSize+len(payloads[i])+FooterSize) <= int64(cut) {
				complete = i + 1
			}
		}
		var recs, truncs, unver int
		for _, it := range first {
			switch {
			case it.trunc:
				truncs++
				if it.index != complete || it.offset != offsets[complete] {
					t.Errorf("cut %d: truncation reported at record %d byte %d, want record %d byte %d", cut, it.index, it.offset, complete, offsets[complete])
				}
			case it.msg != "":
				t.Errorf("cut %d: unexpected problem %q", cut, it.msg)
			default:
				recs++
				if it.unver {
					unver++
				}
			}
		}
		inside := cut > int(offsets[complete%len(offsets)]) && complete < len(payloads)
		if wantTrunc := b2i(inside); truncs != wantTrunc {
			t.Errorf("cut %d: %d truncation reports, want %d", cut, truncs, wantTrunc)
		}
		dataDone := complete < len(payloads) && int64(cut) >= offsets[complete]+int64(HeaderSize+len(payloads[complete]))
		if recs != complete+b2i(dataDone) || unver != b2i(dataDone) {
			t.Errorf("cut %d: %d records (%d unverified), want %d (%d)", cut, recs, unver, complete+b2i(dataDone), b2i(dataDone))
		}
		if s.Scan() {
			t.Errorf("cut %d: Scan after the end returned an item again", cut)
		}
		g.data = append(g.data, file[cut:]...)
		rest := drain(s)
		var all []string
		for _, it := range append(first, rest...) {
			if it.msg == "" {
				all = append(all, it.data)
			} else if !it.trunc {
				t.Errorf("cut %d: problem after completion: %q", cut, it.msg)
			}
		}
		if fmt.Sprint(all) != fmt.Sprint(payloads) {
			t.Errorf("cut %d: records after completion = %q, want %q", cut, all, payloads)
		}
	}
}

// TestScannerTruncatedTwice grows a stream in three steps, ending first
// inside record 1's data and then inside record 2's header, and expects
// one truncation report each time.
func TestScannerTruncatedTwice(t *testing.T) {
	file, _, offsets := records(5, 70, 3)
	g := &growing{}
	s := NewScanner(g)
	var got []string
	for _, end := range []int64{offsets[1] + 20, offsets[2] + 5, int64(len(file))} {
		g.data = file[:end]
		for _, it := range drain(s) {
			if it.trunc {
				got = append(got, fmt.Sprintf("truncated %d", it.index))
			} else {
				got = append(got, fmt.Sprintf("record %d", it.index))
			}
		}
	}
	want := "[record 0 truncated 1 record 1 truncated 2 record 2]"
	if fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestScannerDamage(t *testing.T) {
	file, _, offsets := records(10, 20, 30, 40)
	tests := []struct {
		name   string
		damage func(b []byte)
		want   []string // payload letters or problem messages (prefix)
	}{
		{"data byte", func(b []byte) { b[offsets[1]+HeaderSize+3] ^= 1 },
			[]string{"a", "record 1 at byte 26: data CRC mismatch", "c", "d"}},
		{"data CRC", func(b []byte) { b[offsets[2]-1] ^= 0xff },
			[]string{"a", "record 1 at byte 26: data CRC mismatch", "c", "d"}},
		{"length byte", func(b []byte) { b[offsets[1]] ^= 4 },
			[]string{"a", "record 1 at byte 26: length CRC mismatch", "c", "d"}},
		{"length CRC", func(b []byte) { b[offsets[1]+9] ^= 4 },
			[]string{"a", "record 1 at byte 26: length CRC mismatch", "c", "d"}},
		{"two headers", func(b []byte) { b[offsets[1]] ^= 4; b[offsets[2]+1] ^= 4 },
			[]string{"a", "record 1 at byte 26: length CRC mismatch", "d"}},
		{"first header", func(b []byte) { b[0] ^= 1 },
			[]string{"record 0 at byte 0: length CRC mismatch", "b", "c", "d"}},
		{"tail garbage", func(b []byte) { copy(b[offsets[3]:], "garbage garbage garbage") },
			[]string{"a", "b", "c", "record 3 at byte 108: length CRC mismatch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := append([]byte(nil), file...)
			tt.damage(b)
			s := NewScanner(bytes.NewReader(b))
			var got []string
			for s.Scan() {
				if p := s.Problem(); p != nil {
					got = append(got, p.Error())
					continue
				}
				got = append(got, string(s.Record()[:1]))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("item %d = %q, want prefix %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestScannerOversized(t *testing.T) {
	file, _, _ := records(10, 500, 10)
	s := NewScanner(bytes.NewReader(file))
	s.SetMaxRecordSize(100)
	var got []string
	for s.Scan() {
		if p := s.Problem(); p != nil {
			got = append(got, p.Error())
		} else {
			got = append(got, fmt.Sprintf("%d:%c", s.Index(), s.Record()[0]))
		}
	}
	want := []string{"0:a", "record 1 at byte 26: record of 500 bytes exceeds the limit of 100 bytes: skipped", "2:c"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestScannerBogusLength checks that a header claiming a huge record in
// a short input reports truncation without allocating the claimed size.
func TestScannerBogusLength(t *testing.T) {
	var hdr [HeaderSize]byte
	binary.LittleEndian.PutUint64(hdr[:], 1<<30)
	binary.LittleEndian.PutUint32(hdr[8:], MaskedCRC(hdr[:8]))
	in := append(hdr[:], "short"...)
	s := NewScanner(bytes.NewReader(in))
	s.SetMaxRecordSize(2 << 30)
	got := drain(s)
	if len(got) != 1 || !got[0].trunc {
		t.Errorf("got %+v, want one truncation", got)
	}
	if cap(s.buf) > 1<<20 {
		t.Errorf("buffer grew to %d bytes for a 5-byte body", cap(s.buf))
	}
}

func TestScannerGarbage(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200; i++ {
		b := make([]byte, rng.Intn(300))
		rng.Read(b)
		s := NewScanner(bytes.NewReader(b))
		n := 0
		for s.Scan() {
			n++
			if n > len(b)+2 {
				t.Fatalf("input %d: more items than bytes", i)
			}
		}
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestScannerIOError(t *testing.T) {
	file, _, _ := records(10)
	s := NewScanner(io.MultiReader(bytes.NewReader(file), errReader{io.ErrUnexpectedEOF}))
	n := 0
	for s.Scan() {
		n++
	}
	if n != 1 || s.Err() != io.ErrUnexpectedEOF {
		t.Errorf("got %d items and error %v, want 1 and %v", n, s.Err(), io.ErrUnexpectedEOF)
	}
}

// TestScannerInPlace checks that records returned from the read buffer
// come out as records copied out of it do, across damage, garbage, large
// records and a stream read a few bytes at a time.
func TestScannerInPlace(t *testing.T) {
	file, _, offsets := records(0, 1, 100, 70000, 5, 40, 3, 200000, 9)
	damaged := append([]byte(nil), file...)
	damaged[offsets[2]+HeaderSize+3] ^= 1 // a data CRC
	damaged[offsets[5]+2] ^= 1            // a length CRC
	garbage := append(append([]byte("garbage"), file[:offsets[4]]...), file[offsets[4]+5:]...)
	for i, data := range [][]byte{file, damaged, garbage, file[:len(file)-2], damaged[:offsets[6]+7]} {
		for _, chunk := range []int{0, 7} {
			read := func(copying bool) []item {
				var r io.Reader = bytes.NewReader(data)
				if chunk > 0 {
					r = &chunked{data: data, n: chunk}
				}
				s := NewScanner(r)
				s.copying = copying
				return drain(s)
			}
			if got, want := read(false), read(true); !slices.Equal(got, want) {
				t.Errorf("input %d, chunk %d: in place %+v, copied %+v", i, chunk, got, want)
			}
		}
	}
}

// chunked reads n bytes at a time.
type chunked struct {
	data []byte
	n    int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.data)
	c.data = c.data[k:]
	return k, nil
}
