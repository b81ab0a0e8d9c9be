package answer

import (
	"strings"
	"unicode"
)

// intent is one kind of question: the words that signal it and how it is
// answered. Words match whole words of the question; a word ending in "*"
// matches any word it starts; a word with a space matches as a phrase.
type intent struct {
	name   string
	words  []string
	answer func(w *writer, q []string)
}

// intents are tried in order and the first whose words appear wins, so the
// specific come before the general: "why is the isolation waiting for
// approval" is about the approval, "which hosts were isolated" about the
// isolation, not the hosts.
var intents = []intent{
	{"injection", []string{"injection*", "injected", "prompt*", "instruct*", "jailbreak*",
		"manipulat*"}, injectionAnswer},
	{"approvals", []string{"approv*", "waiting", "waits", "wait", "pending", "held", "hold",
		"sign-off", "sign off"}, approvalsAnswer},
	{"failures", []string{"fail*", "error*", "manual*", "task*", "by hand", "broke*",
		"down", "outage", "timeout*", "retry", "retried", "retries"}, failuresAnswer},
	{"denied", []string{"denied", "deny", "refused", "refuse*", "not allowed", "prevented",
		"forbidden", "policy", "policies", "guard*"}, deniedAnswer},
	{"actions", actionWords, actionsAnswer},
	{"auth", []string{"spf", "dkim", "dmarc", "authentication", "authenticated",
		"authenticate"}, authAnswer},
	{"sender", []string{"sender", "senders", "who sent", "sent by", "sent it", "reply-to",
		"reply to", "return-path", "return path", "from whom", "originat*"}, senderAnswer},
	{"attachments", []string{"attachment*", "attached", "hash*", "sha256", "sha-256", "md5",
		"file", "files"}, attachmentsAnswer},
	{"techniques", []string{"att&ck", "attack technique*", "technique*", "mitre", "tactic*",
		"ttp*"}, techniquesAnswer},
	{"score", []string{"score*", "severity", "factor*", "priority", "how bad", "how serious",
		"confidence", "rated", "rating"}, scoreAnswer},
	{"time", []string{"when", "start*", "began", "begin*", "first seen", "timeline",
		"what time", "last seen", "how long"}, timeAnswer},
	{"intel", []string{"intel*", "threat intelligence", "ioc", "iocs", "reputation",
		"known bad", "indicator*"}, intelAnswer},
	{"tickets", []string{"ticket*", "notif*", "told", "informed", "escalat*"}, ticketsAnswer},
	{"entities", entityWords, entitiesAnswer},
	{"verdict", []string{"verdict", "why", "conclusion", "conclude*", "malicious", "benign",
		"suspicious", "inconclusive", "phishing", "phish", "false positive", "real",
		"legit*", "what happened", "summary", "summar*", "is this", "is it", "safe",
		"dangerous", "attack", "compromised"}, verdictAnswer},
}

// actionWords signal a question about what the case changed.
var actionWords = []string{
	"block*", "isolat*", "disabl*", "quarantin*", "reset*", "contained", "containment",
	"actions", "action", "taken", "what was done", "what did", "respond*", "response",
	"mitigat*", "remediat*",
}

// entityWords signal a question about who and what is involved.
var entityWords = []string{
	"host", "hosts", "machine*", "computer*", "device*", "endpoint*", "workstation*",
	"server*", "laptop*", "user", "users", "account*", "who", "person", "people", "ip", "ips",
	"address*", "domain*", "url", "urls", "link*", "mailbox*", "recipient*", "entit*",
	"involved", "affected", "targeted", "target*", "victim*",
}

// match finds the intent of a question.
func match(question string) (intent, bool) {
	ws := words(question)
	norm := " " + strings.Join(ws, " ") + " "
	for _, in := range intents {
		if hasAny(ws, norm, in.words) {
			return in, true
		}
	}
	return intent{}, false
}

// words lower-cases a question and splits it into words, keeping the
// characters that belong to security terms (att&ck, reply-to, sha-256).
func words(q string) []string {
	return strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '&' && r != '-'
	})
}

func hasAny(ws []string, norm string, keys []string) bool {
	for _, k := range keys {
		if hasWord(ws, norm, k) {
			return true
		}
	}
	return false
}

func hasWord(ws []string, norm, key string) bool {
	if strings.Contains(key, " ") {
		stem, prefix := strings.CutSuffix(key, "*")
		return strings.Contains(norm, " "+key+" ") ||
			(prefix && strings.Contains(norm, " "+stem))
	}
	prefix := strings.HasSuffix(key, "*")
	key = strings.TrimSuffix(key, "*")
	for _, w := range ws {
		if w == key || (prefix && strings.HasPrefix(w, key)) {
			return true
		}
	}
	return false
}
