// Command reduce regenerates api/diga-openapi.json from Diga's published
// OpenAPI document: its workflow operations, plus the agent and phone
// operations (reduce.AgentOperations) of the agents document
// (make contract-refresh SPEC=… REV=… AGENTS_SPEC=… AGENTS_REV=…).
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
	agentsSpec := flag.String("agents-spec", "", "path to the document holding Diga's agent and phone operations (required)")
	agentsRev := flag.String("agents-rev", "", `upstream revision of -agents-spec, e.g. "666a42a (2026-07-22)" (required)`)
	out := flag.String("out", "api/diga-openapi.json", "file to write")
	flag.Parse()
	if *spec == "" || strings.TrimSpace(*rev) == "" || *agentsSpec == "" || strings.TrimSpace(*agentsRev) == "" {
		fmt.Fprintln(os.Stderr, `usage: reduce -spec /path/to/openapi.json -rev "f3cbdf1 (2026-07-22)" `+
			`-agents-spec /path/to/agents-openapi.json -agents-rev "666a42a (2026-07-22)" [-out api/diga-openapi.json]`)
		os.Exit(2)
	}
	if err := run(*spec, *rev, *agentsSpec, *agentsRev, *out); err != nil {
		fmt.Fprintln(os.Stderr, "reduce:", err)
		os.Exit(1)
	}
}

func run(specPath, rev, agentsPath, agentsRev, outPath string) error {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	agents, err := os.ReadFile(agentsPath)
	if err != nil {
		return err
	}
	upstream := upstreamName(rev)
	reduced, err := reduce.Reduce(raw, upstream)
	if err != nil {
		return err
	}
	reduced, err = reduce.AddOperations(reduced, agents, reduce.AgentOperations, reduce.AgentsUpstreamKey, upstreamName(agentsRev))
	if err != nil {
		return fmt.Errorf("adding the agent and phone operations: %w", err)
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

// upstreamName is rev as info names it: the source and "@ rev", unless rev
// already names its source.
func upstreamName(rev string) string {
	rev = strings.TrimSpace(rev)
	if strings.Contains(rev, "@") {
		return rev
	}
	return upstreamSource + " @ " + rev
}
