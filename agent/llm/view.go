package llm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/finding"
)

// The view the model sees mirrors [agent.CaseView], with every piece of
// outside text fenced (threats T1, T2) and capped (threat T12). Raw alert
// bytes are never sent; secrets were masked at ingest (threat T13).

type viewJSON struct {
	Case            caseJSON      `json:"case"`
	Question        string        `json:"question,omitempty"`
	Findings        []findingJSON `json:"findings"`
	FindingsOmitted int           `json:"findings_omitted,omitempty"`
	Entities        []entityJSON  `json:"entities"`
	EntitiesOmitted int           `json:"entities_omitted,omitempty"`
	Enrichment      enrichJSON    `json:"enrichment"`
	Steps           []stepJSON    `json:"steps"`
	StepsOmitted    int           `json:"earlier_steps_omitted,omitempty"`
}

type caseJSON struct {
	ID         string   `json:"id"`
	Title      string   `json:"title,omitempty"`
	State      string   `json:"state"`
	Score      int      `json:"score"`
	Severity   string   `json:"severity"`
	Confidence float64  `json:"confidence"`
	Verdict    string   `json:"verdict,omitempty"`
	Techniques []string `json:"techniques,omitempty"`
	Sources    []string `json:"sources,omitempty"`
	Flags      []string `json:"flags,omitempty"`
}

type findingJSON struct {
	Source      string       `json:"source"`
	RuleID      string       `json:"rule_id,omitempty"`
	Time        string       `json:"time"`
	Title       string       `json:"title,omitempty"`
	Description string       `json:"description,omitempty"`
	Severity    string       `json:"severity"`
	Techniques  []string     `json:"techniques,omitempty"`
	Observables []entityJSON `json:"observables,omitempty"`
	Labels      string       `json:"labels,omitempty"`
	Email       *emailJSON   `json:"email,omitempty"`
	Truncated   bool         `json:"truncated_at_ingest,omitempty"`
}

type emailJSON struct {
	Subject     string           `json:"subject,omitempty"`
	FromName    string           `json:"from_name,omitempty"`
	From        string           `json:"from"`
	ReplyTo     []string         `json:"reply_to,omitempty"`
	ReturnPath  string           `json:"return_path,omitempty"`
	To          []string         `json:"to,omitempty"`
	OriginIP    string           `json:"origin_ip,omitempty"`
	Auth        finding.Auth     `json:"auth"`
	Received    string           `json:"received,omitempty"`
	URLs        string           `json:"urls,omitempty"`
	Attachments []attachmentJSON `json:"attachments,omitempty"`
	Signals     []string         `json:"signals,omitempty"`
	Defects     []string         `json:"defects,omitempty"`
	Body        string           `json:"body,omitempty"`
}

type attachmentJSON struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	SHA256      string `json:"sha256"`
}

type entityJSON struct {
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	Role   string `json:"role,omitempty"`
	Origin string `json:"origin"`
}

type enrichJSON struct {
	Intel   []agent.IntelHit            `json:"intel,omitempty"`
	Assets  map[string]agent.AssetFacts `json:"assets,omitempty"`
	Users   map[string]agent.UserFacts  `json:"users,omitempty"`
	Related []relatedJSON               `json:"related_cases,omitempty"`
	Factors []agent.ScoreFactor         `json:"score_factors,omitempty"`
}

type relatedJSON struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Verdict    string   `json:"verdict,omitempty"`
	Shared     []string `json:"shared"`
	Similarity float64  `json:"similarity,omitempty"`
}

type stepJSON struct {
	Ref      string   `json:"ref"`
	Tool     string   `json:"tool,omitempty"`
	Args     string   `json:"args,omitempty"`
	Status   string   `json:"status"`
	Decision string   `json:"decision,omitempty"`
	Reasons  []string `json:"reasons,omitempty"`
	Output   string   `json:"output,omitempty"`
	Summary  string   `json:"summary,omitempty"`
}

// limits bound the view. They start generous and shrink until the view fits.
type limits struct {
	field    int // bytes of one text field
	findings int
	entities int
	steps    int
}

// Floors below which limits do not shrink: a view this small always fits a
// sane MaxViewBytes, and anything smaller stops being useful.
var floor = limits{field: 128, findings: 2, entities: 10, steps: 4}

