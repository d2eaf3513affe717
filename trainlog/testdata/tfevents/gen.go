//go:build ignore

// Gen writes the event files in this folder. Run it from here with
// "go run gen.go". The files are small, deterministic and synthetic; each
// shows one thing the TensorBoard reader must handle.
//
//	lightning/  Lightning TensorBoardLogger tags (train_loss_step,
//	            train_loss_epoch, val_loss, lr-AdamW, epoch), simple_value,
//	            and an hparams summary that is skipped.
//	killed/     HF TensorBoardCallback tags with new-style float_val
//	            tensors; the data CRC of step 7's train/loss is damaged and
//	            the file ends inside the record of step 20's train/loss.
//	resumed/    HF tags with TF2-style 8-byte tensor_content doubles; steps
//	            1..30, a SessionLog START at step 20, then steps 20..40 with
//	            different values, as a resumed run appends.
//	split/      one writer per split, as TF/Keras and JAX trainers write:
//	            train/ holds "loss" every 10 steps to 300, eval/ holds
//	            "loss" every 50 steps (the eval loss, lowest at step 150).
package main

import (
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/plateau-dev/plateau/trainlog/internal/tfrecord"
)

const wall0 = 1700000000.0

func main() {
	write("lightning/events.out.tfevents.1700000000.host.4242.0", lightning())
	write("killed/events.out.tfevents.1700000000.host.4243.0", killed())
	write("resumed/events.out.tfevents.1700000000.host.4244.0", resumed())
	train, eval := split()
	write("split/train/events.out.tfevents.1700000000.host.4245.0", train)
	write("split/eval/events.out.tfevents.1700000000.host.4245.1", eval)
}

func split() (train, eval []byte) {
	train = tfrecord.AppendRecord(nil, tfrecord.FileVersionEvent(wall0, "brain.Event:2"))
	eval = tfrecord.AppendRecord(nil, tfrecord.FileVersionEvent(wall0, "brain.Event:2"))
	for step := int64(10); step <= 300; step += 10 {
		train = scalar(train, step, "loss", float32(2.5*math.Exp(-float64(step)/60)+0.3))
		if step%50 == 0 {
			d := float64(step-150) / 100
			eval = scalar(eval, step, "loss", float32(0.9+0.4*d*d))
		}
	}
	return train, eval
}

func write(name string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		log.Fatal(err)
	}
}

func lightning() []byte {
	b := tfrecord.AppendRecord(nil, tfrecord.FileVersionEvent(wall0, "brain.Event:2"))
	b = tfrecord.AppendRecord(b, tfrecord.SummaryEvent(wall0, 0,
		tfrecord.TensorValue("_hparams_/experiment", "hparams", nil)))
	step := int64(0)
	for epoch := 0; epoch < 3; epoch++ {
		for i := 0; i < 5; i++ {
			step += 10
			loss := float32(2.5 * math.Exp(-float64(step)/60))
			b = scalar(b, step, "lr-AdamW", float32(1e-3*(1-float64(step)/150)))
			b = scalar(b, step, "train_loss_step", loss)
			b = scalar(b, step, "epoch", float32(epoch))
		}
		b = scalar(b, step, "val_loss", float32(2.4*math.Exp(-float64(step)/80)))
		b = scalar(b, step, "epoch", float32(epoch))
		b = scalar(b, step, "train_loss_epoch", float32(2.45*math.Exp(-float64(step)/70)))
		b = scalar(b, step, "epoch", float32(epoch))
	}
	return b
}

func scalar(b []byte, step int64, tag string, v float32) []byte {
	return tfrecord.AppendRecord(b, tfrecord.SummaryEvent(wall0+float64(step), step, tfrecord.SimpleValue(tag, v)))
}

func killed() []byte {
	b := tfrecord.AppendRecord(nil, tfrecord.FileVersionEvent(wall0, "brain.Event:2"))
	b = tfrecord.AppendRecord(b, tfrecord.SummaryEvent(wall0, 0,
		tfrecord.TensorValue("args/text_summary", "text", tfrecord.StringTensor(`{"logging_steps": 1}`))))
	damaged := 0
	for step := int64(1); step <= 20; step++ {
		logs := []struct {
			tag string
			v   float32
		}{
			{"train/loss", float32(3 - 0.1*float64(step))},
			{"train/grad_norm", float32(1 + 0.01*float64(step))},
			{"train/learning_rate", float32(5e-5 * (1 - float64(step)/20))},
			{"train/epoch", float32(step) / 20},
		}
		for _, l := range logs {
			if step == 7 && l.tag == "train/loss" {
				damaged = len(b) + tfrecord.HeaderSize + 5
			}
			ev := tfrecord.SummaryEvent(wall0+float64(step), step,
				tfrecord.TensorValue(l.tag, "scalars", tfrecord.FloatTensor(l.v)))
			b = tfrecord.AppendRecord(b, ev)
			if step == 20 {
				// The writer was killed while writing step 20.
				return b[:len(b)-9]
			}
		}
		if step == 7 {
			b[damaged] ^= 0x20
		}
	}
	return b
}

func resumed() []byte {
	b := tfrecord.AppendRecord(nil, tfrecord.FileVersionEvent(wall0, "brain.Event:2"))
	wall := wall0
	log := func(step int64, tag string, v float64) {
		wall++
		c := make([]byte, 8)
		bits := math.Float64bits(v)
		for i := range c {
			c[i] = byte(bits >> (8 * i))
		}
		b = tfrecord.AppendRecord(b, tfrecord.SummaryEvent(wall, step,
			tfrecord.TensorValue(tag, "scalars", tfrecord.ContentTensor(tfrecord.DTDouble, c))))
	}
	for step := int64(1); step <= 30; step++ {
		log(step, "train/loss", 2-0.02*float64(step))
		log(step, "train/epoch", float64(step)/40)
	}
	b = tfrecord.AppendRecord(b, tfrecord.SessionLogEvent(wall+1, 20, tfrecord.SessionStart))
	for step := int64(20); step <= 40; step++ {
		log(step, "train/loss", 1.5-0.01*float64(step))
		log(step, "train/epoch", float64(step)/40)
		if step%10 == 0 {
			log(step, "eval/loss", 1.6-0.01*float64(step))
			log(step, "train/epoch", float64(step)/40)
		}
	}
	return b
}
