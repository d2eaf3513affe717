package tfrecord

import (
	"encoding/binary"
	"io"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// A Writer writes TFRecord framing. Tests and benchmarks use it, with the
// Event encoders below, to generate event files.
type Writer struct {
	w   io.Writer
	hdr [HeaderSize]byte
	ftr [FooterSize]byte
}

// NewWriter returns a Writer writing to w. Wrap w in a bufio.Writer for
// speed.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes data as one record.
func (w *Writer) Write(data []byte) error {
	binary.LittleEndian.PutUint64(w.hdr[:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(w.hdr[8:], MaskedCRC(w.hdr[:8]))
	binary.LittleEndian.PutUint32(w.ftr[:], MaskedCRC(data))
	if _, err := w.w.Write(w.hdr[:]); err != nil {
		return err
	}
	if _, err := w.w.Write(data); err != nil {
		return err
	}
	_, err := w.w.Write(w.ftr[:])
	return err
}

// AppendRecord appends data framed as one record to b.
func AppendRecord(b, data []byte) []byte {
	var hdr [HeaderSize]byte
	binary.LittleEndian.PutUint64(hdr[:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(hdr[8:], MaskedCRC(hdr[:8]))
	b = append(b, hdr[:]...)
	b = append(b, data...)
	return binary.LittleEndian.AppendUint32(b, MaskedCRC(data))
}

// TensorFlow DataType values (types.proto) that carry scalars.
const (
	DTFloat    = 1
	DTDouble   = 2
	DTInt32    = 3
	DTString   = 7
	DTInt64    = 9
	DTBFloat16 = 14
	DTHalf     = 19
)

// SessionLog statuses.
const (
	SessionStart = 1
	SessionStop  = 2
)

// FileVersionEvent encodes the first event of a file, which names the
// format version (TensorBoard writes "brain.Event:2").
func FileVersionEvent(wall float64, version string) []byte {
	b := appendHead(nil, wall, 0)
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	return protowire.AppendString(b, version)
}

// SessionLogEvent encodes a SessionLog event with the given status.
func SessionLogEvent(wall float64, step int64, status int) []byte {
	b := appendHead(nil, wall, step)
	var sl []byte
	sl = protowire.AppendTag(sl, 1, protowire.VarintType)
	sl = protowire.AppendVarint(sl, uint64(status))
	b = protowire.AppendTag(b, 7, protowire.BytesType)
	return protowire.AppendBytes(b, sl)
}

// SummaryEvent encodes an event holding a Summary with the given encoded
// Summary.Value messages.
func SummaryEvent(wall float64, step int64, values ...[]byte) []byte {
	return AppendSummaryEvent(nil, wall, step, values...)
}

// AppendSummaryEvent is SummaryEvent appending to b.
func AppendSummaryEvent(b []byte, wall float64, step int64, values ...[]byte) []byte {
	b = appendHead(b, wall, step)
	n := 0
	for _, v := range values {
		n += protowire.SizeTag(1) + protowire.SizeBytes(len(v))
	}
	b = protowire.AppendTag(b, 5, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(n))
	for _, v := range values {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, v)
	}
	return b
}

func appendHead(b []byte, wall float64, step int64) []byte {
	b = protowire.AppendTag(b, 1, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, math.Float64bits(wall))
	if step != 0 {
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(step))
	}
	return b
}

// SimpleValue encodes a Summary.Value with a float32 simple_value, as
// PyTorch's SummaryWriter.add_scalar writes by default.
func SimpleValue(tag string, v float32) []byte {
	return AppendSimpleValue(nil, tag, v)
}

// AppendSimpleValue is SimpleValue appending to b.
func AppendSimpleValue(b []byte, tag string, v float32) []byte {
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, tag)
	b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, math.Float32bits(v))
}

// TensorValue encodes a Summary.Value holding an encoded TensorProto,
// with plugin metadata when plugin is not empty.
func TensorValue(tag, plugin string, tensor []byte) []byte {
	b := protowire.AppendTag(nil, 1, protowire.BytesType)
	b = protowire.AppendString(b, tag)
	b = protowire.AppendTag(b, 8, protowire.BytesType)
	b = protowire.AppendBytes(b, tensor)
	return appendPlugin(b, plugin)
}

func appendPlugin(b []byte, plugin string) []byte {
	if plugin == "" {
		return b
	}
	var pd, md []byte
	pd = protowire.AppendTag(pd, 1, protowire.BytesType)
	pd = protowire.AppendString(pd, plugin)
	md = protowire.AppendTag(md, 1, protowire.BytesType)
	md = protowire.AppendBytes(md, pd)
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	return protowire.AppendBytes(b, md)
}

// FloatTensor encodes a DT_FLOAT scalar TensorProto with float_val, as
// PyTorch writes with new_style=True.
func FloatTensor(v float32) []byte {
	b := appendDtype(nil, DTFloat)
	b = protowire.AppendTag(b, 5, protowire.BytesType)
	return protowire.AppendBytes(b, binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
}

// DoubleTensor encodes a DT_DOUBLE scalar TensorProto with double_val.
func DoubleTensor(v float64) []byte {
	b := appendDtype(nil, DTDouble)
	b = protowire.AppendTag(b, 6, protowire.BytesType)
	return protowire.AppendBytes(b, binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)))
}

