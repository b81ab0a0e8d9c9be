package lab

import (
	"context"
	"database/sql"
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// directory indexes a checked [Org] for lookups. It is immutable.
type directory struct {
	org      *Org
	hosts    map[string]int // lowercase short name → index in org.Hosts
	hostIPs  map[netip.Addr]int
	users    map[string]int // account name → index in org.Users
	emails   map[string]int // lowercase e-mail → index in org.Users
	domains  []string
	ranges   []netip.Prefix
	allowNet []netip.Prefix
	allowDom []string
	copies   []mailCopy
}

// mailCopy is one delivered copy of a [Message].
type mailCopy struct {
	ID      string
	Mailbox string
	Message *Message
}

// internalDefaults are always internal: RFC 1918, loopback, unique local.
var internalDefaults = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("fc00::/7"),
}

func newDirectory(org *Org) *directory {
	d := &directory{
		org: org, hosts: map[string]int{}, hostIPs: map[netip.Addr]int{},
		users: map[string]int{}, emails: map[string]int{},
		ranges: slices.Clone(internalDefaults),
	}
	for i, h := range org.Hosts {
		d.hosts[strings.ToLower(h.Name)] = i
		d.hostIPs[netip.MustParseAddr(h.IP).Unmap()] = i
	}
	for i, u := range org.Users {
		d.users[u.Name] = i
		d.emails[strings.ToLower(u.Email)] = i
	}
	for _, s := range org.Org.Domains {
		dom, _ := normalizeDomain(s)
		d.domains = append(d.domains, dom)
	}
	for _, s := range org.Org.InternalRanges {
		p, _ := parseNetwork(s)
		d.ranges = append(d.ranges, p)
	}
	d.indexAllowList()
	d.indexMail()
	return d
}

func (d *directory) indexAllowList() {
	for _, s := range d.org.AllowList.IPs {
		p, _ := parseNetwork(s)
		d.allowNet = append(d.allowNet, p)
	}
	for _, s := range d.org.AllowList.Domains {
		dom, _ := normalizeDomain(s)
		d.allowDom = append(d.allowDom, dom)
	}
}

func (d *directory) indexMail() {
	for i := range d.org.Messages {
		m := &d.org.Messages[i]
		for _, to := range m.To {
			d.copies = append(d.copies, mailCopy{ID: m.ID + ":" + to, Mailbox: to, Message: m})
		}
	}
}

// asset finds a host definition by short name, FQDN in an org domain, or IP.
func (d *directory) asset(name string) (Asset, bool) {
	name = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	if ip, err := netip.ParseAddr(name); err == nil {
		i, ok := d.hostIPs[ip.Unmap()]
		return d.hostAt(i, ok)
	}
	short, domain, fqdn := strings.Cut(name, ".")
	if fqdn && !d.internalDomain(domain) {
		return Asset{}, false
	}
	i, ok := d.hosts[short]
	return d.hostAt(i, ok)
}

func (d *directory) hostAt(i int, ok bool) (Asset, bool) {
	if !ok {
		return Asset{}, false
	}
	return d.org.Hosts[i], true
}

// user finds an account by name, e-mail or UPN, or DOMAIN\name.
func (d *directory) user(name string) (User, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	if _, after, ok := cutLast(name, `\`); ok {
		name = after
	}
	if i, ok := d.emails[name]; ok {
		return d.org.Users[i], true
	}
	if local, domain, ok := cutLast(name, "@"); ok {
		if !d.internalDomain(domain) {
			return User{}, false
		}
		name = local
	}
	i, ok := d.users[name]
	if !ok {
		return User{}, false
	}
	return d.org.Users[i], true
}

func (d *directory) internalDomain(s string) bool {
	dom, err := normalizeDomain(s)
	if err != nil {
		return false
	}
	return matchesDomain(dom, d.domains)
}

// matchesDomain reports whether dom is one of list or a subdomain of one.
func matchesDomain(dom string, list []string) bool {
	for _, l := range list {
		if dom == l || strings.HasSuffix(dom, "."+l) {
			return true
		}
	}
	return false
}

// Asset looks a host up by name (short or FQDN, any case) or IP address and
// reports its current isolation.
func (l *Lab) Asset(name string) (Asset, bool) {
	a, ok := l.dir.asset(name)
	if !ok {
		return Asset{}, false
	}
	a.Isolated = l.exists(`SELECT 1 FROM lab_isolations WHERE host = ?`, a.Name)
	return a, true
}

// User looks an account up by name, e-mail or UPN, or DOMAIN\name, and
// reports whether it is disabled.
func (l *Lab) User(name string) (User, bool) {
	u, ok := l.dir.user(name)
	if !ok {
		return User{}, false
	}
	u.Disabled = l.exists(`SELECT 1 FROM lab_disabled WHERE account = ?`, u.Name)
	return u, true
}

// exists runs a one-row query; a database error reads as "no", logged. The
// directory methods take no context (they answer from memory but for this
// one flag), so the query runs under a background one.
func (l *Lab) exists(query string, arg any) bool {
	var one int
	err := l.db.QueryRowContext(context.Background(), query, arg).Scan(&one)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		l.log.Warn("reading lab state", "error", err)
	}
	return err == nil
}

// IsInternalIP reports whether ip is in the organisation's ranges, RFC 1918
// or loopback. For a CIDR network it reports whether the network overlaps
// them, so a broad block that would cut internal traffic counts as internal.
func (l *Lab) IsInternalIP(ip string) bool {
	p, err := parseNetwork(ip)
	if err != nil {
		return false
	}
	for _, r := range l.dir.ranges {
		if r.Overlaps(p) {
			return true
		}
	}
	return false
}

// IsInternalDomain reports whether d is an organisation domain or a
// subdomain of one.
func (l *Lab) IsInternalDomain(d string) bool {
	return l.dir.internalDomain(d)
}

// AllowListed reports whether the allow-list covers value of the given kind:
// "ip" (an address or a network inside an allowed one), "domain" (or a
// subdomain), "email" (exact) or "url" (by its host).
func (l *Lab) AllowListed(kind, value string) bool {
	switch kind {
	case "ip":
		return l.allowedIP(value)
	case "domain":
		dom, err := normalizeDomain(value)
		return err == nil && matchesDomain(dom, l.dir.allowDom)
	case "email":
		return slices.ContainsFunc(l.dir.org.AllowList.Emails, func(e string) bool {
			return strings.EqualFold(e, strings.TrimSpace(value))
		})
	case "hash":
		return slices.ContainsFunc(l.dir.org.AllowList.Hashes, func(h string) bool {
			return strings.EqualFold(h, strings.TrimSpace(value))
		})
	case "url":
		u, err := url.Parse(strings.TrimSpace(value))
		if err != nil || u.Hostname() == "" {
			return false
		}
		return l.AllowListed("domain", u.Hostname()) || l.allowedIP(u.Hostname())
	}
	return false
}

func (l *Lab) allowedIP(value string) bool {
	p, err := parseNetwork(value)
	if err != nil {
		return false
	}
	for _, a := range l.dir.allowNet {
		if a.Bits() <= p.Bits() && a.Contains(p.Addr()) {
			return true
		}
	}
	return false
}
