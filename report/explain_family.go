package report

import (
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

// familyText says the run's trainer family and what showed it: "pretrain
// (from the training stage pt, running_log.txt:12)", or "sft (assumed: no
// evidence of another family)".
func familyText(ri analysis.RunInfo) string {
	f := prose(string(ri.Family))
	if f == "" {
		return ""
	}
	if ri.FamilyAssumed || len(ri.FamilyEvidence) == 0 {
		return f + " (assumed: no evidence of another family)"
	}
	e := ri.FamilyEvidence[0]
	s := f + " (from " + familyEvidenceText(e)
	if e.Strength == analysis.FamilyWeak {
		s += "; a weak hint: nothing stronger was found"
	}
	var against []string
	for _, x := range ri.FamilyEvidence[1:] {
		if x.Family != ri.Family {
			against = append(against, prose(string(x.Family))+" by "+familyEvidenceText(x))
		}
	}
	if len(against) > 0 {
		s += "; outweighed: " + strings.Join(against, "; ")
	}
	return s + ")"
}

// familyEvidenceText says one piece of family evidence with its source.
func familyEvidenceText(e analysis.FamilyEvidence) string {
	where := ""
	if e.Source != "" {
		where = ", " + code(e.Source)
	}
	switch e.Kind {
	case analysis.FamilyByTrainerClass:
		return "the trainer class " + code(e.Read) + where
	case analysis.FamilyByStage:
		return "the training stage " + code(e.Read) + where
	case analysis.FamilyByModelClass:
		return "the model's classification head " + code(e.Read) + where
	case analysis.FamilyByMetricKeys:
		if e.Family == analysis.FamilyPretrain {
			return "the logged " + code(e.Read) + where + ", which language modelling on raw text logs"
		}
		return "the logged key " + code(e.Read) + where
	case analysis.FamilyByTaskMetrics:
		return "the evaluation metric " + code(e.Read) + where
	case analysis.FamilyByLossLevel:
		v := 0.0
		if e.Value != nil {
			v = *e.Value
		}
		if e.Family == analysis.FamilyPretrain {
			return "a first " + code(e.Read) + " of " + num(v) + where + ", an untrained model's over a full vocabulary, falling to a level of natural text"
		}
		return "a first " + code(e.Read) + " of " + num(v) + where + ", near ln 2, a pairwise loss's"
	case analysis.FamilyByDataPrep:
		return "texts grouped into blocks (" + code(e.Read) + ")" + where
	case analysis.FamilyByName:
		in := e.Path
		if in == "" {
			in = e.Source
		}
		return "the name " + code(e.Read) + " in " + code(in)
	}
	return code(e.Read) + where
}
