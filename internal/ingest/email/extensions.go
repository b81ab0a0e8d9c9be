package email

import (
	"strings"

	"github.com/conductor-sec/conductor/internal/finding"
)

// executableExts run code when opened, or install something (Apple
// configuration profiles, disk images), or carry macros.
var executableExts = map[string]bool{
	"exe": true, "scr": true, "com": true, "pif": true, "bat": true, "cmd": true,
	"js": true, "jse": true, "vbs": true, "vbe": true, "wsf": true, "wsh": true,
	"hta": true, "lnk": true, "msi": true, "msix": true, "ps1": true, "jar": true,
	"iso": true, "img": true, "vhd": true, "vhdx": true, "dll": true, "cpl": true,
	"reg": true, "apk": true, "dmg": true, "pkg": true, "app": true,
	"docm": true, "xlsm": true, "pptm": true, "xlam": true, "one": true,
	"mobileconfig": true, "url": true, "library-ms": true, "appx": true,
}

var executableTypes = map[string]bool{
	"application/x-msdownload":                       true,
	"application/x-dosexec":                          true,
	"application/x-ms-shortcut":                      true,
	"application/hta":                                true,
	"application/x-apple-aspen-config":               true,
	"application/vnd.ms-excel.sheet.macroenabled.12": true,
}

// lureExts are what a victim thinks they open.
var lureExts = map[string]bool{
	"pdf": true, "doc": true, "docx": true, "xls": true, "xlsx": true, "ppt": true,
	"pptx": true, "txt": true, "rtf": true, "csv": true, "jpg": true, "jpeg": true,
	"png": true, "gif": true, "zip": true, "odt": true, "ods": true,
}

// activeExts are what actually opens: code, or a page in the browser.
var activeExts = map[string]bool{"html": true, "htm": true, "shtml": true, "xhtml": true,
	"svg": true}

// extensions returns the lower-case extensions of a file name, outermost last,
// ignoring invisible characters and trailing dots or spaces.
func extensions(name string) []string {
	name = strings.TrimRight(strings.ToLower(foldName(name)), ". ")
	parts := strings.Split(name, ".")
	if len(parts) < 2 {
		return nil
	}
	exts := parts[1:]
	for i, e := range exts {
		exts[i] = strings.TrimSpace(e)
	}
	return exts
}

func hasDoubleExtension(at finding.Attachment) bool {
	exts := extensions(at.Name)
	if len(exts) < 2 {
		return false
	}
	last, prev := exts[len(exts)-1], exts[len(exts)-2]
	return lureExts[prev] && (activeExts[last] || executableExts[last])
}

func isExecutable(at finding.Attachment) bool {
	exts := extensions(at.Name)
	if len(exts) > 0 && executableExts[exts[len(exts)-1]] {
		return true
	}
	return executableTypes[strings.ToLower(at.ContentType)]
}

func anyAttachment(list []finding.Attachment, test func(finding.Attachment) bool) bool {
	for _, at := range list {
		if test(at) {
			return true
		}
	}
	return false
}