// shrink halves the field cap first, then the lists; ok is false at the floor.
func (l limits) shrink() (limits, bool) {
	if l.field > floor.field {
		l.field = max(l.field/2, floor.field)
		return l, true
	}
	if l.findings == floor.findings && l.entities == floor.entities && l.steps == floor.steps {
		return l, false
	}
	l.findings = max(l.findings/2, floor.findings)
	l.entities = max(l.entities/2, floor.entities)
	l.steps = max(l.steps/2, floor.steps)
	return l, true
}

// renderView encodes the view with fences carrying token, shrinking it until
// it fits in maxView bytes or reaches the floor.
func renderView(v *agent.CaseView, token string, maxField, maxView int) ([]byte, error) {
	l := limits{field: maxField, findings: 20, entities: 100, steps: 40}
	for {
		b, err := encode(buildView(v, fencer{token: token, limit: l.field}, l))
		if err != nil || len(b) <= maxView {
			return b, err
		}
		var ok bool
		if l, ok = l.shrink(); !ok {
			return b, nil
		}
	}
}

// encode writes compact JSON without HTML escaping, so fences read as
// <untrusted:...> rather than \u003cuntrusted:...\u003e.
func encode(v viewJSON) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(buf.Bytes()), nil
}

func buildView(v *agent.CaseView, f fencer, l limits) viewJSON {
	c := v.Case
	out := viewJSON{
		Case: caseJSON{
			ID: c.ID, Title: f.text("case.title", c.Title), State: c.State, Score: c.Score,
			Severity: c.Severity, Confidence: c.Confidence, Verdict: c.Verdict,
			Techniques: c.Techniques, Sources: c.Sources, Flags: c.Flags,
		},
		// The analyst's question is the one piece of free text from inside;
		// it is capped but not fenced.
		Question:   cut(v.Question, l.field),
		Findings:   []findingJSON{},
		Entities:   []entityJSON{},
		Enrichment: buildEnrichment(v.Enrichment, f),
		Steps:      []stepJSON{},
	}

	out.FindingsOmitted = max(0, len(v.Findings)-l.findings)
	for i := range v.Findings[:len(v.Findings)-out.FindingsOmitted] {
		at := f.at(fmt.Sprintf("findings[%d]", i))
		out.Findings = append(out.Findings, buildFinding(&v.Findings[i], at))
	}
	out.EntitiesOmitted = max(0, len(v.Entities)-l.entities)
	for i, o := range v.Entities[:len(v.Entities)-out.EntitiesOmitted] {
		out.Entities = append(out.Entities, entity(o, f.at(fmt.Sprintf("entities[%d]", i))))
	}

	// The latest steps matter most; earlier ones are on record and deduplicated
	// by the engine anyway.
	first := max(0, len(v.Steps)-l.steps)
	out.StepsOmitted = first
	for i, s := range v.Steps[first:] {
		out.Steps = append(out.Steps, buildStep(s, f.at(fmt.Sprintf("steps[%d]", first+i))))
	}
	return out
}

func buildFinding(fd *finding.Finding, f fencer) findingJSON {
	out := findingJSON{
		Source: fd.Source, RuleID: cut(fd.RuleID, 128), Title: f.text("title", fd.Title),
		Time:        fd.Time.UTC().Format("2006-01-02T15:04:05Z"),
		Description: f.text("description", fd.Description), Severity: string(fd.Severity),
		Techniques: fd.Techniques, Labels: f.text("labels", labels(fd.Labels)),
		Truncated: fd.Truncated,
	}
	for i, o := range fd.Observables {
		if i >= 50 {
			break
		}
		at := f.at(fmt.Sprintf("observables[%d]", i))
		out.Observables = append(out.Observables, entity(o, at))
	}
	if fd.Email != nil {
		out.Email = buildEmail(fd.Email, f.at("email"))
	}
	return out
}

func buildEmail(e *finding.Email, f fencer) *emailJSON {
	out := &emailJSON{
		Subject: f.text("subject", e.Subject), FromName: f.text("from_name", e.From.Name),
		From: cut(e.From.Address, 320), ReplyTo: capList(e.ReplyTo, 5, 320),
		ReturnPath: cut(e.ReturnPath, 320), To: capList(e.To, 10, 320),
		OriginIP: cut(e.OriginIP, 64), Auth: e.Auth,
		URLs:    f.text("urls", strings.Join(e.URLs, "\n")),
		Signals: e.Signals, Defects: capList(e.Defects, 10, 200),
		Body: f.text("body", e.BodyText),
	}
	var hops []string
	for _, h := range e.Received {
		hops = append(hops, fmt.Sprintf("from %s by %s ip %s", h.From, h.By, h.IP))
	}
	out.Received = f.text("received", strings.Join(hops, "\n"))
	for i, a := range e.Attachments {
		if i >= 20 {
			break
		}
		out.Attachments = append(out.Attachments, attachmentJSON{
			Name:        f.text(fmt.Sprintf("attachments[%d].name", i), a.Name),
			ContentType: cut(a.ContentType, 128), Size: a.Size, SHA256: cut(a.SHA256, 64),
		})
	}
	return out
}

