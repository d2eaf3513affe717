package tfrecord

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestDecodeValues(t *testing.T) {
	f32 := func(v float32) []byte { return binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)) }
	f64 := func(v float64) []byte { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)) }
	tests := []struct {
		name    string
		value   []byte
		want    float64
		typ     Type
		skipped bool
	}{
		{"simple_value", SimpleValue("train/loss", 2e-05), float64(float32(2e-05)), Float32, false},
		{"float_val", TensorValue("train/loss", "scalars", FloatTensor(0.5)), 0.5, Float32, false},
		{"double_val", TensorValue("train/loss", "scalars", DoubleTensor(0.1)), 0.1, Float64, false},
		{"int64_val", TensorValue("train/loss", "", Int64Tensor(-7)), -7, Int, false},
		{"float content", TensorValue("train/loss", "scalars", ContentTensor(DTFloat, f32(1.25))), 1.25, Float32, false},
		{"double content", TensorValue("train/loss", "scalars", ContentTensor(DTDouble, f64(1e-300))), 1e-300, Float64, false},
		{"int32 content", TensorValue("x", "", ContentTensor(DTInt32, []byte{0xff, 0xff, 0xff, 0xff})), -1, Int, false},
		{"half content", TensorValue("x", "", ContentTensor(DTHalf, []byte{0x00, 0x3c})), 1, Half, false},
		{"half subnormal", TensorValue("x", "", ContentTensor(DTHalf, []byte{0x01, 0x00})), math.Ldexp(1, -24), Half, false},
		{"half negative", TensorValue("x", "", ContentTensor(DTHalf, []byte{0x00, 0xc0})), -2, Half, false},
		{"bfloat16 content", TensorValue("x", "", ContentTensor(DTBFloat16, []byte{0x80, 0x3f})), 1, BFloat16, false},
		{"shape [1,1]", TensorValue("x", "scalars", ShapedFloatTensor([]int64{1, 1}, 3)), 3, Float32, false},
		{"shape [2]", TensorValue("x", "scalars", ShapedFloatTensor([]int64{2}, 3, 4)), 0, 0, true},
		{"content of 2 floats", TensorValue("x", "", ContentTensor(DTFloat, append(f32(1), f32(2)...))), 0, 0, true},
		{"text", TensorValue("args/text_summary", "text", StringTensor(`{"lr": 1}`)), 0, 0, true},
		{"string without plugin", TensorValue("x", "", StringTensor("a")), 0, 0, true},
		{"histogram plugin", TensorValue("w", "histograms", FloatTensor(1)), 0, 0, true},
		{"histo", HistoValue("w", -1, 1, []float64{0, 1}, []float64{3, 4}), 0, 0, true},
		{"image", ImageValue("img", 2, 2, []byte("\x89PNG")), 0, 0, true},
		{"unpacked float_val", TensorValue("x", "", raw(DTFloat, 5, protowire.Fixed32Type, uint64(math.Float32bits(0.25)))), 0.25, Float32, false},
		{"unpacked double_val", TensorValue("x", "", raw(DTDouble, 6, protowire.Fixed64Type, math.Float64bits(-0.5))), -0.5, Float64, false},
		{"int_val", TensorValue("x", "", raw(DTInt32, 7, protowire.VarintType, uint64(1<<64-3))), -3, Int, false},
		{"half_val inf", TensorValue("x", "", raw(DTHalf, 13, protowire.VarintType, 0x7c00)), math.Inf(1), Half, false},
		{"half_val bfloat16", TensorValue("x", "", raw(DTBFloat16, 13, protowire.VarintType, 0xc000)), -2, BFloat16, false},
		{"float_val as varint", TensorValue("x", "", raw(DTFloat, 5, protowire.VarintType, 1)), 0, 0, true},
		{"unknown rank", TensorValue("x", "", append(FloatTensor(1), 0x12, 0x02, 0x18, 0x01)), 0, 0, true},
		{"no values", TensorValue("x", "scalars", appendDtype(nil, DTFloat)), 0, 0, true},
		{"metadata only", appendPlugin(protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "x"), "scalars"), 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoder
			var ev Event
			if err := d.Decode(SummaryEvent(1.5, 42, tt.value), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Step != 42 || ev.WallTime != 1.5 || !ev.HasSummary {
				t.Errorf("step %d wall %v summary %v, want 42 1.5 true", ev.Step, ev.WallTime, ev.HasSummary)
			}
			if tt.name == "metadata only" {
				if len(ev.Values) != 0 || ev.Skipped != 0 {
					t.Errorf("values %+v skipped %d, want none", ev.Values, ev.Skipped)
				}
				return
			}
			if tt.skipped {
				if len(ev.Values) != 0 || ev.Skipped != 1 {
					t.Errorf("values %+v skipped %d, want none and 1", ev.Values, ev.Skipped)
				}
				return
			}
			if len(ev.Values) != 1 {
				t.Fatalf("values %+v, want 1", ev.Values)
			}
			if v := ev.Values[0]; v.Value != tt.want || v.Type != tt.typ {
				t.Errorf("value %v type %d, want %v type %d", v.Value, v.Type, tt.want, tt.typ)
			}
		})
	}
}

