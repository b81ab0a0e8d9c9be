package email

import (
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// hasHomoglyph reports text built to look like something it is not:
//   - a word mixing Latin letters with Cyrillic, Greek or Armenian look-alikes
//     ("Binаnсе" with Cyrillic а, с, е), checked after NFKC normalization;
//   - mathematical alphanumeric letters (𝖭𝖾𝗍𝖿𝗅𝗂𝗑) that NFKC folds to Latin;
//   - invisible format characters or combining marks wedged inside a Latin
//     word (zero-width spaces, variation selectors, U+0337 overlays, the
//     Syriac mark U+073F).
//
// TODO: same-script confusables such as capital I for lower-case l
// ("BrasiI") need a confusables table and are not caught.
func hasHomoglyph(s string) bool {
	if hasMathLetters(s) {
		return true
	}
	for _, w := range strings.FieldsFunc(norm.NFKC.String(s), notWordRune) {
		if mixedScript(w) || hiddenInLatin(w) {
			return true
		}
	}
	return false
}

// hostHomoglyph decodes an internationalized (xn--) host before checking it.
func hostHomoglyph(host string) bool {
	if u, err := idna.ToUnicode(host); err == nil {
		host = u
	}
	for _, label := range strings.Split(host, ".") {
		if mixedScript(label) || hiddenInLatin(label) {
			return true
		}
	}
	return false
}

func hasMathLetters(s string) bool {
	for _, r := range s {
		if r >= 0x1D400 && r <= 0x1D7FF {
			return true
		}
	}
	return false
}

// notWordRune splits text into words made of letters, marks and invisible
// format characters, so padding inside a word stays inside it.
func notWordRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.Is(unicode.Cf, r)
}

var lookalikeScripts = []*unicode.RangeTable{unicode.Cyrillic, unicode.Greek, unicode.Armenian}

func mixedScript(w string) bool {
	latin, other := false, false
	for _, r := range w {
		if !unicode.IsLetter(r) {
			continue
		}
		if unicode.Is(unicode.Latin, r) {
			latin = true
		} else if unicode.In(r, lookalikeScripts...) {
			other = true
		}
	}
	return latin && other
}

// hiddenInLatin reports a mark or invisible character right after a Latin
// letter. NFKC has already composed ordinary accents (e + ◌́ = é), so what is
// left is not how any language writes.
func hiddenInLatin(w string) bool {
	prevLatin := false
	for _, r := range w {
		hidden := unicode.IsMark(r) || unicode.Is(unicode.Cf, r)
		if hidden && prevLatin {
			return true
		}
		if !hidden {
			prevLatin = unicode.Is(unicode.Latin, r)
		}
	}
	return false
}

// foldName strips invisible characters and folds compatibility forms so a
// padded or styled display name reads as its plain letters.
func foldName(s string) string {
	s = norm.NFKC.String(s)
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, s)
}
