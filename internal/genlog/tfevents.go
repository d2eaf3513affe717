package genlog

import (
	"encoding/binary"
	"hash/crc32"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// TFEvents returns a generated TensorBoard event file of the given number
// of scalars in the layout of the Hugging Face TensorBoardCallback: a
// file_version record, then one simple_value per event, per step
// train/loss, train/grad_norm, train/learning_rate and train/epoch. Ten
// million scalars make about 540 MB.
//
// The encoder is written here rather than shared with the reader's
// package (trainlog/internal/tfrecord), so that a reader bug cannot hide
// behind the same bug in the writer.
func TFEvents(scalars int) []byte {
	b := make([]byte, 0, scalars*54+64)
	ev := appendEventHead(nil, 1.7e9, 0)
	ev = protowire.AppendTag(ev, 3, protowire.BytesType)
	ev = protowire.AppendString(ev, "brain.Event:2")
	b = appendRecord(b, ev)
	tags := [4]string{"train/loss", "train/grad_norm", "train/learning_rate", "train/epoch"}
	var val []byte
	for i := range scalars {
		step := int64(i/4 + 1)
		v := float32(step%1000) / 100
		val = protowire.AppendTag(val[:0], 1, protowire.BytesType)
		val = protowire.AppendString(val, tags[i%4])
		val = protowire.AppendTag(val, 2, protowire.Fixed32Type)
		val = protowire.AppendFixed32(val, math.Float32bits(v))
		ev = appendEventHead(ev[:0], 1.7e9+float64(step)/10, step)
		ev = protowire.AppendTag(ev, 5, protowire.BytesType) // summary
		ev = protowire.AppendVarint(ev, uint64(protowire.SizeTag(1)+protowire.SizeBytes(len(val))))
		ev = protowire.AppendTag(ev, 1, protowire.BytesType) // summary.value
		ev = protowire.AppendBytes(ev, val)
		b = appendRecord(b, ev)
	}
	return b
}

// appendEventHead appends an Event's wall_time and, when not zero, step.
func appendEventHead(b []byte, wall float64, step int64) []byte {
	b = protowire.AppendTag(b, 1, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, math.Float64bits(wall))
	if step != 0 {
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(step))
	}
	return b
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendRecord appends data in TFRecord framing: the little-endian
// length, its masked CRC-32C, the data and the data's masked CRC-32C.
func appendRecord(b, data []byte) []byte {
	masked := func(p []byte) uint32 {
		c := crc32.Checksum(p, castagnoli)
		return ((c >> 15) | (c << 17)) + 0xa282ead8
	}
	var hdr [12]byte
	binary.LittleEndian.PutUint64(hdr[:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(hdr[8:], masked(hdr[:8]))
	b = append(b, hdr[:]...)
	b = append(b, data...)
	return binary.LittleEndian.AppendUint32(b, masked(data))
}