// identifier matches values that cannot carry a sentence: host names,
// addresses, hashes, accounts.
var identifier = regexp.MustCompile(`^[\w.:@/\\$-]{1,256}$`)

// entity passes identifiers through as they are, so the model can use them as
// arguments, and fences anything free-form (a command line, a URL, a value
// with spaces).
func entity(o finding.Observable, f fencer) entityJSON {
	v := o.Value
	switch {
	case o.Kind == finding.KindProcess || o.Kind == finding.KindURL ||
		o.Kind == finding.KindFile || !identifier.MatchString(v):
		v = f.text("value", v)
	}
	return entityJSON{Kind: string(o.Kind), Value: v, Role: cut(o.Role, 32),
		Origin: string(o.Origin)}
}

func buildEnrichment(e agent.Enrichment, f fencer) enrichJSON {
	out := enrichJSON{Assets: e.Assets, Users: e.Users}
	// A factor's detail quotes finding titles, so it is fenced like them.
	for i, sf := range e.Factors {
		sf.Detail = f.text(fmt.Sprintf("enrichment.score_factors[%d].detail", i), sf.Detail)
		out.Factors = append(out.Factors, sf)
	}
	for _, h := range e.Intel {
		h.Value, h.Threat = cut(h.Value, 256), cut(h.Threat, 200)
		h.Tags = capList(h.Tags, 10, 64)
		out.Intel = append(out.Intel, h)
	}
	for i, r := range e.Related {
		out.Related = append(out.Related, relatedJSON{
			ID: r.ID, Verdict: r.Verdict, Shared: capList(r.Shared, 10, 256),
			Similarity: r.Similarity,
			Title:      f.text(fmt.Sprintf("enrichment.related[%d].title", i), r.Title),
		})
	}
	return out
}

// buildStep fences everything a step carries from outside: the arguments
// (which a model may have copied from alert text), the tool's output and the
// error or task text. Statuses, decisions and policy reasons are the
// engine's own.
func buildStep(s agent.StepView, f fencer) stepJSON {
	return stepJSON{
		Ref: cut(s.Ref, 200), Tool: s.Tool, Status: s.Status, Decision: s.Decision,
		Reasons: capList(s.Reasons, 10, 300),
		Args:    f.text("args", compactJSON(s.Args)),
		Output:  f.text("output", compactJSON(s.Output)),
		Summary: f.text("summary", s.Summary),
	}
}

func compactJSON(raw json.RawMessage) string {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return string(raw)
	}
	return buf.String()
}

func labels(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, m[k])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// fencer wraps untrusted text in fences bearing the request's token.
type fencer struct {
	token string
	limit int
	path  string
}

// at returns a fencer whose field names start with path.
func (f fencer) at(path string) fencer {
	if f.path != "" {
		path = f.path + "." + path
	}
	f.path = path
	return f
}

// fakeFence matches anything in the data that looks like a fence, so text
// cannot open or close one; the token makes a real one unguessable anyway.
var fakeFence = regexp.MustCompile(`(?i)<(\s*/?\s*)untrusted`)

// text fences s as the named field, cut to the limit. Empty text stays empty.
func (f fencer) text(field, s string) string {
	if s == "" {
		return ""
	}
	if f.path != "" {
		field = f.path + "." + field
	}
	s = cut(fakeFence.ReplaceAllString(s, "‹${1}untrusted"), f.limit)
	return "<untrusted:" + f.token + " field=" + field + ">" + s + "</untrusted:" + f.token + ">"
}

// cut shortens s to at most n bytes on a rune boundary and says how much went.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + fmt.Sprintf(" …[cut: %d of %d bytes omitted]", len(s)-i, len(s))
}

func capList(in []string, n, each int) []string {
	var out []string
	for i, s := range in {
		if i >= n {
			out = append(out, fmt.Sprintf("…[%d more omitted]", len(in)-n))
			break
		}
		out = append(out, cut(s, each))
	}
	return out
}
