// Command reduce regenerates api/diga-openapi.json from Diga's published
// OpenAPI document (make contract-refresh SPEC=… REV=…).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/Diga-io/terraform-provider-diga/internal/contract/reduce"
)

// upstreamSource is where Diga publishes the document; REV names the commit.
const upstreamSource = "Diga-io/docs api-reference/openapi.json"

func main() {
	spec := flag.String("spec", "", "path to Diga's openapi.json (required)")
	rev := flag.String("rev", "", `upstream revision, e.g. "f3cbdf1 (2026-07-22)" (required)`)
	out := flag.String("out", "api/diga-openapi.json", "file to write")
	flag.Parse()
	if *spec == "" || strings.TrimSpace(*rev) == "" {
		fmt.Fprintln(os.Stderr, `usage: reduce -spec /path/to/openapi.json -rev "f3cbdf1 (2026-07-22)" [-out api/diga-openapi.json]`)
		os.Exit(2)
	}
	if err := run(*spec, *rev, *out); err != nil {
		fmt.Fprintln(os.Stderr, "reduce:", err)
		os.Exit(1)
	}
}

func run(specPath, rev, outPath string) error {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	upstream := strings.TrimSpace(rev)
	if !strings.Contains(upstream, "@") {
		upstream = upstreamSource + " @ " + upstream
	}
	reduced, err := reduce.Reduce(raw, upstream)
	if err != nil {
		return err
	}
	ops, err := reduce.Operations(reduced)
	if err != nil {
		return err
	}
	if err := os.WriteFile(outPath, reduced, 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d operations, %d bytes (upstream: %s)\n", outPath, len(ops), len(reduced), upstream)
	return nil
}
