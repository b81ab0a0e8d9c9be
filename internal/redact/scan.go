package redact

// text is what the trigger scan reads: a string or a byte slice, so [JSON] can check
// a document without copying it.
type text interface{ ~string | ~[]byte }

// scan makes one pass over s and reports which rule families could match. It is the
// cheap pre-check that keeps regular expressions off ordinary alert text.
func scan[T text](s T) uint32 {
	var hits uint32
	for i := 0; i+1 < len(s); i++ {
		if next[s[i]]&bits[s[i+1]] == 0 {
			continue
		}
		switch s[i] {
		case 'A':
			hits |= upperA(s, i)
			hits |= lowerA(s, i)
		case 'a':
			hits |= lowerA(s, i)
		case 'B', 'b':
			hits |= when(hasFold(s, i, "bearer"), trigBearer)
		case 'C', 'c':
			hits |= when(hasFold(s, i, "cookie"), trigKey)
		case 'e':
			hits |= when(has(s, i, "eyJ"), trigJWT)
		case 'g':
			hits |= when(gitHub(s, i), trigGitHub)
		case 'P', 'p':
			hits |= when(hasFold(s, i, "pass") || hasFold(s, i, "pwd") ||
				hasFold(s, i, "private"), trigKey)
		case 's':
			hits |= when(has(s, i, "sk-"), trigSK)
			hits |= when(hasFold(s, i, "secret"), trigKey)
		case 'S':
			hits |= when(hasFold(s, i, "secret"), trigKey)
		case 'T', 't':
			hits |= when(hasFold(s, i, "token"), trigKey)
		case 'x':
			hits |= when(has(s, i, "xox"), trigSlack)
		case '-':
			hits |= when(has(s, i, "-----BEGIN"), trigPEM)
		case ':':
			hits |= when(has(s, i, "://"), trigURL)
		}
	}
	return hits
}

// next maps each byte a trigger can begin with to the set of bytes (in bits form,
// case folded) that can follow it, so most bytes cost two table lookups.
var next = func() (t [256]uint32) {
	for _, p := range []string{
		"A:ksbcpu", "a:pu", "B:e", "b:e", "C:o", "c:o", "e:y", "g:hi", "P:awr", "p:awr",
		"s:ke", "S:e", "T:o", "t:o", "x:o", "-:-", "::/",
	} {
		for i := 2; i < len(p); i++ {
			t[p[0]] |= bits[p[i]]
		}
	}
	return t
}()

// bits gives each letter (either case), '-' and '/' its own bit.
var bits = func() (t [256]uint32) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = 1 << (c - 'a')
		t[c-'a'+'A'] = 1 << (c - 'a')
	}
	t['-'] = 1 << 26
	t['/'] = 1 << 27
	return t
}()

// upperA spots the AWS access key id prefixes, which are always upper case.
func upperA[T text](s T, i int) uint32 {
	if has(s, i, "AKIA") || has(s, i, "ASIA") || has(s, i, "ABIA") || has(s, i, "ACCA") {
		return trigAWS
	}
	return 0
}

// lowerA spots "api_key" spellings and "authorization", in any case.
func lowerA[T text](s T, i int) uint32 {
	if hasFold(s, i, "authorization") {
		return trigAuth
	}
	if !hasFold(s, i, "api") {
		return 0
	}
	j := i + 3
	if j < len(s) && (s[j] == '_' || s[j] == '-' || s[j] == '.') {
		j++
	}
	return when(hasFold(s, j, "key"), trigKey)
}

func gitHub[T text](s T, i int) bool {
	if has(s, i, "github_pat_") {
		return true
	}
	if !has(s, i, "gh") || i+3 >= len(s) || s[i+3] != '_' {
		return false
	}
	switch s[i+2] {
	case 'p', 'o', 'u', 's', 'r':
		return true
	}
	return false
}

func when(ok bool, bit uint32) uint32 {
	if ok {
		return bit
	}
	return 0
}

// has reports whether lit occurs in s at i.
func has[T text](s T, i int, lit string) bool {
	if len(s)-i < len(lit) {
		return false
	}
	for k := 0; k < len(lit); k++ {
		if s[i+k] != lit[k] {
			return false
		}
	}
	return true
}

// hasFold is has with ASCII case folding; lit must be lower case.
func hasFold[T text](s T, i int, lit string) bool {
	if i < 0 || len(s)-i < len(lit) {
		return false
	}
	for k := 0; k < len(lit); k++ {
		c := s[i+k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lit[k] {
			return false
		}
	}
	return true
}
