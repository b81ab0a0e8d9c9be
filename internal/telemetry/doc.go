// Package telemetry loads logs (Windows event exports, Sysmon, cloud audit rows, Zeek)
// into SQLite and searches them. It backs `conductor logs load`, `conductor logs search`
// and the lab's siem.search tool.
//
// # Loading
//
// [Store.LoadFile] and [Store.Load] read NDJSON (one JSON object a line), a JSON array
// of objects, a single or pretty-printed JSON object, Zeek TSV logs (the `#fields` /
// `#types` header form) and .zip or .gz files holding any of these. Input is streamed:
// lines are read through a large buffer, events are inserted in transactions of
// [Config.BatchSize], and a progress callback runs after every batch. A malformed line
// becomes a [LineError] and loading goes on, so one bad line never loses the good ones.
//
// For each event the store keeps the original JSON (compacted) and derives:
//
//   - time, in UTC, from the first of `@timestamp`, `UtcTime`, `TimeGenerated`,
//     `timestamp`, `ts`, `Timestamp`, `EventTime`, `TimeCreated` that parses. The last
//     two carry no zone (Windows collectors write local time) and are read as UTC,
//     which can shift such events by the collector's offset;
//   - host, from `Hostname`, `Computer`, `host.name`, `DeviceName` or `id.orig_h`;
//   - event id, from `EventID`, `EventCode` or `event.code`;
//   - event type, from `event_type`, `_path`, `eventName`, `ActionType`, `Operation`,
//     `OperationName` or `event.action`;
//   - source, the base name of the file, without .gz (`archive.zip/member.json` for
//     zip members).
//
// Loading the same file twice stores its events once: an event is identified by its
// source, line and content.
//
// # Query language
//
// A query is a list of terms; every term must match (AND).
//
//	lsass                  full-text word, case-insensitive, whole tokens
//	"lsass.exe"            phrase: the tokens in this order ("lsass" then "exe")
//	lsas*  "dump file"*    prefix: the last token may be longer (* only at the end)
//	EventID:10             field filter: exact value, case-insensitive
//	TargetImage:"C:\windows\system32\lsass.exe"   quoted value (spaces, colons)
//	CommandLine:powershell*                        prefix of the value
//	id.orig_h:192.168.1.42 dotted path: nested objects or dotted key names alike
//	Hashes:*               the field exists (has any non-empty value)
//	host:WORKSTATION5      derived columns: host, source, event_id, event_type
//	-svchost  NOT host:dc1 negation of the next term
//	EventID:1 OR EventID:10   OR joins neighbouring terms; it binds tighter than AND
//	AND                    optional, the same as a space
//
// Field names are matched case-insensitively and values compare exactly after case
// folding; arrays match when any element does. Values longer than 256 bytes are
// compared by their first 256 bytes. Full-text terms match whole tokens of
// the values (letters and digits; punctuation separates tokens), so `lsass` finds
// `C:\Windows\System32\lsass.exe` but `lsas` does not; use `lsas*` for that. Inside
// quotes, write a quote as `""`; backslashes are literal. Parentheses do not group.
// A word with `://` in it (a URL) or starting with a drive letter (`C:\`) is a
// full-text term, not a field filter.
//
// A malformed query (an unbalanced quote, a dangling OR, a wildcard in the middle of a
// word) is rejected with a [*QueryError] that names the token and how to fix it.
// User text never reaches SQL or the FTS5 MATCH syntax unescaped: every value is a
// bound parameter and every full-text term is a quoted FTS5 string.
package telemetry
