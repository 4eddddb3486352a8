package cmdutil

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Progress shows work advancing on stderr: a redrawn bar (done/total, rate,
// ETA) on a terminal, one plain line per event otherwise, nothing when quiet.
// It counts either units of work (NewProgress: images, tokens) or bytes
// (NewByteProgress: uploads), with the same bar, lines and clock.
// It is safe for concurrent use.
type Progress struct {
	io    *IOStreams
	unit  string // e.g. "img"; unused when counting bytes
	bytes bool   // counts bytes: sizes in KiB/MiB/GiB, the recent rate
	label string // byte mode: what moves, e.g. "upload"
	bar   bool
	quiet bool
	now   func() time.Time

	mu       sync.Mutex
	total    int64
	done     int64
	start    time.Time
	lastDraw time.Time
	drawn    bool

	// Byte mode: the recent (time, done) samples the rate is measured
	// over, and when the last plain line was printed.
	samples   []progressSample
	lastLine  time.Time
	lastTenth int64
}

type progressSample struct {
	at   time.Time
	done int64
}

const (
	// redrawEvery is the shortest time between two redraws of the bar.
	redrawEvery = 80 * time.Millisecond
	// rateWindow is how far back a byte rate is measured: a resumed upload
	// that jumps ahead, or a stall, shows in the rate within this long.
	rateWindow = 5 * time.Second
	// plainEvery is the longest time between two plain byte lines while
	// bytes move (a line is also printed at each tenth of the total).
	plainEvery = 10 * time.Second
)

// NewProgress starts a progress display for total units of work.
func NewProgress(io *IOStreams, unit string, quiet bool) *Progress {
	return &Progress{io: io, unit: unit, bar: io.ProgressBars() && !quiet, quiet: quiet, now: time.Now}
}

// NewByteProgress starts a progress display of bytes moved, e.g. an
// upload: on a terminal a bar redrawn in place (bytes done of total, the
// rate over the last few seconds, ETA); otherwise a plain line at each
// tenth of the total and at least every 10 s while bytes move; nothing
// when quiet. label names what moves ("upload"). Feed it with Set.
func NewByteProgress(io *IOStreams, label string, quiet bool) *Progress {
	p := NewProgress(io, "B", quiet)
	p.bytes, p.label = true, label
	return p
}

// Start sets the amount of work and starts the clock.
func (p *Progress) Start(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.done, p.start = int64(total), 0, p.now()
	p.samples, p.lastLine, p.lastTenth = nil, p.start, 0
	p.draw(true)
}

// Set records that done of total bytes (or units) are done — both may
// grow as work is discovered — and redraws the bar, at most every 80 ms,
// or prints a plain line at each tenth of the total and at least every
// 10 s. The clock starts at the first Set if Start was not called.
func (p *Progress) Set(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.start.IsZero() {
		p.start, p.lastLine = now, now
	}
	if done > total {
		total = done // an estimated total was short
	}
	p.done, p.total = done, total
	p.sample(now)
	if p.quiet {
		return
	}
	if p.bar {
		p.draw(false)
		return
	}
	tenth := done * 10 / max(total, 1)
	if tenth > p.lastTenth || (now.Sub(p.lastLine) >= plainEvery && done < total) {
		p.lastTenth, p.lastLine = tenth, now
		fmt.Fprintln(p.io.ErrOut, p.plainLine(now))
	}
}

// sample keeps the (now, done) samples of the last rateWindow.
func (p *Progress) sample(now time.Time) {
	p.samples = append(p.samples, progressSample{now, p.done})
	drop := 0
	for drop < len(p.samples)-2 && now.Sub(p.samples[drop+1].at) >= rateWindow {
		drop++
	}
	p.samples = p.samples[drop:]
}

// Step records one unit done and prints line (plain mode), or shows it above
// the bar (terminal mode) when important is true.
func (p *Progress) Step(line string, important bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if p.quiet {
		return
	}
	if p.bar {
		if important {
			p.clear()
			fmt.Fprintln(p.io.ErrOut, line)
		}
		p.draw(important)
		return
	}
	fmt.Fprintln(p.io.ErrOut, line)
}

// Log prints a line without counting work.
func (p *Progress) Log(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quiet {
		return
	}
	p.clear()
	fmt.Fprintln(p.io.ErrOut, line)
	p.draw(true)
}

// Finish removes the bar.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

func (p *Progress) clear() {
	if p.bar && p.drawn {
		fmt.Fprint(p.io.ErrOut, "\r\x1b[K")
		p.drawn = false
	}
}

func (p *Progress) draw(force bool) {
	if !p.bar || p.total == 0 {
		return
	}
	now := p.now()
	if !force && now.Sub(p.lastDraw) < redrawEvery && p.done < p.total {
		return
	}
	p.lastDraw = now
	fmt.Fprint(p.io.ErrOut, "\r\x1b[K"+p.render(now))
	p.drawn = true
}

// render formats the bar line: [####----]  12/40  3.2 img/s  ETA 9s, or
// for bytes: upload [####----] 12.0 MiB/40.0 MiB  3.2 MiB/s  ETA 9s
func (p *Progress) render(now time.Time) string {
	rate, eta := p.rateETA(now)
	var text string
	if p.bytes {
		text = fmt.Sprintf(" %s/%s  %s/s  ETA %s", Bytes(p.done), Bytes(p.total), Bytes(int64(rate)), eta)
	} else {
		text = fmt.Sprintf(" %*d/%d  %.1f %s/s  ETA %s", len(fmt.Sprint(p.total)), p.done, p.total, rate, p.unit, eta)
	}
	prefix := ""
	if p.label != "" {
		prefix = p.label + " "
	}
	width := min(24, max(8, p.io.TerminalWidth()-1-utf8.RuneCountInString(prefix+text)))
	filled := int(int64(width) * p.done / max(p.total, 1))
	bar := p.io.Color(Green, strings.Repeat("█", filled)) + p.io.Color(Dim, strings.Repeat("░", width-filled))
	return prefix + bar + text
}

// plainLine formats a byte line for a pipe or CI:
// upload: 12.0 MiB of 40.0 MiB (30%), 3.2 MiB/s, ETA 9s
func (p *Progress) plainLine(now time.Time) string {
	rate, eta := p.rateETA(now)
	return fmt.Sprintf("%s: %s of %s (%d%%), %s/s, ETA %s", p.label, Bytes(p.done), Bytes(p.total),
		p.done*100/max(p.total, 1), Bytes(int64(rate)), eta)
}

// rateETA returns the rate (units a second: since Start when counting
// units, over the last rateWindow when counting bytes) and the time left
// at that rate ("–" while unknown).
func (p *Progress) rateETA(now time.Time) (float64, string) {
	rate := 0.0
	if p.bytes {
		if len(p.samples) > 0 {
			first := p.samples[0]
			if d := now.Sub(first.at); d > 0 {
				// A retried part rolls done back: the rate over the
				// window may then be negative, shown as 0 (ETA unknown).
				rate = max(0, float64(p.done-first.done)/d.Seconds())
			}
		}
	} else if elapsed := now.Sub(p.start); elapsed > 0 {
		rate = float64(p.done) / elapsed.Seconds()
	}
	switch {
	case p.done >= p.total:
		return rate, "0s"
	case rate > 0:
		return rate, (time.Duration(float64(p.total-p.done) / rate * float64(time.Second))).Round(time.Second).String()
	}
	return rate, "–"
}

// Bytes formats a byte count for people: 512 B, 3.0 KiB, 12.5 MiB, 1.2 GiB.
func Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
