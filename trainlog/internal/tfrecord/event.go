package tfrecord

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// A Type says how a scalar was stored.
type Type uint8

// Scalar storage types.
const (
	Float32  Type = iota + 1 // simple_value, float_val or DT_FLOAT content
	Float64                  // double_val or DT_DOUBLE content
	Int                      // int_val, int64_val or integer content (exact)
	Half                     // DT_HALF: about 3 significant digits
	BFloat16                 // DT_BFLOAT16: about 2 significant digits
)

// A Value is one scalar of an event's summary.
type Value struct {
	Tag   []byte // aliases the record's data
	Value float64
	Type  Type
}

// An Event holds the fields of a TensorBoard Event that plateau reads.
// Slices alias the decoded record's data.
type Event struct {
	WallTime    float64
	Step        int64
	FileVersion []byte
	// SessionStatus is the SessionLog status (SessionStart, ...) or 0
	// when the event holds no session log.
	SessionStatus int
	// HasSummary is set when the event holds a summary, scalar or not.
	HasSummary bool
	// Values are the summary's scalar values in order.
	Values []Value
	// Skipped counts the summary values that were not scalars.
	Skipped int
}

func (ev *Event) reset() {
	*ev = Event{Values: ev.Values[:0]}
}

// A Decoder decodes Event protobufs. It remembers, by tag, the summary
// values that are not scalars (images, histograms, text, ...), because
// writers put the plugin metadata that says so on a tag's first value
// only; later values of such a tag are skipped without being decoded.
// The zero Decoder is ready to use.
type Decoder struct {
	nonScalar map[string]struct{}
}

// maxRemembered caps the number of non-scalar tags a Decoder keeps.
const maxRemembered = 1 << 16

// NonScalar reports whether tag was seen holding a non-scalar value.
func (d *Decoder) NonScalar(tag []byte) bool {
	_, ok := d.nonScalar[string(tag)]
	return ok
}

func (d *Decoder) remember(tag []byte) {
	if d.nonScalar == nil {
		d.nonScalar = map[string]struct{}{}
	}
	if len(d.nonScalar) < maxRemembered {
		d.nonScalar[string(tag)] = struct{}{}
	}
}

// A DecodeError says why a record is not an Event protobuf.
type DecodeError struct {
	Field string // the message field being decoded, such as "summary.value"
	Err   error
}

func (e *DecodeError) Error() string { return fmt.Sprintf("in %s: %v", e.Field, e.Err) }

func decodeErr(field string, n int) error {
	return &DecodeError{Field: field, Err: protowire.ParseError(n)}
}

// Decode decodes data, one Event, into ev, reusing ev's Values slice.
// Unknown fields are skipped, as protobuf parsers do.
func (d *Decoder) Decode(data []byte, ev *Event) error {
	ev.reset()
	if d.decodeScalar(data, ev) {
		return nil
	}
	return d.decodeFields(data, ev)
}

// decodeFields is Decode field by field, for any event.
func (d *Decoder) decodeFields(data []byte, ev *Event) error {
	b := data
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return decodeErr("event", n)
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.Fixed64Type:
			var v uint64
			v, n = protowire.ConsumeFixed64(b)
			ev.WallTime = math.Float64frombits(v)
		case num == 2 && typ == protowire.VarintType:
			var v uint64
			v, n = protowire.ConsumeVarint(b)
			ev.Step = int64(v)
		case num == 3 && typ == protowire.BytesType:
			ev.FileVersion, n = protowire.ConsumeBytes(b)
		case num == 5 && typ == protowire.BytesType:
			var v []byte
			v, n = protowire.ConsumeBytes(b)
			if n >= 0 {
				ev.HasSummary = true
				if err := d.decodeSummary(v, ev); err != nil {
					return err
				}
			}
		case num == 7 && typ == protowire.BytesType:
			var v []byte
			v, n = protowire.ConsumeBytes(b)
			if n >= 0 {
				ev.SessionStatus = int(firstVarint(v, 1))
			}
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return decodeErr(fmt.Sprintf("event field %d", num), n)
		}
		b = b[n:]
	}
	return nil
}

// firstVarint returns the first varint field num of message b, or 0.
func firstVarint(b []byte, want protowire.Number) uint64 {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0
		}
		b = b[n:]
		if num == want && typ == protowire.VarintType {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return 0
			}
			return v
		}
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return 0
		}
		b = b[n:]
	}
	return 0
}

func (d *Decoder) decodeSummary(b []byte, ev *Event) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return decodeErr("summary", n)
		}
		b = b[n:]
		if num == 1 && typ == protowire.BytesType {
			var v []byte
			v, n = protowire.ConsumeBytes(b)
			if n >= 0 {
				if err := d.decodeValue(v, ev); err != nil {
					return err
				}
			}
		} else {
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return decodeErr("summary", n)
		}
		b = b[n:]
	}
	return nil
}

