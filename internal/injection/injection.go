// Package injection spots text that tries to instruct an AI agent: prompt
// injection hidden in alerts, e-mails, log lines and tool results.
//
// Detection only raises a flag; it never decides. Untrusted text is data
// whether or not it matches, and the guard holds what the flag makes doubtful.
package injection

import (
	"regexp"
	"strings"
)

// pattern is one named family of injection phrasing.
type pattern struct {
	name string
	re   *regexp.Regexp
}

// patterns are matched against lower-cased text with runs of white space
// folded, so line breaks and padding do not hide a phrase.
var patterns = []pattern{
	{"override_instructions", regexp.MustCompile(
		`\b(ignore|disregard|forget|override)\b.{0,30}\b(previous|prior|above|earlier|all|your)\b` +
			`.{0,20}\b(instructions?|prompts?|rules?|directives?|guidelines?)\b`)},
	{"role_reassignment", regexp.MustCompile(
		`\b(you are now|act as|pretend to be|from now on,? you)\b`)},
	{"addressed_to_agent", regexp.MustCompile(
		`\b(ai|llm|assistant|agent|copilot|chatgpt|soc bot)\b\s*[:,]\s*\S`)},
	{"system_prompt", regexp.MustCompile(
		`(\bsystem prompt\b|<\|?(system|im_start)\|?>|\[/?inst\]|###\s*(system|instruction))`)},
	{"verdict_tampering", regexp.MustCompile(
		`\b(mark|classify|treat|flag|report)\b.{0,30}\b(as )?(safe|benign|clean|legitimate|` +
			`false positive)\b`)},
	{"containment_command", regexp.MustCompile(
		`\b(disable|turn off|remove|delete)\b.{0,20}\b(firewall|edr|antivirus|defender|` +
			`logging|audit|rule)\b|\bisolate (all|every)\b|\bblock (all|everything)\b`)},
	{"exfiltration_request", regexp.MustCompile(
		`\b(send|post|upload|forward|reveal|print)\b.{0,40}\b(api key|token|password|secret|` +
			`credentials|case data|system prompt)\b`)},
}

var space = regexp.MustCompile(`\s+`)

// Detect returns the names of the injection families found in text, each once,
// in the order of the pattern list. Empty text returns nil.
func Detect(text string) []string {
	if text == "" {
		return nil
	}
	norm := space.ReplaceAllString(strings.ToLower(text), " ")
	var hits []string
	for _, p := range patterns {
		if p.re.MatchString(norm) {
			hits = append(hits, p.name)
		}
	}
	return hits
}

// Suspicious reports whether text matches any family that on its own signals
// an injection attempt. Verdict tampering and containment phrasing also occur
// in honest alert text ("rule disabled", "marked safe"), so they count only
// together with another family.
func Suspicious(text string) bool {
	hits := Detect(text)
	strong := 0
	for _, h := range hits {
		switch h {
		case "verdict_tampering", "containment_command":
		default:
			strong++
		}
	}
	return strong > 0 || len(hits) >= 2
}
