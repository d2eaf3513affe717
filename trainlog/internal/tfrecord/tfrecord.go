// Package tfrecord reads and writes TFRecord framing, the container of
// TensorBoard event files, and decodes the few fields of the Event
// protobuf that plateau needs.
//
// A TFRecord file is a sequence of records, each
//
//	uint64  length                        little-endian
//	uint32  masked CRC-32C of the 8 length bytes
//	byte    data[length]
//	uint32  masked CRC-32C of data
//
// where CRC-32C uses the Castagnoli polynomial and
// mask(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8, modulo 2^32.
package tfrecord

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Framing sizes in bytes.
const (
	HeaderSize = 12 // length and its masked CRC
	FooterSize = 4  // masked CRC of the data
)

// DefaultMaxRecordSize is the largest record a Scanner keeps in memory.
// Larger records (big graphs or images) are skipped unread and reported.
const DefaultMaxRecordSize = 64 << 20

// maxProtoSize is the largest length a record holding a protobuf can
// have; a larger length with a valid CRC is treated as corrupt.
const maxProtoSize = 1<<31 - 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MaskedCRC returns the masked CRC-32C of b, as stored in TFRecord files.
func MaskedCRC(b []byte) uint32 { return mask(crc32.Checksum(b, castagnoli)) }

func mask(crc uint32) uint32 { return ((crc >> 15) | (crc << 17)) + 0xa282ead8 }

// ParseHeader decodes a record header from the first HeaderSize bytes of
// b. It reports false when b is shorter or the length's CRC does not
// match.
func ParseHeader(b []byte) (length uint64, ok bool) {
	if len(b) < HeaderSize {
		return 0, false
	}
	length = binary.LittleEndian.Uint64(b)
	return length, MaskedCRC(b[:8]) == binary.LittleEndian.Uint32(b[8:])
}

// A FormatError describes a damaged or incomplete record.
type FormatError struct {
	Index  int   // 0-based index of the record
	Offset int64 // byte offset of the record's header
	Msg    string
	// Truncated is set when the input ended inside the record: a file
	// still being written or whose writer was killed. More bytes may
	// complete it later.
	Truncated bool
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("record %d at byte %d: %s", e.Index, e.Offset, e.Msg)
}

// scanner states.
const (
	stHeader = iota // waiting for a complete header
	stBody          // reading data and footer into buf
	stSkip          // discarding an oversized record
	stResync        // searching for the next valid header after a bad one
)

// A Scanner reads the records of a TFRecord stream. It follows the
// bufio.Scanner pattern: each successful Scan makes either a record
// (Record) or a problem (Problem) available.
//
// A Scanner never reads more than it needs, so when the input ends
// inside a record it keeps what it has and a later Scan, after more bytes
// were appended, completes the record. Problems are reported once each:
// a damaged record is skipped when its length can be trusted (a data CRC
// mismatch), and after a damaged length the Scanner searches byte by byte
// for the next header whose length CRC holds.
type Scanner struct {
	r   *bufio.Reader
	max int

	state   int
	off     int64 // offset of the next unread byte
	index   int   // index of the record being read
	recOff  int64 // header offset of the record being read
	length  int64 // its data length
	buf     []byte
	have    int   // bytes of data and footer in buf
	skip    int64 // bytes left to discard in stSkip
	yielded bool  // the record in buf was already returned without its footer
	warned  bool  // truncation of the record being read was already reported
	skipped int64 // bytes passed over in stResync

	copying bool // always copy records into buf (tests compare both ways)

	rec        []byte
	recIndex   int
	recOffset  int64
	unverified bool
	problem    *FormatError
	err        error
}

// NewScanner returns a Scanner reading from r. It reuses r when r is a
// *bufio.Reader of at least 64 KiB.
func NewScanner(r io.Reader) *Scanner {
	return &Scanner{r: bufio.NewReaderSize(r, 64<<10), max: DefaultMaxRecordSize}
}

// SetMaxRecordSize sets the largest record kept in memory; larger ones
// are skipped and reported as a Problem. It must be called before Scan.
func (s *Scanner) SetMaxRecordSize(n int) { s.max = n }

// Record returns the data of the current record, or nil when the current
// item is a Problem. The slice is valid until the next call to Scan.
func (s *Scanner) Record() []byte { return s.rec }

// Index returns the 0-based index of the current record or problem.
func (s *Scanner) Index() int { return s.recIndex }

// Offset returns the byte offset of the current record's header.
func (s *Scanner) Offset() int64 { return s.recOffset }

// Unverified reports whether the current record was returned before its
// data CRC could be read, because the input ends after its data.
// TensorBoard's own reader accepts such a final record too.
func (s *Scanner) Unverified() bool { return s.unverified }

// Problem returns the current problem, or nil when the current item is a
// record.
func (s *Scanner) Problem() *FormatError { return s.problem }

// Err returns the first I/O error met, not counting io.EOF.
func (s *Scanner) Err() error { return s.err }

// Scan advances to the next record or problem. It returns false at the
// end of the available input or on an I/O error.
func (s *Scanner) Scan() bool {
	s.rec, s.problem, s.unverified = nil, nil, false
	if s.err != nil {
		return false
	}
	for {
		var done, ok bool
		switch s.state {
		case stHeader:
			done, ok = s.scanHeader()
		case stBody:
			done, ok = s.scanBody()
		case stSkip:
			done, ok = s.scanSkip()
		case stResync:
			done, ok = s.scanResync()
		}
		if done {
			return ok
		}
	}
}

// ioErr records a read error other than the end of the input.
func (s *Scanner) ioErr(err error) {
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		s.err = err
	}
}

