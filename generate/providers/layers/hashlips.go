package layers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// HashLips is what `genmint init --from-hashlips` reads from a HashLips art
// engine project (or from a bare layers folder).
type HashLips struct {
	Layers string  // the layers folder
	Traits []Trait // in draw order: src/config.js's layersOrder when there is one, else by name
	Count  int     // growEditionSizeTo from src/config.js, 0 when unknown
	Notes  []string
}

var (
	growRe  = regexp.MustCompile(`growEditionSizeTo\s*:\s*(\d+)`)
	orderRe = regexp.MustCompile(`layersOrder\s*:\s*\[`)
	nameRe  = regexp.MustCompile(`name\s*:\s*["'` + "`" + `]([^"'` + "`" + `]+)["'` + "`" + `]`)
)

// ReadHashLips reads dir: a HashLips project (dir/layers, and the first
// layer configuration of dir/src/config.js when present) or a layers folder
// itself.
func ReadHashLips(dir string) (*HashLips, error) {
	h := &HashLips{Layers: dir}
	root := filepath.Dir(dir)
	if fi, err := os.Stat(filepath.Join(dir, "layers")); err == nil && fi.IsDir() {
		h.Layers, root = filepath.Join(dir, "layers"), dir
	}
	traits, err := ReadFolder(h.Layers)
	if err != nil {
		return nil, err
	}
	byName := map[string]Trait{}
	for _, t := range traits {
		byName[t.Name] = t
	}
	config, err := os.ReadFile(filepath.Join(root, "src", "config.js"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var order []string
	if err == nil {
		js := string(config)
		if m := growRe.FindStringSubmatch(js); m != nil {
			h.Count, _ = strconv.Atoi(m[1])
		}
		if loc := orderRe.FindStringIndex(js); loc != nil {
			rest := js[loc[1]:]
			if end := strings.Index(rest, "]"); end >= 0 {
				rest = rest[:end]
			}
			for _, m := range nameRe.FindAllStringSubmatch(rest, -1) {
				order = append(order, m[1])
			}
		}
		if strings.Contains(js, "blend:") || strings.Contains(js, "opacity:") {
			h.Notes = append(h.Notes, "src/config.js sets blend or opacity options: set them again as provider.params.blend and provider.params.opacity")
		}
		if strings.Count(js, "layersOrder") > 1 {
			h.Notes = append(h.Notes, "src/config.js has several layer configurations: only the first one's order was used")
		}
	}
	used := map[string]bool{}
	for _, name := range order {
		t, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("layers: src/config.js's layersOrder names %q, but %s has no such folder with PNG files", name, h.Layers)
		}
		if !used[name] {
			h.Traits = append(h.Traits, t)
			used[name] = true
		}
	}
	for _, t := range traits {
		if !used[t.Name] {
			if order != nil {
				h.Notes = append(h.Notes, fmt.Sprintf("folder %q is not in src/config.js's layersOrder: it is drawn last; move it in provider.params.order", t.Name))
			}
			h.Traits = append(h.Traits, t)
		}
	}
	if order == nil {
		h.Notes = append(h.Notes, "no src/config.js layersOrder: traits are drawn in folder-name order; check provider.params.order (bottom layer first)")
	}
	return h, nil
}
