package cmdutil

import (
	"strings"
	"testing"
	"time"
)

// fakeClock is the progress display's clock, moved by the test.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock           { return &fakeClock{t: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)} }
func byteProgress(io *IOStreams, quiet bool) (*Progress, *fakeClock) {
	clock := newFakeClock()
	p := NewByteProgress(io, "upload", quiet)
	p.now = clock.now
	return p, clock
}

const mib = 1 << 20

// lastFrame is what a terminal shows after the output: the text after the
// last "\r\x1b[K" (each redraw starts with it).
func lastFrame(out string) string {
	i := strings.LastIndex(out, "\r\x1b[K")
	if i < 0 {
		return ""
	}
	return out[i+len("\r\x1b[K"):]
}

// On a terminal, an upload's bar is redrawn in place: bytes sent of the
// total, the rate over the last seconds, and the time left at that rate.
func TestByteProgressBarOnATerminal(t *testing.T) {
	io, _, _, errOut := Test()
	io.SetTTY(true, true, true)
	p, clock := byteProgress(io, false)

	p.Set(0, 100*mib)
	clock.add(time.Second)
	p.Set(10*mib, 100*mib)
	want := "upload ██" + strings.Repeat("░", 22) + " 10.0 MiB/100.0 MiB  10.0 MiB/s  ETA 9s"
	if got := lastFrame(errOut.String()); got != want {
		t.Fatalf("frame after 1 s:\n got %q\nwant %q", got, want)
	}
	if strings.Contains(errOut.String(), "\n") {
		t.Fatalf("a bar is redrawn in place, never a new line: %q", errOut.String())
	}

	// Within 80 ms of the last redraw, nothing is drawn.
	before := errOut.Len()
	clock.add(40 * time.Millisecond)
	p.Set(11*mib, 100*mib)
	if errOut.Len() != before {
		t.Fatalf("redrawn after 40 ms: %q", errOut.String()[before:])
	}

	// A line logged meanwhile goes above the bar, which is drawn again.
	p.Log("images     sending 100.0 MiB CAR to s3")
	if !strings.HasSuffix(errOut.String()[before:], "\r\x1b[Kimages     sending 100.0 MiB CAR to s3\n\r\x1b[K"+lastFrame(errOut.String())) {
		t.Fatalf("log line: %q", errOut.String()[before:])
	}

	// The rate is the recent one: after a 5 s stall it is 0 and the ETA
	// unknown; then 2 MiB/s for 5 s.
	clock.add(5 * time.Second)
	p.Set(11*mib, 100*mib)
	if got := lastFrame(errOut.String()); !strings.HasSuffix(got, " 11.0 MiB/100.0 MiB  0 B/s  ETA –") {
		t.Fatalf("after a stall: %q", got)
	}
	for range 5 {
		clock.add(time.Second)
		p.Set(p.done+2*mib, 100*mib)
	}
	if got := lastFrame(errOut.String()); !strings.HasSuffix(got, " 21.0 MiB/100.0 MiB  2.0 MiB/s  ETA 40s") {
		t.Fatalf("at 2 MiB/s: %q", got)
	}

	// A total that was an estimate grows with what is sent; at the end the
	// bar is full and Finish removes it.
	clock.add(time.Second)
	p.Set(120*mib, 100*mib)
	if got := lastFrame(errOut.String()); !strings.HasPrefix(got, "upload "+strings.Repeat("█", 24)+" 120.0 MiB/120.0 MiB  ") || !strings.HasSuffix(got, "/s  ETA 0s") {
		t.Fatalf("past the estimate: %q", got)
	}
	p.Finish()
	if !strings.HasSuffix(errOut.String(), "\r\x1b[K") || lastFrame(errOut.String()) != "" {
		t.Fatalf("Finish left the bar: %q", errOut.String())
	}
}

