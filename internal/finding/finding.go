// Package finding defines the one normalized alert model that every ingest format
// produces and every later stage (correlation, enrichment, planning, policy) reads.
//
// A [Finding] keeps the original bytes untouched in [Finding.Raw]; everything else is
// derived from them. Free text in a finding (titles, descriptions, e-mail bodies) is
// data from outside and is never treated as instructions.
package finding

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"
)

// Kind names what an [Observable] is.
type Kind string

// The observable kinds a finding can carry.
const (
	KindIP      Kind = "ip"
	KindDomain  Kind = "domain"
	KindURL     Kind = "url"
	KindHash    Kind = "hash"
	KindEmail   Kind = "email"
	KindUser    Kind = "user"
	KindHost    Kind = "host"
	KindProcess Kind = "process"
	KindFile    Kind = "file"
)

// Origin says where in the input an observable was found. It feeds argument
// provenance: values seen only in free text are less trustworthy than values read
// from a structured field.
type Origin string

// The origins of an observable.
const (
	// OriginField is a structured field of the alert (src_ip, host.name, a header).
	OriginField Origin = "field"
	// OriginText is free text: a description, an e-mail body, a log message.
	OriginText Origin = "text"
)

// Observable is one entity a finding mentions.
type Observable struct {
	Kind  Kind   `json:"kind"`
	Value string `json:"value"`
	// Role qualifies the entity within the finding: "src", "dst", "sender",
	// "reply_to", "return_path", "recipient", "origin_ip", "link", "attachment",
	// "target", "actor". Empty when unknown.
	Role   string `json:"role,omitempty"`
	Origin Origin `json:"origin"`
}

// Key returns "kind:value", the form used for correlation and indexes.
func (o Observable) Key() string { return string(o.Kind) + ":" + o.Value }

// Severity is the normalized severity band of a finding.
type Severity string

// The severity bands, lowest first.
const (
	SeverityInfo     Severity = "info"
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Rank orders severities: info 0 … critical 4. An unknown band ranks 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	case SeverityCritical:
		return 4
	}
	return 0
}

// Finding is one normalized alert, reported e-mail or analyst question.
type Finding struct {
	// ID is assigned by the store; empty before it is stored.
	ID string `json:"id,omitempty"`
	// Source is the producing product or format: "suricata", "guardduty",
	// "elastic", "ocsf", "wazuh", "generic", "email", "question".
	Source string `json:"source"`
	// RuleID is the detection's own id (signature id, rule uuid, finding type).
	RuleID string `json:"rule_id,omitempty"`
	// Time is when the event happened, in UTC. TimeRaw keeps the original string.
	Time    time.Time `json:"time"`
	TimeRaw string    `json:"time_raw,omitempty"`
	Title   string    `json:"title"`
	// Description is free text from the source; untrusted.
	Description string   `json:"description,omitempty"`
	Severity    Severity `json:"severity"`
	// SeverityScore is the source severity mapped onto 0-100.
	SeverityScore int `json:"severity_score"`
	// Techniques are ATT&CK ids such as "T1110" or "T1003.001", sorted, unique.
	Techniques  []string     `json:"techniques,omitempty"`
	Observables []Observable `json:"observables,omitempty"`
	// Email holds the analysis of a reported e-mail; nil for other sources.
	Email *Email `json:"email,omitempty"`
	// Labels are extra source fields worth showing (category, action, account).
	Labels map[string]string `json:"labels,omitempty"`
	// Truncated is set when the input was cut at a size cap.
	Truncated bool `json:"truncated,omitempty"`
	// Raw is the original record, byte for byte.
	Raw []byte `json:"-"`
}

// Fingerprint identifies exact duplicates: the same source and the same raw bytes.
func (f *Finding) Fingerprint() string {
	h := sha256.New()
	h.Write([]byte(f.Source))
	h.Write([]byte{0})
	h.Write(f.Raw)
	return hex.EncodeToString(h.Sum(nil))
}

// Add appends an observable unless the same kind, value and role is already there.
// Values are trimmed; empty values are ignored.
func (f *Finding) Add(kind Kind, value, role string, origin Origin) {
	value = strings.TrimSpace(value)
	if value == "" || value == "-" {
		return
	}
	for _, o := range f.Observables {
		if o.Kind == kind && o.Value == value && o.Role == role {
			return
		}
	}
	f.Observables = append(f.Observables, Observable{
		Kind: kind, Value: value, Role: role, Origin: origin,
	})
}