// raw encodes a TensorProto of dtype with one unpacked element of field
// num.
func raw(dtype int, num protowire.Number, typ protowire.Type, v uint64) []byte {
	b := appendDtype(nil, dtype)
	b = protowire.AppendTag(b, num, typ)
	switch typ {
	case protowire.Fixed32Type:
		return protowire.AppendFixed32(b, uint32(v))
	case protowire.Fixed64Type:
		return protowire.AppendFixed64(b, v)
	}
	return protowire.AppendVarint(b, v)
}

// TestDecodeRemembersNonScalar checks that a tag whose first value says
// "text" is skipped later even without metadata.
func TestDecodeRemembersNonScalar(t *testing.T) {
	var d Decoder
	var ev Event
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.Decode(SummaryEvent(1, 1, TensorValue("notes", "text", StringTensor("hi"))), &ev))
	must(d.Decode(SummaryEvent(1, 2, TensorValue("notes", "", FloatTensor(1)), SimpleValue("loss", 2)), &ev))
	if len(ev.Values) != 1 || string(ev.Values[0].Tag) != "loss" || ev.Skipped != 1 {
		t.Errorf("values %+v skipped %d, want only loss and 1 skipped", ev.Values, ev.Skipped)
	}
}

func TestDecodeEventFields(t *testing.T) {
	var d Decoder
	var ev Event
	if err := d.Decode(FileVersionEvent(1795725322.5, "brain.Event:2"), &ev); err != nil {
		t.Fatal(err)
	}
	if string(ev.FileVersion) != "brain.Event:2" || ev.WallTime != 1795725322.5 || ev.HasSummary {
		t.Errorf("got %+v", ev)
	}
	if err := d.Decode(SessionLogEvent(2, 500, SessionStart), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.SessionStatus != SessionStart || ev.Step != 500 {
		t.Errorf("got %+v", ev)
	}
	for _, bad := range [][]byte{{0x0a}, {0x2a, 0x05, 0x0a}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}} {
		if err := d.Decode(bad, &ev); err == nil {
			t.Errorf("Decode(%x) succeeded, want an error", bad)
		}
	}
}

// TestDecodeScalarFastPath checks that the events decodeScalar takes
// decode as the general loop decodes them, and that it leaves the others
// to it.
func TestDecodeScalarFastPath(t *testing.T) {
	long := strings.Repeat("x", 200)
	tests := []struct {
		data []byte
		fast bool
	}{
		{SummaryEvent(1.7e9, 12, SimpleValue("train/loss", 2.5)), true},
		{SummaryEvent(1.7e9, 1<<40, SimpleValue("train/learning_rate", 2e-5)), true},
		{SummaryEvent(1.7e9, 12, SimpleValue("", float32(math.NaN()))), true},
		{SummaryEvent(1.7e9, 12, SimpleValue("notes", 1)), true}, // a remembered non-scalar tag
		{SummaryEvent(1.7e9, 0, SimpleValue("train/loss", 2.5)), false},
		{SummaryEvent(1.7e9, -1, SimpleValue("train/loss", 2.5)), false},
		{SummaryEvent(1.7e9, 12, SimpleValue(long, 1)), false},
		{SummaryEvent(1.7e9, 12, SimpleValue("a", 1), SimpleValue("b", 2)), false},
		{SummaryEvent(1.7e9, 12, TensorValue("x", "scalars", FloatTensor(3))), false},
		{append(SummaryEvent(1.7e9, 12, SimpleValue("train/loss", 2.5)), 0x08, 0x01), false},
		{FileVersionEvent(1, "brain.Event:2"), false},
	}
	for i, tt := range tests {
		var fast, slow Decoder
		for _, d := range []*Decoder{&fast, &slow} {
			var ev Event
			if err := d.Decode(SummaryEvent(1, 1, TensorValue("notes", "text", StringTensor("hi"))), &ev); err != nil {
				t.Fatal(err)
			}
		}
		var a, b Event
		if got := fast.decodeScalar(tt.data, &a); got != tt.fast {
			t.Errorf("%d: decodeScalar took it: %v, want %v", i, got, tt.fast)
		}
		errA, errB := fast.Decode(tt.data, &a), slow.decodeFields(tt.data, &b)
		if fmt.Sprint(a, errA) != fmt.Sprint(b, errB) {
			t.Errorf("%d: Decode = %+v %v, field by field %+v %v", i, a, errA, b, errB)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(FileVersionEvent(1, "brain.Event:2"))
	f.Add(SummaryEvent(1, 2, SimpleValue("train/loss", 1)))
	f.Add(SummaryEvent(1, 2, TensorValue("x", "scalars", ContentTensor(DTDouble, make([]byte, 8)))))
	f.Add(SummaryEvent(1, 2, TensorValue("args", "text", StringTensor("{}"))))
	f.Add(SummaryEvent(1, 2, HistoValue("h", 0, 1, []float64{1}, []float64{2})))
	f.Add(SessionLogEvent(1, 2, SessionStart))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		var d, general Decoder
		var ev, want Event
		err, wantErr := d.Decode(data, &ev), general.decodeFields(data, &want)
		if fmt.Sprint(ev, err) != fmt.Sprint(want, wantErr) {
			t.Errorf("Decode = %+v %v, field by field %+v %v", ev, err, want, wantErr)
		}
		if err != nil {
			return
		}
		if len(ev.Values)+ev.Skipped > len(data) {
			t.Errorf("%d values and %d skipped from %d bytes", len(ev.Values), ev.Skipped, len(data))
		}
	})
}
