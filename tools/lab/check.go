package lab

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	hostNamePattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,62}$`)
	userNamePattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	messageIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
)

// bad reports a problem with one field; Parse adds the file and line.
func bad(field, format string, args ...any) *FileError {
	return &FileError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// check reports the first invalid value in o.
func (o *Org) check() error {
	steps := []func() *FileError{o.checkInfo, o.checkHosts, o.checkUsers,
		o.checkMessages, o.checkAllowList, o.checkKnownBenign}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func (o *Org) checkInfo() *FileError {
	if strings.TrimSpace(o.Org.Name) == "" {
		return bad("org.name", "missing; name the organisation")
	}
	if len(o.Org.Domains) == 0 {
		return bad("org.domains", "missing; list at least one domain")
	}
	for i, d := range o.Org.Domains {
		if _, err := normalizeDomain(d); err != nil {
			return bad(fmt.Sprintf("org.domains[%d]", i), "%v", err)
		}
	}
	for i, r := range o.Org.InternalRanges {
		if _, err := parseNetwork(r); err != nil {
			return bad(fmt.Sprintf("org.internal_ranges[%d]", i), "%v", err)
		}
	}
	return nil
}

func (o *Org) checkHosts() *FileError {
	names, ips := map[string]bool{}, map[netip.Addr]bool{}
	for i, h := range o.Hosts {
		at := func(f string) string { return fmt.Sprintf("hosts[%d].%s", i, f) }
		if !hostNamePattern.MatchString(h.Name) {
			return bad(at("name"), "%q is not a host name (letters, digits, dashes; "+
				"the short name, not the FQDN)", h.Name)
		}
		if names[strings.ToLower(h.Name)] {
			return bad(at("name"), "host %s is defined twice", h.Name)
		}
		names[strings.ToLower(h.Name)] = true

		ip, err := netip.ParseAddr(h.IP)
		if err != nil || ip.Zone() != "" {
			return bad(at("ip"), "%q is not an IP address", h.IP)
		}
		if ips[ip.Unmap()] {
			return bad(at("ip"), "address %s is used by two hosts", h.IP)
		}
		ips[ip.Unmap()] = true

		if err := oneOf(at("type"), h.Type, assetTypes); err != nil {
			return err
		}
		if err := oneOf(at("criticality"), h.Criticality, criticalities); err != nil {
			return err
		}
	}
	return nil
}

func (o *Org) checkUsers() *FileError {
	names, emails := map[string]bool{}, map[string]bool{}
	for i, u := range o.Users {
		at := func(f string) string { return fmt.Sprintf("users[%d].%s", i, f) }
		if !userNamePattern.MatchString(u.Name) {
			return bad(at("name"), "%q is not an account name (lowercase letters, digits, "+
				"dots, dashes, underscores)", u.Name)
		}
		if names[u.Name] {
			return bad(at("name"), "user %s is defined twice", u.Name)
		}
		names[u.Name] = true

		if err := checkEmail(u.Email); err != nil {
			return bad(at("email"), "%v", err)
		}
		if emails[strings.ToLower(u.Email)] {
			return bad(at("email"), "address %s is used by two users", u.Email)
		}
		emails[strings.ToLower(u.Email)] = true

		if err := oneOf(at("role"), u.Role, roles); err != nil {
			return err
		}
	}
	return nil
}

func (o *Org) checkMessages() *FileError {
	ids := map[string]bool{}
	for i, m := range o.Messages {
		at := func(f string) string { return fmt.Sprintf("messages[%d].%s", i, f) }
		if !messageIDPattern.MatchString(m.ID) || ids[m.ID] {
			return bad(at("id"), "%q is not a unique message id (letters, digits, . _ -)", m.ID)
		}
		ids[m.ID] = true

		if err := checkEmail(m.From); err != nil {
			return bad(at("from"), "%v", err)
		}
		if strings.TrimSpace(m.Subject) == "" {
			return bad(at("subject"), "missing")
		}
		if m.Received != "" {
			if _, err := time.Parse(time.RFC3339, m.Received); err != nil {
				return bad(at("received"), "%q is not an RFC 3339 time "+
					"like 2024-05-14T08:02:11Z", m.Received)
			}
		}
		if err := o.checkDelivery(m, at); err != nil {
			return err
		}
	}
	return nil
}

func (o *Org) checkDelivery(m Message, at func(string) string) *FileError {
	if len(m.To) == 0 {
		return bad(at("to"), "missing; list the users who received it")
	}
	for j, to := range m.To {
		if !slices.ContainsFunc(o.Users, func(u User) bool { return u.Name == to }) {
			return bad(fmt.Sprintf("%s[%d]", at("to"), j), "%q is not a user in this lab", to)
		}
	}
	for j, raw := range m.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad(fmt.Sprintf("%s[%d]", at("urls"), j), "%q is not an http(s) URL", raw)
		}
	}
	return nil
}

func (o *Org) checkAllowList() *FileError {
	for i, d := range o.AllowList.Domains {
		if _, err := normalizeDomain(d); err != nil {
			return bad(fmt.Sprintf("allow_list.domains[%d]", i), "%v", err)
		}
	}
	for i, ip := range o.AllowList.IPs {
		if _, err := parseNetwork(ip); err != nil {
			return bad(fmt.Sprintf("allow_list.ips[%d]", i), "%v", err)
		}
	}
	for i, e := range o.AllowList.Emails {
		if err := checkEmail(e); err != nil {
			return bad(fmt.Sprintf("allow_list.emails[%d]", i), "%v", err)
		}
	}
	for i, h := range o.AllowList.Hashes {
		if !hexHash.MatchString(h) {
			return bad(fmt.Sprintf("allow_list.hashes[%d]", i),
				"%q is not an MD5, SHA-1 or SHA-256 in hex", h)
		}
	}
	return nil
}

var hexHash = regexp.MustCompile(`^(?i)([0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$`)

func (o *Org) checkKnownBenign() *FileError {
	for i, e := range o.KnownBenign {
		at := func(f string) string { return fmt.Sprintf("known_benign[%d].%s", i, f) }
		switch {
		case strings.TrimSpace(e.Name) == "":
			return bad(at("name"), "missing; name the activity")
		case strings.TrimSpace(e.Reason) == "":
			return bad(at("reason"), "missing; say why the activity is legitimate")
		case len(e.Hosts)+len(e.Users) == 0:
			return bad(at("hosts"), "set hosts or users: an entry must say whose activity it is")
		}
		if e.HoursUTC != "" {
			if _, _, err := parseHours(e.HoursUTC); err != nil {
				return bad(at("hours_utc"), "%v", err)
			}
		}
	}
	return nil
}

func oneOf(field, v string, allowed []string) *FileError {
	if slices.Contains(allowed, v) {
		return nil
	}
	return bad(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
}
