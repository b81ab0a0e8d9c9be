package email

import (
	"net/mail"
	"strings"
	"time"
)

// zonelessLayouts are dates some bulk mailers send without a zone.
var zonelessLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04:05",
	"Mon, 2 Jan 2006 15:04",
}

// parseDate reads the Date header into UTC; an unreadable date leaves the zero
// time and a defect, and the raw value is kept either way.
func (a *analysis) parseDate() {
	raw := oneLine(a.msg.header("Date"))
	a.dateRaw, a.mail.Date = raw, raw
	if raw == "" {
		a.defect("no Date header")
		return
	}

	if t, err := parseMailDate(raw); err == nil {
		a.date = t.UTC()
		return
	}
	for _, layout := range zonelessLayouts {
		if t, err := time.Parse(layout, raw); err == nil {
			a.date = t
			a.defect("Date header without time zone, read as UTC")
			return
		}
	}
	a.defect("unparseable Date header")
}

func parseMailDate(s string) (time.Time, error) {
	t, err := mail.ParseDate(s)
	if err == nil {
		return t, nil
	}
	// Some senders append a comment or repeat the zone; retry on the part
	// before the first parenthesis.
	if i := strings.IndexByte(s, '('); i > 0 {
		return mail.ParseDate(strings.TrimSpace(s[:i]))
	}
	return time.Time{}, err
}
