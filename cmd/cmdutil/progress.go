package cmdutil

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Progress shows work advancing on stderr: a redrawn bar (done/total, rate,
// ETA) on a terminal, one plain line per event otherwise, nothing when quiet.
// It is safe for concurrent use.
type Progress struct {
	io    *IOStreams
	unit  string // e.g. "img"
	bar   bool
	quiet bool
	now   func() time.Time

	mu       sync.Mutex
	total    int
	done     int
	start    time.Time
	lastDraw time.Time
	drawn    bool
}

// NewProgress starts a progress display for total units of work.
func NewProgress(io *IOStreams, unit string, quiet bool) *Progress {
	return &Progress{io: io, unit: unit, bar: io.ProgressBars() && !quiet, quiet: quiet, now: time.Now}
}

// Start sets the amount of work and starts the clock.
func (p *Progress) Start(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.done, p.start = total, 0, p.now()
	p.draw(true)
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
	if !force && now.Sub(p.lastDraw) < 80*time.Millisecond && p.done < p.total {
		return
	}
	p.lastDraw = now
	fmt.Fprint(p.io.ErrOut, "\r\x1b[K"+p.render(now))
	p.drawn = true
}

// render formats the bar line: [####----]  12/40  3.2 img/s  ETA 9s
func (p *Progress) render(now time.Time) string {
	width := 24
	if w := p.io.TerminalWidth(); w < 70 {
		width = max(8, w-46)
	}
	filled := width * p.done / max(p.total, 1)
	bar := p.io.Color(Green, strings.Repeat("█", filled)) + p.io.Color(Dim, strings.Repeat("░", width-filled))
	elapsed := now.Sub(p.start)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.done) / elapsed.Seconds()
	}
	eta := "–"
	if rate > 0 && p.done < p.total {
		eta = (time.Duration(float64(p.total-p.done) / rate * float64(time.Second))).Round(time.Second).String()
	} else if p.done >= p.total {
		eta = "0s"
	}
	return fmt.Sprintf("%s %*d/%d  %.1f %s/s  ETA %s", bar, len(fmt.Sprint(p.total)), p.done, p.total, rate, p.unit, eta)
}
