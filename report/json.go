package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

// WriteJSON writes r as indented JSON following the schema named in its
// "schema" field (docs/json-schema.md; analysis.SchemaVersion when r
// leaves it empty). Fields appear in the order of the analysis.Report
// struct and map keys in sorted order, so the output is stable. Arrays
// and maps are never null: a nil slice is written as [] and a nil map as
// {}; null marks an absent optional object. JSON has no NaN or infinity:
// such numbers are written as null, so a reader must take null in a
// number field as "not a finite number". The run data behind the report
// (Report.Data) is not written.
func WriteJSON(w io.Writer, r *analysis.Report) error {
	if r == nil {
		return errNilReport
	}
	rc := *r
	if rc.Schema == "" {
		rc.Schema = analysis.SchemaVersion
	}
	var e jsonEncoder
	if err := e.value(reflect.ValueOf(rc)); err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, e.buf.Bytes(), "", "  "); err != nil {
		return fmt.Errorf("report: indent JSON: %w", err)
	}
	out.WriteByte('\n')
	_, err := w.Write(out.Bytes())
	return err
}

// A jsonEncoder writes values the way encoding/json does (field names and
// omitempty from the struct tags, sorted map keys), except that NaN and
// infinities become null instead of an error, nil slices and maps become
// [] and {}, and <, > and & are not escaped.
type jsonEncoder struct{ buf bytes.Buffer }

func (e *jsonEncoder) value(v reflect.Value) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			e.buf.WriteString("null")
			return nil
		}
		return e.value(v.Elem())
	case reflect.Struct:
		return e.object(v)
	case reflect.Map:
		return e.mapping(v)
	case reflect.Slice, reflect.Array:
		e.buf.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			if err := e.value(v.Index(i)); err != nil {
				return err
			}
		}
		e.buf.WriteByte(']')
		return nil
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			e.buf.WriteString("null")
			return nil
		}
	case reflect.String:
		e.str(v.String())
		return nil
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return fmt.Errorf("report: encode %s: %w", v.Type(), err)
	}
	e.buf.Write(b)
	return nil
}

// str writes s as a JSON string without HTML escaping.
func (e *jsonEncoder) str(s string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // strings always encode
	e.buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func (e *jsonEncoder) object(v reflect.Value) error {
	e.buf.WriteByte('{')
	n := 0
	for _, f := range jsonFields(v.Type()) {
		fv := v.FieldByIndex(f.index)
		if f.omitEmpty && isEmptyValue(fv) {
			continue
		}
		if n > 0 {
			e.buf.WriteByte(',')
		}
		n++
		e.str(f.name)
		e.buf.WriteByte(':')
		if err := e.value(fv); err != nil {
			return err
		}
	}
	e.buf.WriteByte('}')
	return nil
}

func (e *jsonEncoder) mapping(v reflect.Value) error {
	if v.Type().Key().Kind() != reflect.String {
		b, err := json.Marshal(v.Interface())
		e.buf.Write(b)
		return err
	}
	keys := v.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	e.buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		e.str(k.String())
		e.buf.WriteByte(':')
		if err := e.value(v.MapIndex(k)); err != nil {
			return err
		}
	}
	e.buf.WriteByte('}')
	return nil
}

// A jsonField is one exported struct field as encoding/json sees it.
type jsonField struct {
	name      string
	index     []int
	omitEmpty bool
}

// jsonFields lists the fields of t that encoding/json writes, in order.
// Embedded structs are not flattened: the report types have none.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		out = append(out, jsonField{name: name, index: sf.Index, omitEmpty: hasOpt(opts, "omitempty")})
	}
	return out
}

func hasOpt(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// isEmptyValue reports the values omitempty drops, as encoding/json does.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}