// decodeValue decodes one Summary.Value and appends it to ev.Values when
// it is a scalar.
func (d *Decoder) decodeValue(b []byte, ev *Event) error {
	var (
		tag, tensor, plugin []byte
		simple              float32
		hasSimple, other    bool
	)
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return decodeErr("summary.value", n)
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.BytesType:
			tag, n = protowire.ConsumeBytes(b)
			if n >= 0 && d.nonScalar != nil && d.NonScalar(tag) {
				ev.Skipped++
				return nil
			}
		case num == 2 && typ == protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			simple, hasSimple = math.Float32frombits(v), true
		case num == 8 && typ == protowire.BytesType:
			tensor, n = protowire.ConsumeBytes(b)
		case num == 9 && typ == protowire.BytesType:
			var md []byte
			md, n = protowire.ConsumeBytes(b)
			plugin = pluginName(md)
		default:
			// 3 obsolete histogram, 4 image, 5 histo, 6 audio: skipped
			// unread.
			other = other || (num >= 3 && num <= 6)
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return decodeErr("summary.value", n)
		}
		b = b[n:]
	}
	var v Value
	ok := false
	switch {
	case other || (len(plugin) > 0 && string(plugin) != "scalars"):
	case hasSimple:
		v, ok = Value{Value: float64(simple), Type: Float32}, true
	case tensor != nil:
		v, ok = scalarTensor(tensor)
	default:
		return nil // a value without payload: nothing to remember
	}
	if !ok {
		ev.Skipped++
		d.remember(tag)
		return nil
	}
	v.Tag = tag
	ev.Values = append(ev.Values, v)
	return nil
}

// pluginName returns SummaryMetadata.plugin_data.plugin_name, or nil.
func pluginName(md []byte) []byte {
	for len(md) > 0 {
		num, typ, n := protowire.ConsumeTag(md)
		if n < 0 {
			return nil
		}
		md = md[n:]
		if num == 1 && typ == protowire.BytesType {
			pd, n := protowire.ConsumeBytes(md)
			if n < 0 {
				return nil
			}
			return firstBytes(pd, 1)
		}
		if n = protowire.ConsumeFieldValue(num, typ, md); n < 0 {
			return nil
		}
		md = md[n:]
	}
	return nil
}

// firstBytes returns the first length-delimited field num of b, or nil.
func firstBytes(b []byte, want protowire.Number) []byte {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil
		}
		b = b[n:]
		if num == want && typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil
			}
			return v
		}
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return nil
		}
		b = b[n:]
	}
	return nil
}

// tensorFields holds the TensorProto fields scalarTensor looks at. The
// repeated value fields keep the bytes of their first element (packed or
// not).
type tensorFields struct {
	dtype                    uint64
	notScalar, hasContent    bool
	content                  []byte
	f32, f64, i32, i64, half []byte
}

// scalarTensor decodes a TensorProto holding one number. It reports
// false for strings, tensors of more than one element and unknown
// dtypes.
func scalarTensor(b []byte) (Value, bool) {
	var t tensorFields
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return Value{}, false
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return Value{}, false
		}
		field := b[:m]
		b = b[m:]
		if !valueWire(num, typ) {
			continue
		}
		switch num {
		case 1:
			t.dtype, _ = protowire.ConsumeVarint(field)
		case 2:
			if typ == protowire.BytesType {
				v, _ := protowire.ConsumeBytes(field)
				t.notScalar = t.notScalar || !scalarShape(v)
			}
		case 4:
			t.content, _ = protowire.ConsumeBytes(field)
			t.hasContent = true
		case 5:
			t.f32 = first(t.f32, field, typ)
		case 6:
			t.f64 = first(t.f64, field, typ)
		case 7:
			t.i32 = first(t.i32, field, typ)
		case 10:
			t.i64 = first(t.i64, field, typ)
		case 13:
			t.half = first(t.half, field, typ)
		case 8:
			t.notScalar = true // string_val
		}
	}
	if t.notScalar || t.dtype == DTString {
		return Value{}, false
	}
	if t.hasContent {
		return contentScalar(t.dtype, t.content)
	}
	switch {
	case t.f32 != nil:
		return fixedScalar(t.f32, 4, Float32)
	case t.f64 != nil:
		return fixedScalar(t.f64, 8, Float64)
	case t.i32 != nil:
		v, ok := varintScalar(t.i32)
		return Value{Value: float64(int32(v)), Type: Int}, ok
	case t.i64 != nil:
		v, ok := varintScalar(t.i64)
		return Value{Value: float64(int64(v)), Type: Int}, ok
	case t.half != nil:
		v, ok := varintScalar(t.half)
		return halfScalar(t.dtype, uint16(v), ok)
	}
	return Value{}, false
}

// valueWire reports whether typ is a wire type a TensorProto field num
// may have: a packed repeated field or a single element.
func valueWire(num protowire.Number, typ protowire.Type) bool {
	switch num {
	case 5:
		return typ == protowire.BytesType || typ == protowire.Fixed32Type
	case 6:
		return typ == protowire.BytesType || typ == protowire.Fixed64Type
	case 1, 7, 10, 13:
		return typ == protowire.BytesType && num != 1 || typ == protowire.VarintType
	}
	return true
}

