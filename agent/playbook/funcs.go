package playbook

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/netaddr"
)

// The step statuses the engine records.
const (
	statusExecuted = "executed"
	statusHeld     = "held"
	statusDenied   = "denied"
	statusFailed   = "failed"
	statusManual   = "manual"
	statusSkipped  = "skipped"
)

// entities returns the distinct values of one kind, optionally of one role, in
// order of appearance.
func (ix *index) entities(kind string, role ...string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, o := range ix.ents {
		if string(o.Kind) != kind || (len(role) > 0 && !slices.Contains(role, o.Role)) {
			continue
		}
		if !seen[o.Value] {
			seen[o.Value] = true
			out = append(out, o.Value)
		}
	}
	return out
}

func (ix *index) hasSource(s string) bool { return ix.sources[strings.ToLower(s)] }

func (ix *index) hasFlag(s string) bool { return ix.flags[strings.ToLower(s)] }

// hasTool is true when the engine listed the tool, or listed none at all.
func (ix *index) hasTool(name string) bool { return len(ix.tools) == 0 || ix.tools[name] }

// hasTechnique matches a technique or any of its sub-techniques: T1110 matches
// T1110.001, but T111 matches nothing.
func (ix *index) hasTechnique(prefix string) bool {
	prefix = strings.ToUpper(strings.TrimSpace(prefix))
	for _, t := range ix.techniques {
		t = strings.ToUpper(t)
		if t == prefix || (strings.HasPrefix(t, prefix) && t[len(prefix)] == '.') {
			return true
		}
	}
	return false
}

// hasSignal matches a signal by name; a signal may carry a detail after a
// colon ("url_text_mismatch:https://x.example/").
func (ix *index) hasSignal(name string) bool {
	for _, s := range ix.signals {
		if s == name || strings.HasPrefix(s, name+":") {
			return true
		}
	}
	return false
}

// signalValues returns the details of the named signals.
func (ix *index) signalValues(name string) []string {
	out := []string{}
	for _, s := range ix.signals {
		if v, ok := strings.CutPrefix(s, name+":"); ok && v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// intel is the highest confidence any intel source gave the value. For a domain
// it also counts hits on URLs of that host, since feeds often list full URLs.
func (ix *index) intel(value string) int {
	v := strings.ToLower(strings.TrimSpace(value))
	return max(ix.intelBy[v], ix.intelHost[v])
}

func (ix *index) intelMax() int { return ix.intelTop }

// asset returns what the inventory, or an executed asset.get, knows about a
// host; nil when nothing is known.
func (ix *index) asset(host string) *assetEnv {
	a, ok := ix.assets[strings.ToLower(host)]
	if !ok && !ix.fromLookup("asset.get", "host", host, &a) {
		return nil
	}
	return &assetEnv{
		Name: a.Name, Type: a.Type, Owner: a.Owner, Criticality: a.Criticality,
		CrownJewel: a.CrownJewel, IP: a.IP,
	}
}

// user returns what the directory, or an executed user.get, knows about an
// account; nil when nothing is known.
func (ix *index) user(name string) *userEnv {
	u, ok := ix.users[strings.ToLower(name)]
	if !ok && !ix.fromLookup("user.get", "user", name, &u) {
		return nil
	}
	return &userEnv{
		Name: u.Name, Email: u.Email, Role: u.Role, Department: u.Department,
		VIP: u.VIP, BreakGlass: u.BreakGlass,
	}
}

// fromLookup decodes the output of an executed lookup whose argument arg was
// value into out.
func (ix *index) fromLookup(tool, arg, value string, out any) bool {
	for i := range ix.view.Steps {
		st := &ix.view.Steps[i]
		if st.Tool != tool || st.Status != statusExecuted {
			continue
		}
		var args map[string]any
		if json.Unmarshal(st.Args, &args) != nil || !strings.EqualFold(fmt.Sprint(args[arg]), value) {
			continue
		}
		// A lookup that found nothing says "known": false.
		var found struct {
			Known *bool `json:"known"`
		}
		if json.Unmarshal(st.Output, &found) != nil || (found.Known != nil && !*found.Known) {
			continue
		}
		if json.Unmarshal(st.Output, out) == nil {
			return true
		}
	}
	return false
}

// status is the recorded status of a step, "" before it is recorded.
func (ix *index) status(ref string) string {
	if st, ok := ix.steps[ref]; ok {
		return st.Status
	}
	return ""
}

func (ix *index) executed(ref string) bool { return ix.status(ref) == statusExecuted }

// output is the decoded JSON output of an executed step, nil otherwise.
func (ix *index) output(ref string) any {
	if st, ok := ix.steps[ref]; ok {
		return ix.decode(st)
	}
	return nil
}

// outputs collects the outputs of every executed item of a step: the ref
// equal to id or starting with id + "/".
func (ix *index) outputs(id string) []any {
	out := []any{}
	seen := map[string]bool{}
	for i := range ix.view.Steps {
		ref := ix.view.Steps[i].Ref
		if seen[ref] || (ref != id && !strings.HasPrefix(ref, id+"/")) {
			continue
		}
		seen[ref] = true
		if v := ix.output(ref); v != nil {
			out = append(out, v)
		}
	}
	return out
}

// privateIP reports an address that is not routable on the internet (see
// [netaddr.Routable]); false for anything that is not an address.
func privateIP(s string) bool {
	ip, ok := netaddr.Parse(s)
	return ok && !netaddr.Routable(ip)
}

// publicIP reports an address routable on the internet.
func publicIP(s string) bool { return netaddr.RoutableString(s) }

// domainOf returns the lowercase host of a URL, the domain of an e-mail
// address, or a bare domain itself; "" when there is none.
func domainOf(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		if at := strings.LastIndexByte(s, '@'); at >= 0 {
			return strings.ToLower(strings.TrimSuffix(s[at+1:], "."))
		}
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
}

// first returns the first element of a list as a string, "" for an empty list
// or anything that is not a list.
func first(list any) string {
	v := reflect.ValueOf(list)
	if (v.Kind() != reflect.Slice && v.Kind() != reflect.Array) || v.Len() == 0 {
		return ""
	}
	return itemString(v.Index(0).Interface())
}

// itemString renders a loop item or list element: strings as they are, other
// values as JSON.
func itemString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case fmt.Stringer:
		return t.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// The statuses that keep a step waiting for a human.
var waitingStatuses = []string{statusHeld, statusManual}

// isWaiting reports a recorded status that still needs a human.
func isWaiting(st *agent.StepView) bool { return slices.Contains(waitingStatuses, st.Status) }
