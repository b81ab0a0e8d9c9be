package score

import "fmt"

// technique is how much one ATT&CK technique weighs, with the names shown in
// the factor detail.
type technique struct {
	weight int
	name   string
	tactic string
}

// unlistedTechnique is the weight of a technique missing from the table: an
// ATT&CK mapping still says the detection names adversary behaviour.
const unlistedTechnique = 20

// techniqueWeights rates techniques by what an adversary using them is close
// to: stealing credentials, moving between hosts, taking data or destroying
// it rate highest; discovery lowest. A sub-technique (T1003.001) is looked up
// as itself first, then as its parent (T1003).
var techniqueWeights = map[string]technique{
	"T1003": {100, "OS credential dumping", "credential access"},
	"T1558": {90, "Kerberos ticket theft or forgery", "credential access"},
	"T1555": {85, "credentials from password stores", "credential access"},
	"T1552": {75, "unsecured credentials", "credential access"},
	"T1110": {60, "brute force", "credential access"},
	"T1486": {100, "data encrypted for impact", "impact"},
	"T1485": {100, "data destruction", "impact"},
	"T1490": {95, "inhibit system recovery", "impact"},
	"T1489": {70, "service stop", "impact"},
	"T1048": {80, "exfiltration over alternative protocol", "exfiltration"},
	"T1041": {80, "exfiltration over C2 channel", "exfiltration"},
	"T1567": {75, "exfiltration over web service", "exfiltration"},
	"T1021": {80, "remote services", "lateral movement"},
	"T1550": {85, "alternate authentication material", "lateral movement"},
	"T1570": {75, "lateral tool transfer", "lateral movement"},
	"T1562": {75, "impair defenses", "defense evasion"},
	"T1070": {60, "indicator removal", "defense evasion"},
	"T1098": {70, "account manipulation", "persistence"},
	"T1136": {60, "create account", "persistence"},
	"T1053": {45, "scheduled task/job", "persistence"},
	"T1547": {45, "boot or logon autostart", "persistence"},
	"T1078": {65, "valid accounts", "initial access"},
	"T1190": {70, "exploit public-facing application", "initial access"},
	"T1566": {50, "phishing", "initial access"},
	"T1189": {40, "drive-by compromise", "initial access"},
	"T1204": {40, "user execution", "execution"},
	"T1059": {40, "command and scripting interpreter", "execution"},
	"T1071": {55, "application layer protocol", "command and control"},
	"T1105": {45, "ingress tool transfer", "command and control"},
	"T1046": {25, "network service discovery", "discovery"},
	"T1087": {25, "account discovery", "discovery"},
	"T1018": {25, "remote system discovery", "discovery"},
}

// lookupTechnique returns the weight of an ATT&CK id and how to describe it.
func lookupTechnique(id string) (int, string) {
	t, ok := techniqueWeights[id]
	if !ok && len(id) > 5 {
		t, ok = techniqueWeights[id[:5]]
	}
	if !ok {
		return unlistedTechnique, fmt.Sprintf("%s: unlisted technique, weight %d", id, unlistedTechnique)
	}
	return t.weight, fmt.Sprintf("%s: %s (%s), weight %d", id, t.name, t.tactic, t.weight)
}
