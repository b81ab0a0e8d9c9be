package evals

import (
	"fmt"
	"sort"
	"strings"
)

// checkTechniques compares the expected ATT&CK ids with those on the
// scenario's cases. An expected parent (T1003) is found by itself or any of
// its sub-techniques; a case technique is a false positive when neither it
// nor its parent is expected.
func checkTechniques(e Expect, out *outcome, res *ScenarioResult) {
	got := map[string]bool{}
	for _, id := range out.caseIDs {
		for _, t := range out.reports[id].Case.Techniques {
			got[strings.ToUpper(t)] = true
		}
	}
	want := map[string]bool{}
	for _, t := range e.Techniques {
		want[strings.ToUpper(t)] = true
	}

	tp, fn, fp := techniqueCounts(want, got)
	res.Counts.TechTP, res.Counts.TechFN, res.Counts.TechFP = tp, len(fn), len(fp)
	if len(want) > 0 {
		res.add("techniques", len(fn) == 0, fmt.Sprintf("missing %v; cases carry %v",
			fn, sortedSet(got)))
	}
	if len(fp) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("techniques not expected: %v", fp))
	}
}

func techniqueCounts(want, got map[string]bool) (tp int, fn, fp []string) {
	for w := range want {
		if techniqueFound(w, got) {
			tp++
		} else {
			fn = append(fn, w)
		}
	}
	for g := range got {
		if !techniqueExpected(g, want) {
			fp = append(fp, g)
		}
	}
	sort.Strings(fn)
	sort.Strings(fp)
	return tp, fn, fp
}

// techniqueExpected reports whether a case technique is right: expected
// itself, a sub-technique of an expected one, or the parent of one (parsers
// record both T1566 and T1566.002).
func techniqueExpected(got string, want map[string]bool) bool {
	parent, _, _ := strings.Cut(got, ".")
	if want[got] || want[parent] {
		return true
	}
	for w := range want {
		if strings.HasPrefix(w, got+".") {
			return true
		}
	}
	return false
}

func techniqueFound(want string, got map[string]bool) bool {
	if got[want] {
		return true
	}
	if strings.Contains(want, ".") {
		return false
	}
	for g := range got {
		if strings.HasPrefix(g, want+".") {
			return true
		}
	}
	return false
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func checkTasks(e Expect, out *outcome, res *ScenarioResult) {
	if len(e.Tasks) == 0 {
		return
	}
	tasks := out.tasks()
	var missing, titles []string
	for _, t := range tasks {
		titles = append(titles, t.Title)
	}
	for _, want := range e.Tasks {
		found := false
		for _, t := range titles {
			found = found || strings.Contains(strings.ToLower(t), strings.ToLower(want))
		}
		if !found {
			missing = append(missing, want)
		}
	}
	res.add("tasks", len(missing) == 0, fmt.Sprintf("no task titled like %q; tasks: %q",
		missing, titles))
}

// checkQuestions marks each answer right when it holds every wanted string
// and none of the rejected ones, ignoring case.
func checkQuestions(e Expect, out *outcome, res *ScenarioResult) {
	var wrong []string
	for i, q := range e.Questions {
		res.Counts.Questions++
		text := ""
		if i < len(out.answers) {
			text = out.answers[i].Text
		}
		if why := judge(q, text); why != "" {
			wrong = append(wrong, fmt.Sprintf("%q: %s; answer was %q", q.Ask, why,
				clipText(text, 300)))
			continue
		}
		res.Counts.QuestionsRight++
	}
	res.add("questions", len(wrong) == 0, strings.Join(wrong, "; "))
}

// judge returns why an answer is wrong, or "" when it is right.
func judge(q Question, answer string) string {
	low := strings.ToLower(answer)
	var missing, present []string
	for _, w := range q.Want {
		if !strings.Contains(low, strings.ToLower(w)) {
			missing = append(missing, w)
		}
	}
	for _, r := range q.Reject {
		if strings.Contains(low, strings.ToLower(r)) {
			present = append(present, r)
		}
	}
	switch {
	case len(missing) > 0 && len(present) > 0:
		return fmt.Sprintf("missing %q and holds %q", missing, present)
	case len(missing) > 0:
		return fmt.Sprintf("missing %q", missing)
	case len(present) > 0:
		return fmt.Sprintf("holds %q", present)
	}
	return ""
}

func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
