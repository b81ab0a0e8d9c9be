package lab

// Org is a lab definition as written in a lab YAML file.
type Org struct {
	Org       OrgInfo   `yaml:"org"`
	Hosts     []Asset   `yaml:"hosts"`
	Users     []User    `yaml:"users"`
	Messages  []Message `yaml:"messages"`
	AllowList AllowList `yaml:"allow_list"`
	// KnownBenign lists activity the organisation knows to be legitimate:
	// the false positives its analysts have already explained.
	KnownBenign []Expected `yaml:"known_benign"`
}

// Expected is one known-benign activity. A finding matches when it names one
// of the hosts or users (at least one list is set), every technique it
// carries falls under one of Techniques (when set), and it happened within
// HoursUTC (when set). Only structured fields match: a title or description
// an attacker writes can never make an alert look expected.
type Expected struct {
	Name  string   `yaml:"name" json:"name"`
	Hosts []string `yaml:"hosts" json:"hosts,omitempty"`
	Users []string `yaml:"users" json:"users,omitempty"`
	// Techniques are ATT&CK ids; T1021 covers T1021.004.
	Techniques []string `yaml:"techniques" json:"techniques,omitempty"`
	// HoursUTC is a daily window such as "00:30-03:30"; it may wrap midnight.
	HoursUTC string `yaml:"hours_utc" json:"hours_utc,omitempty"`
	Reason   string `yaml:"reason" json:"reason"`
}

// OrgInfo names the organisation and what counts as inside it.
type OrgInfo struct {
	Name string `yaml:"name"`
	// Domains are the organisation's DNS and mail domains; their subdomains
	// are internal too.
	Domains []string `yaml:"domains"`
	// InternalRanges are CIDR prefixes of internal addresses, on top of
	// RFC 1918 and loopback.
	InternalRanges []string `yaml:"internal_ranges"`
}

// Asset is a host in the inventory, with its current lab state.
type Asset struct {
	Name string `yaml:"name" json:"name"`
	IP   string `yaml:"ip" json:"ip"`
	// Type is workstation, laptop, server, database, domain_controller,
	// jump_host or firewall.
	Type  string `yaml:"type" json:"type"`
	Owner string `yaml:"owner" json:"owner,omitempty"`
	// Criticality is low, medium, high or critical.
	Criticality string `yaml:"criticality" json:"criticality"`
	OS          string `yaml:"os" json:"os,omitempty"`
	// Notes is free text an analyst would want to know (expected behaviour).
	Notes      string `yaml:"notes" json:"notes,omitempty"`
	CrownJewel bool   `yaml:"crown_jewel" json:"crown_jewel"`
	// Isolated is state, not definition: the host is cut off by edr.isolate_host.
	Isolated bool `yaml:"-" json:"isolated"`
}

// User is an account in the directory, with its current lab state.
type User struct {
	// Name is the account (sAMAccountName) name, e.g. maria.lopez.
	Name    string `yaml:"name" json:"name"`
	Email   string `yaml:"email" json:"email"`
	Display string `yaml:"display" json:"display,omitempty"`
	// Role is employee, executive, admin or service.
	Role       string `yaml:"role" json:"role"`
	Department string `yaml:"department" json:"department,omitempty"`
	Notes      string `yaml:"notes" json:"notes,omitempty"`
	VIP        bool   `yaml:"vip" json:"vip"`
	// BreakGlass marks an emergency account that must stay usable.
	BreakGlass bool `yaml:"break_glass" json:"break_glass"`
	// Disabled is state, not definition: set by iam.disable_account.
	Disabled bool `yaml:"-" json:"disabled"`
}

// Message is an e-mail delivered to one or more mailboxes. Each delivered
// copy has the id "<id>:<user>".
type Message struct {
	ID      string `yaml:"id" json:"id"`
	From    string `yaml:"from" json:"from"`
	Subject string `yaml:"subject" json:"subject"`
	// Received is an RFC 3339 time.
	Received    string   `yaml:"received" json:"received,omitempty"`
	To          []string `yaml:"to" json:"to"`
	URLs        []string `yaml:"urls" json:"urls,omitempty"`
	Attachments []string `yaml:"attachments" json:"attachments,omitempty"`
}

// AllowList holds known-good entities that actions should not target.
type AllowList struct {
	// Domains match themselves and their subdomains.
	Domains []string `yaml:"domains"`
	// IPs are addresses or CIDR prefixes.
	IPs []string `yaml:"ips"`
	// Emails match exactly, ignoring case.
	Emails []string `yaml:"emails"`
	// Hashes are known-good files (MD5, SHA-1 or SHA-256, hex), such as the
	// EICAR test file; they match ignoring case.
	Hashes []string `yaml:"hashes"`
}

// The values the loader accepts for enumerated fields.
var (
	assetTypes = []string{"workstation", "laptop", "server", "database",
		"domain_controller", "jump_host", "firewall"}
	criticalities = []string{"low", "medium", "high", "critical"}
	roles         = []string{"employee", "executive", "admin", "service"}
)
