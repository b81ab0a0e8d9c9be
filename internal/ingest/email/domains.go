package email

import (
	"net/netip"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// registrable returns the registrable domain (eTLD+1) of a host, lower-cased:
// "mail.paypal.co.uk" gives "paypal.co.uk". A host the public-suffix list
// cannot split (a single label) is returned as is; an IP literal gives "".
func registrable(host string) string {
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	if host == "" {
		return ""
	}
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return ""
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}

// isICANNDomain reports a dotted name under a real top-level domain, which
// tells "paypal.com" from "file.name" or "v1.2".
func isICANNDomain(host string) bool {
	suffix, icann := publicsuffix.PublicSuffix(strings.ToLower(host))
	return icann && suffix != host && strings.Contains(host, ".")
}

// freeMail are consumer mailbox providers: anyone can register an address.
var freeMail = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "yahoo.com": true, "ymail.com": true,
	"outlook.com": true, "hotmail.com": true, "live.com": true, "msn.com": true,
	"aol.com": true, "icloud.com": true, "me.com": true, "mail.com": true,
	"gmx.com": true, "gmx.de": true, "gmx.net": true, "web.de": true,
	"proton.me": true, "protonmail.com": true, "zoho.com": true, "yandex.com": true,
	"yandex.ru": true, "mail.ru": true, "qq.com": true, "163.com": true,
}

// isFreeMail also matches country variants such as yahoo.co.uk or hotmail.fr.
func isFreeMail(domain string) bool {
	d := registrable(domain)
	if freeMail[d] {
		return true
	}
	label, _, _ := strings.Cut(d, ".")
	switch label {
	case "yahoo", "hotmail", "outlook", "live", "gmx":
		return true
	}
	return false
}

// shorteners are link-shortening services: the real destination is hidden
// until someone clicks.
var shorteners = map[string]bool{
	"bit.ly": true, "bitly.com": true, "tinyurl.com": true, "t.co": true, "goo.gl": true,
	"ow.ly": true, "is.gd": true, "buff.ly": true, "rebrand.ly": true, "cutt.ly": true,
	"shorturl.at": true, "rb.gy": true, "tiny.cc": true, "s.id": true, "t.ly": true,
	"bit.do": true, "lnkd.in": true, "shorte.st": true, "adf.ly": true, "v.gd": true,
	"qrco.de": true, "x.co": true, "soo.gd": true, "tiny.one": true, "urlz.fr": true,
}

// brand is a name phishers borrow and the registrable-domain labels the brand
// really sends from.
type brand struct {
	names   []string
	domains []string
}

// brands is deliberately short: names common enough in lures to matter, rare
// enough in ordinary display names not to fire on them.
var brands = []brand{
	{[]string{"microsoft", "office 365", "office365", "microsoft 365", "outlook", "onedrive",
		"sharepoint"}, []string{"microsoft", "office", "office365", "outlook", "live",
		"sharepoint", "onedrive", "microsoftonline", "azure", "msn"}},
	{[]string{"paypal"}, []string{"paypal"}},
	{[]string{"apple", "icloud", "itunes"}, []string{"apple", "icloud"}},
	{[]string{"amazon", "prime video"}, []string{"amazon"}},
	{[]string{"netflix"}, []string{"netflix"}},
	{[]string{"google", "gmail"}, []string{"google", "gmail", "youtube"}},
	{[]string{"facebook", "instagram", "whatsapp"},
		[]string{"facebook", "facebookmail", "instagram", "whatsapp", "meta"}},
	{[]string{"linkedin"}, []string{"linkedin"}},
	{[]string{"dhl"}, []string{"dhl"}},
	{[]string{"fedex"}, []string{"fedex"}},
	{[]string{"usps"}, []string{"usps"}},
	{[]string{"docusign"}, []string{"docusign"}},
	{[]string{"dropbox"}, []string{"dropbox", "dropboxmail"}},
	{[]string{"adobe"}, []string{"adobe"}},
	{[]string{"coinbase"}, []string{"coinbase"}},
	{[]string{"binance"}, []string{"binance"}},
	{[]string{"metamask"}, []string{"metamask"}},
	{[]string{"norton"}, []string{"norton"}},
	{[]string{"wells fargo"}, []string{"wellsfargo"}},
	{[]string{"chase bank"}, []string{"chase"}},
}

// brandIn returns the brand whose name appears as whole words in s, or nil.
func brandIn(s string) *brand {
	words := " " + strings.Join(strings.FieldsFunc(strings.ToLower(s), notAlnum), " ") + " "
	for i := range brands {
		for _, n := range brands[i].names {
			if strings.Contains(words, " "+n+" ") {
				return &brands[i]
			}
		}
	}
	return nil
}

// sendsFrom reports whether domain is one the brand uses.
func (b *brand) sendsFrom(domain string) bool {
	label, _, _ := strings.Cut(registrable(domain), ".")
	for _, d := range b.domains {
		if label == d {
			return true
		}
	}
	return false
}

func notAlnum(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f)
}
