//go:build ignore

// samples renders a contact set of images for looking at the procedural
// provider's output by eye:
//
//	go run samples.go -out /tmp/procedural-samples [-size 1024] [-seeds 3] [prompt ...]
//
// With no prompts it renders a few defaults. Each prompt gets -seeds
// consecutive seeds, and the next prompt carries on counting from there.
// Each line printed gives the file, the time taken, the size and the
// resolved Params.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/providers/procedural"
)

func main() {
	out := flag.String("out", "/tmp/procedural-samples", "output folder")
	size := flag.Int("size", 1024, "image side in pixels")
	seeds := flag.Int("seeds", 2, "seeds per prompt")
	first := flag.Int("seed", 1, "first seed")
	flag.Parse()
	prompts := flag.Args()
	if len(prompts) == 0 {
		prompts = []string{"ocean flow", "ember rings", "forest cells", "desert dunes", "neon tiles"}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	p, err := procedural.Info.New(generate.ProviderConfig{Params: generate.Params{"width": *size, "height": *size}})
	if err != nil {
		log.Fatal(err)
	}
	for pi, prompt := range prompts {
		for s := 0; s < *seeds; s++ {
			seed := uint32(*first + pi**seeds + s)
			t := time.Now()
			res, err := p.Generate(context.Background(), generate.Request{Prompt: prompt, Seed: seed})
			if err != nil {
				log.Fatal(err)
			}
			name := fmt.Sprintf("%s-%d.png", strings.ReplaceAll(prompt, " ", "_"), seed)
			if err := os.WriteFile(filepath.Join(*out, name), res.Image, 0o644); err != nil {
				log.Fatal(err)
			}
			js, _ := json.Marshal(res.Params)
			fmt.Printf("%s %v %dKB %s\n", name, time.Since(t).Round(time.Millisecond), len(res.Image)/1024, js)
		}
	}
}