// A retried S3 part or TUS chunk rolls the bytes back: the bar shows the
// smaller figure, and the rate over the window, negative then, shows as 0
// with the ETA unknown (never a negative rate or time).
func TestByteProgressRollBack(t *testing.T) {
	io, _, _, errOut := Test()
	io.SetTTY(true, true, true)
	p, clock := byteProgress(io, false)
	p.Set(50*mib, 100*mib) // resumed: the parts already there
	clock.add(time.Second)
	p.Set(60*mib, 100*mib)
	clock.add(time.Second)
	p.Set(40*mib, 100*mib) // part 4 (40–60 MiB) failed and starts again
	if got := lastFrame(errOut.String()); !strings.HasSuffix(got, " 40.0 MiB/100.0 MiB  0 B/s  ETA –") {
		t.Fatalf("after a roll-back: %q", got)
	}
}

// On a narrow terminal the bar shrinks (to 8 cells at least); the text stays.
func TestByteProgressBarNarrowTerminal(t *testing.T) {
	io, _, _, errOut := Test()
	io.SetTTY(true, true, true)
	io.width = func() int { return 50 }
	p, clock := byteProgress(io, false)
	p.Set(0, 4*mib)
	clock.add(2 * time.Second)
	p.Set(mib, 4*mib)
	want := "upload ██" + strings.Repeat("░", 6) + " 1.0 MiB/4.0 MiB  512.0 KiB/s  ETA 6s"
	if got := lastFrame(errOut.String()); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// In a pipe or under CI=true: plain lines, one at each tenth of the total
// and one at least every 10 s while bytes move; no escape codes.
func TestByteProgressPlainLines(t *testing.T) {
	for _, ci := range []bool{false, true} {
		io, _, _, errOut := Test()
		if ci {
			io.SetTTY(true, true, true) // a terminal, but CI=true
			io.ci = true
		}
		p, clock := byteProgress(io, false)
		p.Set(0, 100*mib)
		for range 4 { // 1 MiB a second: no tenth crossed for 9 s
			clock.add(time.Second)
			p.Set(p.done+mib, 100*mib)
		}
		if errOut.Len() != 0 {
			t.Fatalf("ci=%v: a line before a tenth or 10 s: %q", ci, errOut.String())
		}
		for range 6 {
			clock.add(time.Second)
			p.Set(p.done+mib, 100*mib)
		}
		clock.add(500 * time.Millisecond)
		p.Set(10*mib+512<<10, 100*mib) // tenth 1 was crossed at 10 MiB
		clock.add(10 * time.Second)
		p.Set(11*mib, 100*mib) // slow, no tenth crossed: the 10 s line
		clock.add(time.Second)
		p.Set(100*mib, 100*mib)
		want := "upload: 10.0 MiB of 100.0 MiB (10%), 1.0 MiB/s, ETA 1m30s\n" +
			"upload: 11.0 MiB of 100.0 MiB (11%), 51.2 KiB/s, ETA 29m40s\n" +
			"upload: 100.0 MiB of 100.0 MiB (100%), 8.1 MiB/s, ETA 0s\n"
		if got := errOut.String(); got != want {
			t.Fatalf("ci=%v:\n got %q\nwant %q", ci, got, want)
		}
	}
}

// Quiet (-q, --json): nothing at all.
func TestByteProgressQuiet(t *testing.T) {
	io, _, _, errOut := Test()
	io.SetTTY(true, true, true)
	p, clock := byteProgress(io, true)
	p.Set(0, 10*mib)
	clock.add(time.Second)
	p.Log("a line")
	p.Set(10*mib, 10*mib)
	p.Finish()
	if errOut.Len() != 0 {
		t.Fatalf("quiet wrote %q", errOut.String())
	}
}

// The item bar keeps its form: done/total, the rate since the start, ETA.
func TestItemProgressBar(t *testing.T) {
	io, _, _, errOut := Test()
	io.SetTTY(true, true, true)
	clock := newFakeClock()
	p := NewProgress(io, "img", false)
	p.now = clock.now
	p.Start(40)
	for range 12 {
		clock.add(250 * time.Millisecond)
		p.Step("item", false)
	}
	want := "███████" + strings.Repeat("░", 17) + " 12/40  4.0 img/s  ETA 7s"
	if got := lastFrame(errOut.String()); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3 * mib / 2: "1.5 MiB", 5 << 30: "5.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
