package termtext

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	for in, want := range map[string]string{
		"a calm sea":                    "a calm sea",
		"café — 漢字 🌊":                   "café — 漢字 🌊",
		"\x1b]0;TITLE\a tide":           `\x1b]0;TITLE\x07 tide`,
		"red\x1b[31m":                   `red\x1b[31m`,
		"two\nlines\ttab\r":             `two\nlines\ttab\r`,
		"\u009b31m c1":                  `\u009b31m c1`,
		"abc\u202edcba":                 `abc\u202edcba`,
		"bad \xff\xfe utf8":             `bad \xff\xfe utf8`,
		"del\x7f nul\x00":               `del\x7f nul\x00`,
		"sep\u2028x":                    `sep\u2028x`,
		`a literal \x1b stays as typed`: `a literal \x1b stays as typed`,
	} {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Text("one\n\ttwo\x1b[2J"); got != "one\n\ttwo\\x1b[2J" {
		t.Errorf("Text = %q", got)
	}
}

func TestTruncateNeverCutsAnEscapeInHalf(t *testing.T) {
	s := Line("\x1b]0;TITLE\a" + strings.Repeat("x", 40))
	for w := 1; w < 30; w++ {
		got := Truncate(s, w)
		if Width(got) > w {
			t.Fatalf("Truncate(%d) = %q, %d columns", w, got, Width(got))
		}
		if strings.ContainsRune(got, 0x1b) {
			t.Fatalf("Truncate(%d) holds a raw ESC: %q", w, got)
		}
	}
	coloured := "\x1b[31m" + strings.Repeat("漢", 10) + "\x1b[0m"
	got := Truncate(coloured, 7)
	if Width(got) > 7 || !strings.HasSuffix(strings.TrimSuffix(got, "\x1b[0m"), "…") && !strings.Contains(got, "…") {
		t.Fatalf("coloured: %q (%d columns)", got, Width(got))
	}
	if Truncate("short", 10) != "short" {
		t.Fatal("a short string was changed")
	}
}

func TestTableAlignsColouredCells(t *testing.T) {
	var tb Table
	tb.Row("\x1b[1mID\x1b[0m", "\x1b[1mSTATUS\x1b[0m", "PROMPT")
	tb.Row("0001", "\x1b[32mgenerated\x1b[0m", "a calm sea")
	tb.Row("0002", "\x1b[31mfailed\x1b[0m", "漢字 wide")
	var b bytes.Buffer
	if _, err := tb.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	col := -1
	for _, l := range lines {
		plain := stripANSI(l)
		// The third column starts at the same terminal column on every row.
		i := strings.Index(plain, "  ")
		rest := strings.TrimLeft(plain[i:], " ")
		j := strings.Index(rest, "  ")
		start := Width(plain) - Width(strings.TrimLeft(rest[j:], " "))
		if col == -1 {
			col = start
		} else if start != col {
			t.Fatalf("misaligned:\n%s", b.String())
		}
	}
	if col != len("0001")+2+len("generated")+2 {
		t.Fatalf("third column at %d:\n%s", col, b.String())
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FuzzLine: whatever goes in, what comes out is valid UTF-8 with no byte
// or rune a terminal would act on; text with none comes out unchanged.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"plain", "\x1b]0;T\a", "\x1b[2J\x1b[H", "\u009b1;31m", "\u202e", "\xff", "a\nb\tc", "\xe2\x80", "🌊\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, keep := range []bool{false, true} {
			out := escape(s, keep)
			if !utf8.ValidString(out) {
				t.Fatalf("escape(%q) = %q, not UTF-8", s, out)
			}
			for _, r := range out {
				if (r < 0x20 && !(keep && (r == '\n' || r == '\t'))) || r == 0x7f || unsafeRune(r) {
					t.Fatalf("escape(%q, %v) = %q keeps %U", s, keep, out, r)
				}
			}
			if clean(s, keep) && out != s {
				t.Fatalf("clean text changed: %q → %q", s, out)
			}
			if w := 1 + len(s)%20; Width(Truncate(out, w)) > w {
				t.Fatalf("Truncate(%q, %d) too wide", out, w)
			}
		}
	})
}

func TestCollapse(t *testing.T) {
	for _, c := range []struct {
		in    string
		limit int
		want  string
	}{
		{"  bad key\n\tretry later \r\n", 0, "bad key retry later"},
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abcdef…"},
		{"ééééé", 3, "ééé…"},            // characters, not bytes
		{"ééé", 3, "ééé"},               // 6 bytes, 3 characters: not cut
		{"a\u2028b\u00a0c", 0, "a b c"}, // Unicode white space too
		{"x\x1b[31my", 0, "x\x1b[31my"}, // other controls kept, for Line
		{strings.Repeat("a", 500), 0, strings.Repeat("a", 500)},
	} {
		got := Collapse(c.in, c.limit)
		if got != c.want || !utf8.ValidString(got) {
			t.Errorf("Collapse(%q, %d) = %q, want %q", c.in, c.limit, got, c.want)
		}
	}
}
