package analysis

import "github.com/plateau-dev/plateau/trainlog"

// header builds the report header. (stub: owned by the report-content work)
func header(run *trainlog.Run) RunInfo { return RunInfo{Name: run.Name, Root: run.Root} }

// milestones returns first step, epoch boundaries and last step. (stub)
func milestones(run *trainlog.Run) []Milestone { return nil }

// trainLoss compares the reported train_loss with the curve. (stub)
func trainLoss(run *trainlog.Run, opts Options) TrainLoss { return TrainLoss{} }

// accuracy summarises token accuracy. (stub)
func accuracy(run *trainlog.Run) *Accuracy { return nil }

// throughput computes speed and cost. (stub)
func throughput(run *trainlog.Run, opts Options) Throughput { return Throughput{} }

// checkpoints lists the checkpoints on disk with their losses. (stub)
func checkpoints(run *trainlog.Run, r *Report) []CheckpointRow { return nil }

// pitfalls detects the seed article's pitfalls. (stub)
func pitfalls(run *trainlog.Run, r *Report, opts Options) []Finding { return nil }

// summary writes the closing bullets. (stub)
func summary(r *Report) []string { return nil }
