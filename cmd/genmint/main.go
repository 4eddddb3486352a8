// Command genmint turns prompts into a minted, verifiable generative-art
// collection. See README.md, or run `genmint --help`.
package main

import (
	"os"

	"github.com/genmint/genmint/cmd/root"
)

func main() { os.Exit(int(root.Main())) }
