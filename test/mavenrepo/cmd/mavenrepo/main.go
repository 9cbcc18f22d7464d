// Command mavenrepo writes a generated Maven repository (see package
// mavenrepo) into a folder, for benchmarks and by-hand tries:
//
//	go run ./test/mavenrepo/cmd/mavenrepo -out DIR -n 200 [-seed 1] [-min 5k] [-max 2m]
//	    [-consumer PROJECT_DIR] [-expected FILE]
//
// It prints the root coordinates (what a consumer depends on) and totals.
// -consumer writes a project depending on the root whose source names a
// class of every artifact; -expected writes "sha1  path" lines (sha1sum's
// format) of the POM and jar of every artifact the consumer resolves.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/artifactd/artifactd/test/mavenrepo"
)

func main() {
	var (
		out      = flag.String("out", "", "folder to write the repository into (required)")
		n        = flag.Int("n", 10, "artifacts in the tree")
		seed     = flag.Uint64("seed", 1, "seed of the tree's shape, versions and sizes")
		minSize  = flag.String("min", "5k", "smallest jar (bytes, or with k/m)")
		maxSize  = flag.String("max", "2m", "largest jar (bytes, or with k/m)")
		consumer = flag.String("consumer", "", "write a consumer project of the root into this folder")
		expected = flag.String("expected", "", "write the sha1 and path of every file the consumer resolves into this file")
	)
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	lo, err1 := parseSize(*minSize)
	hi, err2 := parseSize(*maxSize)
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "mavenrepo: -min and -max take a size such as 5000, 5k or 2m")
		os.Exit(2)
	}
	t, err := mavenrepo.Generate(*out, mavenrepo.Options{Count: *n, Seed: *seed, MinSize: lo, MaxSize: hi})
	if err != nil {
		fmt.Fprintln(os.Stderr, "mavenrepo:", err)
		os.Exit(1)
	}
	if *consumer != "" {
		if err := t.WriteConsumer(*consumer); err != nil {
			fmt.Fprintln(os.Stderr, "mavenrepo:", err)
			os.Exit(1)
		}
	}
	resolved := t.ResolvedFiles()
	var resolvedBytes int64
	var lines strings.Builder
	for _, f := range resolved {
		resolvedBytes += f.Size
		fmt.Fprintf(&lines, "%s  %s\n", f.SHA1, f.Path)
	}
	if *expected != "" {
		if err := os.WriteFile(*expected, []byte(lines.String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "mavenrepo:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("root %s\n", t.Root)
	fmt.Printf("artifacts %d, files %d (%d bytes); a consumer resolves %d files (%d bytes)\n",
		len(t.Artifacts), len(t.Files), t.TotalSize(), len(resolved), resolvedBytes)
}

func parseSize(s string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(strings.ToLower(s), "k"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(strings.ToLower(s), "m"):
		mult, s = 1<<20, s[:len(s)-1]
	}
	v, err := strconv.Atoi(s)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return v * mult, nil
}
