package analysis

import "testing"

// TestTrainLossResumed: testdata/runs/resumed was resumed from step 200,
// so its train_loss (0.324) is biased low by the Trainer's loss sum
// restarting at 0. The relation to the final level is that of the
// logged losses' own mean (1.36, pulled up by the early losses), never
// "rose late" from the biased value.
func TestTrainLossResumed(t *testing.T) {
	r := analyzePath(t, "../testdata/runs/resumed")
	tl := r.TrainLoss
	if tl.Reported == nil || round(*tl.Reported, 3) != 0.324 || tl.RecomputedMean == nil || round(tl.RecomputedMean.Value, 3) != 1.36 {
		t.Fatalf("train_loss %+v, recomputed %+v", tl.Reported, tl.RecomputedMean)
	}
	if !tl.Resumed {
		t.Error("the resume is not seen")
	}
	if tl.Relation != TLPulledUp || tl.FinalLevel == nil || round(tl.FinalLevel.Value, 4) != 0.6102 {
		t.Errorf("relation %s, final level %+v, want %s from the logged losses' mean", tl.Relation, tl.FinalLevel, TLPulledUp)
	}
}