// Int64Tensor encodes a DT_INT64 scalar TensorProto with int64_val.
func Int64Tensor(v int64) []byte {
	b := appendDtype(nil, DTInt64)
	b = protowire.AppendTag(b, 10, protowire.BytesType)
	return protowire.AppendBytes(b, protowire.AppendVarint(nil, uint64(v)))
}

// ContentTensor encodes a scalar TensorProto of dtype whose value is the
// raw little-endian tensor_content, as TF2's tf.summary.scalar writes.
func ContentTensor(dtype int, content []byte) []byte {
	b := appendDtype(nil, dtype)
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	return protowire.AppendBytes(b, content)
}

// StringTensor encodes a DT_STRING TensorProto of shape [1], as
// SummaryWriter.add_text writes.
func StringTensor(s string) []byte {
	b := appendDtype(nil, DTString)
	b = appendShape(b, 1)
	b = protowire.AppendTag(b, 8, protowire.BytesType)
	return protowire.AppendString(b, s)
}

// ShapedFloatTensor encodes a DT_FLOAT TensorProto of the given shape
// with float_val.
func ShapedFloatTensor(shape []int64, vals ...float32) []byte {
	b := appendDtype(nil, DTFloat)
	b = appendShape(b, shape...)
	var packed []byte
	for _, v := range vals {
		packed = binary.LittleEndian.AppendUint32(packed, math.Float32bits(v))
	}
	b = protowire.AppendTag(b, 5, protowire.BytesType)
	return protowire.AppendBytes(b, packed)
}

func appendDtype(b []byte, dtype int) []byte {
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(dtype))
}

func appendShape(b []byte, dims ...int64) []byte {
	var shape []byte
	for _, d := range dims {
		var dim []byte
		dim = protowire.AppendTag(dim, 1, protowire.VarintType)
		dim = protowire.AppendVarint(dim, uint64(d))
		shape = protowire.AppendTag(shape, 2, protowire.BytesType)
		shape = protowire.AppendBytes(shape, dim)
	}
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendBytes(b, shape)
}

// HistoValue encodes a Summary.Value with a HistogramProto (min, max,
// num, bucket limits and counts), as add_histogram writes.
func HistoValue(tag string, lo, hi float64, limits, counts []float64) []byte {
	var h []byte
	h = protowire.AppendTag(h, 1, protowire.Fixed64Type)
	h = protowire.AppendFixed64(h, math.Float64bits(lo))
	h = protowire.AppendTag(h, 2, protowire.Fixed64Type)
	h = protowire.AppendFixed64(h, math.Float64bits(hi))
	h = appendPackedDoubles(h, 6, limits)
	h = appendPackedDoubles(h, 7, counts)
	b := protowire.AppendTag(nil, 1, protowire.BytesType)
	b = protowire.AppendString(b, tag)
	b = protowire.AppendTag(b, 5, protowire.BytesType)
	return protowire.AppendBytes(b, h)
}

func appendPackedDoubles(b []byte, num protowire.Number, vs []float64) []byte {
	var p []byte
	for _, v := range vs {
		p = binary.LittleEndian.AppendUint64(p, math.Float64bits(v))
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, p)
}

// ImageValue encodes a Summary.Value with an Image (height, width,
// colorspace and encoded PNG bytes), as add_image writes.
func ImageValue(tag string, height, width int, png []byte) []byte {
	var im []byte
	im = protowire.AppendTag(im, 1, protowire.VarintType)
	im = protowire.AppendVarint(im, uint64(height))
	im = protowire.AppendTag(im, 2, protowire.VarintType)
	im = protowire.AppendVarint(im, uint64(width))
	im = protowire.AppendTag(im, 3, protowire.VarintType)
	im = protowire.AppendVarint(im, 3)
	im = protowire.AppendTag(im, 4, protowire.BytesType)
	im = protowire.AppendBytes(im, png)
	b := protowire.AppendTag(nil, 1, protowire.BytesType)
	b = protowire.AppendString(b, tag)
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	return protowire.AppendBytes(b, im)
}