// report makes a problem about the record being read the current item.
func (s *Scanner) report(truncated bool, format string, args ...any) (done, ok bool) {
	s.problem = &FormatError{Index: s.index, Offset: s.recOff, Msg: fmt.Sprintf(format, args...), Truncated: truncated}
	s.recIndex, s.recOffset = s.index, s.recOff
	return true, true
}

// truncated reports, once per record, that the input ends inside it.
func (s *Scanner) truncated(what string, have, want int64) (done, ok bool) {
	if s.warned || s.err != nil {
		return true, false
	}
	s.warned = true
	if s.yielded {
		return s.report(true, "input ends before the record's data CRC: the record was read unverified")
	}
	return s.report(true, "input ends inside the %s (%d of %d bytes): the file is still being written or its writer stopped", what, have, want)
}

func (s *Scanner) scanHeader() (done, ok bool) {
	s.recOff = s.off
	h, err := s.r.Peek(HeaderSize)
	if len(h) < HeaderSize {
		s.ioErr(err)
		if len(h) == 0 {
			return true, false
		}
		return s.truncated("record header", int64(len(h)), HeaderSize)
	}
	length, valid := ParseHeader(h)
	if !valid || length > maxProtoSize {
		s.state, s.skipped = stResync, 0
		return s.report(false, "length CRC mismatch: not a TFRecord header; searching for the next valid record")
	}
	if whole := HeaderSize + int(length) + FooterSize; !s.copying && length <= uint64(s.max) && whole <= s.r.Size() {
		// The whole record is in the buffer, or fits in it: check and
		// return it from there, without copying it.
		if h, _ := s.r.Peek(whole); len(h) == whole {
			data := h[HeaderSize : HeaderSize+int(length)]
			stored, computed := binary.LittleEndian.Uint32(h[HeaderSize+int(length):]), MaskedCRC(data)
			s.discard(whole)
			s.length, s.warned, s.yielded = int64(length), false, false
			if stored != computed {
				done, ok = s.report(false, "data CRC mismatch (stored %#08x, computed %#08x): %d-byte record skipped", stored, computed, s.length)
				s.index++
				return done, ok
			}
			s.rec, s.recIndex, s.recOffset = data, s.index, s.recOff
			s.index++
			return true, true
		}
	}
	s.discard(HeaderSize)
	s.length, s.warned = int64(length), false
	if s.length > int64(s.max) {
		s.state, s.skip = stSkip, s.length+FooterSize
		return s.report(false, "record of %d bytes exceeds the limit of %d bytes: skipped", s.length, s.max)
	}
	s.state, s.have, s.yielded = stBody, 0, false
	if need := int(s.length) + FooterSize; cap(s.buf) < need {
		// Grow gradually so that a bogus length in a short input does
		// not allocate much.
		s.buf = make([]byte, 0, min(need, max(2*cap(s.buf), 64<<10)))
	}
	s.buf = s.buf[:0]
	return false, false
}

func (s *Scanner) discard(n int) {
	d, _ := s.r.Discard(n)
	s.off += int64(d)
}

func (s *Scanner) scanBody() (done, ok bool) {
	want := int(s.length) + FooterSize
	for s.have < want {
		if s.have == len(s.buf) {
			if s.have == cap(s.buf) {
				s.buf = append(s.buf[:cap(s.buf)], make([]byte, min(want-s.have, max(cap(s.buf), 64<<10)))...)
			}
			s.buf = s.buf[:min(cap(s.buf), want)]
		}
		n, err := s.r.Read(s.buf[s.have:])
		s.have += n
		s.off += int64(n)
		if n == 0 {
			s.ioErr(err)
			if err == nil {
				continue
			}
			return s.partialBody()
		}
	}
	data := s.buf[:s.length]
	s.state, s.warned = stHeader, false
	if stored, computed := binary.LittleEndian.Uint32(s.buf[s.length:want]), MaskedCRC(data); stored != computed {
		done, ok = s.report(false, "data CRC mismatch (stored %#08x, computed %#08x): %d-byte record skipped", stored, computed, s.length)
		s.index++
		return done, ok
	}
	idx := s.index
	s.index++
	if s.yielded {
		return false, false // returned earlier without its footer
	}
	s.rec, s.recIndex, s.recOffset = data, idx, s.recOff
	return true, true
}

// partialBody handles the end of input inside a record's data or footer.
func (s *Scanner) partialBody() (done, ok bool) {
	if s.have < int(s.length) || s.yielded || s.err != nil {
		return s.truncated("record", HeaderSize+int64(s.have), HeaderSize+s.length+FooterSize)
	}
	// The data is complete and only its CRC is missing: return it
	// unverified, as TensorBoard does, and verify it if the CRC arrives.
	s.yielded = true
	s.rec, s.recIndex, s.recOffset, s.unverified = s.buf[:s.length], s.index, s.recOff, true
	return true, true
}

func (s *Scanner) scanSkip() (done, ok bool) {
	for s.skip > 0 {
		n, err := s.r.Discard(int(min(s.skip, 1<<20)))
		s.skip -= int64(n)
		s.off += int64(n)
		if n == 0 || err != nil {
			s.ioErr(err)
			if s.skip > 0 {
				return true, false
			}
		}
	}
	s.state, s.warned = stHeader, false
	s.index++
	return false, false
}

func (s *Scanner) scanResync() (done, ok bool) {
	for {
		h, err := s.r.Peek(HeaderSize)
		if len(h) < HeaderSize {
			s.ioErr(err)
			return true, false
		}
		if length, valid := ParseHeader(h); valid && length <= maxProtoSize && s.skipped > 0 {
			s.state, s.warned = stHeader, false
			s.index++
			return false, false
		}
		s.discard(1)
		s.skipped++
	}
}
