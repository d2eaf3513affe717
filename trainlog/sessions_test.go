package trainlog_test

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// TestSessions groups the real runs of testdata/runs into training
// sessions: lightning_csv's CSVLogger and TensorBoardLogger folders are
// one session named by their folder, every other run folder its own.
func TestSessions(t *testing.T) {
	d, err := trainlog.Discover(filepath.Join("..", "testdata", "runs"), trainlog.DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ss := trainlog.Sessions(d.Runs, trainlog.LoadOptions{})
	var labels []string
	for _, s := range ss {
		labels = append(labels, s.Label)
		if s.Label == "lightning_csv" {
			var views []string
			for _, r := range s.Runs {
				views = append(views, r.Label())
			}
			if got := strings.Join(views, " "); got != "lightning_csv/lightning_logs/version_0 lightning_csv/tb_logs/version_0" {
				t.Errorf("lightning_csv's views: %s", got)
			}
		}
	}
	sort.Strings(labels)
	want := "cut_pair/cut55 cut_pair/full cut_pair_improving/cut55 cut_pair_improving/full lightning_csv multi_epoch_memorise multi_epoch_perstep overfit_eval resumed stalled stalled_frozen sweep/output/run-a sweep/output/run-b sweep/output/run-c sweep/output/run-d sweep/output/run-e"
	if got := strings.Join(labels, " "); got != want {
		t.Errorf("%d runs found (%d sessions):\n%s\nwant\n%s", len(d.Runs), len(ss), got, want)
	}
}