// AddTechnique records an ATT&CK technique id, keeping the list sorted and unique.
// Ids are upper-cased; anything not shaped like Tnnnn or Tnnnn.nnn is ignored.
func (f *Finding) AddTechnique(id string) {
	id = strings.ToUpper(strings.TrimSpace(id))
	if !IsTechnique(id) {
		return
	}
	i := sort.SearchStrings(f.Techniques, id)
	if i < len(f.Techniques) && f.Techniques[i] == id {
		return
	}
	f.Techniques = append(f.Techniques, "")
	copy(f.Techniques[i+1:], f.Techniques[i:])
	f.Techniques[i] = id
}

// IsTechnique reports whether id looks like an ATT&CK technique id.
func IsTechnique(id string) bool {
	if len(id) != 5 && len(id) != 9 {
		return false
	}
	if id[0] != 'T' || !digits(id[1:5]) {
		return false
	}
	return len(id) == 5 || (id[5] == '.' && digits(id[6:]))
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// UntrustedTexts returns the free text of f that its source wrote, and so
// perhaps an attacker: the title, the description and, for an e-mail, its
// subject, its body and the subject of the report that carried it. Such text
// is data, never instructions (threat T1).
func (f *Finding) UntrustedTexts() []string {
	texts := []string{f.Title, f.Description}
	if f.Email != nil {
		texts = append(texts, f.Email.Subject, f.Email.BodyText, f.Email.ReportSubject)
	}
	return texts
}

// Values returns the distinct values of the given kind, in order of appearance.
func (f *Finding) Values(kind Kind) []string {
	var out []string
	seen := map[string]bool{}
	for _, o := range f.Observables {
		if o.Kind == kind && !seen[o.Value] {
			seen[o.Value] = true
			out = append(out, o.Value)
		}
	}
	return out
}

// Email is what the e-mail parser learned from a reported message.
type Email struct {
	MessageID  string   `json:"message_id,omitempty"`
	Subject    string   `json:"subject"`
	From       Address  `json:"from"`
	ReplyTo    []string `json:"reply_to,omitempty"`
	ReturnPath string   `json:"return_path,omitempty"`
	To         []string `json:"to,omitempty"`
	Date       string   `json:"date,omitempty"`
	// Received lists the hops, top (newest) first.
	Received []Hop `json:"received,omitempty"`
	// OriginIP is the first external sending IP, when known.
	OriginIP string `json:"origin_ip,omitempty"`
	Auth     Auth   `json:"auth"`
	// URLs are the distinct links found in text and HTML parts, refanged.
	URLs        []string     `json:"urls,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	// Signals are named phishing indicators, e.g. "reply_to_mismatch",
	// "return_path_mismatch", "display_name_spoof", "spf_fail", "dmarc_fail",
	// "html_only", "url_ip_host", "homoglyph", "double_extension".
	Signals []string `json:"signals,omitempty"`
	// Defects are parse problems that were survived.
	Defects []string `json:"defects,omitempty"`
	// BodyText is the plain-text body (or the text of the HTML body), capped;
	// untrusted.
	BodyText string `json:"body_text,omitempty"`
	// ReportedBy is set when the message arrived attached to a report: the
	// colleague who sent the report. Every other field describes the attached
	// original, with the report's own links and attachments added.
	ReportedBy *Address `json:"reported_by,omitempty"`
	// ReportSubject is the subject of that report; untrusted.
	ReportSubject string `json:"report_subject,omitempty"`
}

// Address is a parsed mailbox.
type Address struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

// Hop is one Received header.
type Hop struct {
	From string `json:"from,omitempty"`
	By   string `json:"by,omitempty"`
	IP   string `json:"ip,omitempty"`
	Raw  string `json:"raw"`
}

// Auth holds authentication results: "pass", "fail", "softfail", "neutral",
// "none", "temperror", "permerror", or empty when absent.
type Auth struct {
	SPF   string `json:"spf,omitempty"`
	DKIM  string `json:"dkim,omitempty"`
	DMARC string `json:"dmarc,omitempty"`
	// HeaderFrom and MailFrom are the domains the results were computed for.
	HeaderFrom string `json:"header_from,omitempty"`
	MailFrom   string `json:"mail_from,omitempty"`
}

// Attachment describes one attached file; its content is never opened.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	SHA256      string `json:"sha256"`
}