// first keeps the first occurrence of a repeated field: the contents of
// a packed field, or the bytes of a single element.
func first(have, field []byte, typ protowire.Type) []byte {
	if have != nil {
		return have
	}
	if typ == protowire.BytesType {
		v, n := protowire.ConsumeBytes(field)
		if n < 0 || len(v) == 0 {
			return nil
		}
		return v
	}
	return field
}

// scalarShape reports whether a TensorShapeProto describes one element:
// rank 0, or every dimension of size 1.
func scalarShape(b []byte) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return false
		}
		switch {
		case num == 2 && typ == protowire.BytesType:
			dim, _ := protowire.ConsumeBytes(b[:m])
			if firstVarint(dim, 1) != 1 {
				return false
			}
		case num == 3:
			return false // unknown_rank
		}
		b = b[m:]
	}
	return true
}

// fixedScalar decodes the first float of a packed or single fixed-width
// field.
func fixedScalar(b []byte, size int, t Type) (Value, bool) {
	if len(b) < size {
		return Value{}, false
	}
	if size == 4 {
		return Value{Value: float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), Type: t}, true
	}
	return Value{Value: math.Float64frombits(binary.LittleEndian.Uint64(b)), Type: t}, true
}

// varintScalar decodes the first varint of a packed or single field.
func varintScalar(b []byte) (uint64, bool) {
	v, n := protowire.ConsumeVarint(b)
	return v, n > 0
}

// contentScalar decodes a one-element tensor_content of dtype.
func contentScalar(dtype uint64, c []byte) (Value, bool) {
	le := binary.LittleEndian
	switch {
	case dtype == DTFloat && len(c) == 4:
		return Value{Value: float64(math.Float32frombits(le.Uint32(c))), Type: Float32}, true
	case dtype == DTDouble && len(c) == 8:
		return Value{Value: math.Float64frombits(le.Uint64(c)), Type: Float64}, true
	case dtype == DTInt32 && len(c) == 4:
		return Value{Value: float64(int32(le.Uint32(c))), Type: Int}, true
	case dtype == DTInt64 && len(c) == 8:
		return Value{Value: float64(int64(le.Uint64(c))), Type: Int}, true
	case (dtype == DTHalf || dtype == DTBFloat16) && len(c) == 2:
		return halfScalar(dtype, le.Uint16(c), true)
	}
	return Value{}, false
}

// halfScalar converts IEEE half or bfloat16 bits.
func halfScalar(dtype uint64, h uint16, ok bool) (Value, bool) {
	if !ok {
		return Value{}, false
	}
	switch dtype {
	case DTBFloat16:
		return Value{Value: float64(math.Float32frombits(uint32(h) << 16)), Type: BFloat16}, true
	case DTHalf:
		return Value{Value: halfToFloat(h), Type: Half}, true
	}
	return Value{}, false
}

// halfToFloat converts IEEE 754 binary16 bits to a float64.
func halfToFloat(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * math.Ldexp(1024+frac, exp-25)
}

// decodeScalar decodes, without the general loop, the event that writers
// write for each logged scalar: wall_time, a step of up to 9 bytes and a
// summary of one value holding a tag of up to 127 bytes and a
// simple_value, in field order. It reports false, having decoded
// nothing, for any other event.
func (d *Decoder) decodeScalar(b []byte, ev *Event) bool {
	// wall_time: tag 0x09 and 8 bytes.
	if len(b) < 9+2+2+2+2+5 || b[0] != 0x09 || b[9] != 0x10 {
		return false
	}
	wall := math.Float64frombits(binary.LittleEndian.Uint64(b[1:9]))
	b = b[10:]
	step, n := protowire.ConsumeVarint(b)
	if n < 0 || n > 9 {
		return false
	}
	b = b[n:]
	// summary { value { tag simple_value } }: 0x2a L1 0x0a L2 0x0a L3 tag 0x15 float32
	if len(b) < 4 || b[0] != 0x2a || b[2] != 0x0a || b[1] >= 0x80 || b[3] >= 0x80 {
		return false
	}
	l1, l2 := int(b[1]), int(b[3])
	if l1 != len(b)-2 || l2 != l1-2 {
		return false
	}
	v := b[4:]
	if len(v) < 2 || v[0] != 0x0a || v[1] >= 0x80 {
		return false
	}
	lt := int(v[1])
	if len(v) != 2+lt+5 || v[2+lt] != 0x15 {
		return false
	}
	tag := v[2 : 2+lt]
	ev.WallTime, ev.Step, ev.HasSummary = wall, int64(step), true
	if d.nonScalar != nil && d.NonScalar(tag) {
		ev.Skipped++
		return true
	}
	f := math.Float32frombits(binary.LittleEndian.Uint32(v[3+lt:]))
	ev.Values = append(ev.Values, Value{Tag: tag, Value: float64(f), Type: Float32})
	return true
}
