package contract

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/api"
	"github.com/Diga-io/terraform-provider-diga/internal/contract/reduce"
)

// upstreamSpec is Diga's published document as shared beside the clone
// (CI lays shared/ next to the repository); agentsSpec holds its agent and
// phone operations (reduce.AgentOperations).
const (
	upstreamSpec = "../shared/diga-api/openapi.json"
	agentsSpec   = "../shared/diga-api/agents-openapi.json"
)

// TestCommittedContractMatchesUpstream fails when api/diga-openapi.json is
// not exactly what make contract-refresh produces from the shared upstream
// document, so the contract cannot be edited by hand or go stale silently.
func TestCommittedContractMatchesUpstream(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	onDisk, err := os.ReadFile(filepath.Join(root, "api", "diga-openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, api.OpenAPI) {
		t.Fatal("api.OpenAPI differs from api/diga-openapi.json: rebuild")
	}
	upstream, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(upstreamSpec)))
	if os.IsNotExist(err) {
		t.Skipf("%s not found beside the repository", upstreamSpec)
	}
	if err != nil {
		t.Fatal(err)
	}
	agents, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(agentsSpec)))
	if os.IsNotExist(err) {
		t.Skipf("%s not found beside the repository", agentsSpec)
	}
	if err != nil {
		t.Fatal(err)
	}

	var committed struct {
		Info map[string]string `json:"info"`
	}
	if err := json.Unmarshal(onDisk, &committed); err != nil || committed.Info[reduce.UpstreamKey] == "" || committed.Info[reduce.AgentsUpstreamKey] == "" {
		t.Fatalf("api/diga-openapi.json lacks info.%s or info.%s (err %v)", reduce.UpstreamKey, reduce.AgentsUpstreamKey, err)
	}
	want, err := reduce.Reduce(upstream, committed.Info[reduce.UpstreamKey])
	if err != nil {
		t.Fatal(err)
	}
	want, err = reduce.AddOperations(want, agents, reduce.AgentOperations, reduce.AgentsUpstreamKey, committed.Info[reduce.AgentsUpstreamKey])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, want) {
		t.Errorf("api/diga-openapi.json is not what the reducer makes of %s and %s: run\n"+
			"  make contract-refresh SPEC=%s REV=\"<commit> (<date>)\" AGENTS_SPEC=%s AGENTS_REV=\"<commit> (<date>)\"\n"+
			"and review the diff", upstreamSpec, agentsSpec, upstreamSpec, agentsSpec)
	}
	// The agents document names the commit it was copied from after "@".
	var ag struct {
		Info map[string]any `json:"info"`
	}
	_ = json.Unmarshal(agents, &ag)
	if s, _ := ag.Info[reduce.UpstreamKey].(string); s != "" {
		if m := regexp.MustCompile(`@ ([0-9a-f]{7,40})`).FindStringSubmatch(s); m != nil && !strings.Contains(committed.Info[reduce.AgentsUpstreamKey], m[1]) {
			t.Errorf("the agents document is from commit %s but api/diga-openapi.json says %q: refresh with AGENTS_REV=%q",
				m[1], committed.Info[reduce.AgentsUpstreamKey], m[1])
		}
	}

	// When the shared document names the commit it was copied from, the
	// committed revision must name the same one.
	var up struct {
		Info map[string]any `json:"info"`
	}
	_ = json.Unmarshal(upstream, &up)
	for _, v := range up.Info {
		s, _ := v.(string)
		if m := regexp.MustCompile(`commit ([0-9a-f]{7,40})`).FindStringSubmatch(s); m != nil {
			if !strings.Contains(committed.Info[reduce.UpstreamKey], m[1]) {
				t.Errorf("the shared document is from commit %s but api/diga-openapi.json says %q: refresh with REV=%q", m[1], committed.Info[reduce.UpstreamKey], m[1])
			}
		}
	}
}

func TestContractOperations(t *testing.T) {
	t.Parallel()
	v := mustLoad(t)
	ops := v.Operations()
	fromFile, err := reduce.Operations(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != len(fromFile) || len(ops) == 0 {
		t.Fatalf("Operations() has %d entries, the file %d", len(ops), len(fromFile))
	}
	seen := map[string]bool{}
	for _, op := range ops {
		if seen[op] {
			t.Errorf("%s listed twice", op)
		}
		seen[op] = true
	}
	for _, op := range fromFile {
		if !seen[op] {
			t.Errorf("%s missing from Operations()", op)
		}
	}
	if !strings.Contains(v.Upstream(), "@") {
		t.Errorf("Upstream() = %q", v.Upstream())
	}
}
