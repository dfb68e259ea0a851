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

// envUpstreamSpec and envAgentsSpec name copies of Diga's published OpenAPI
// documents (api-reference/openapi.json of Diga-io/docs, for the workflow
// operations and for the agent and phone operations; the sources make
// contract-refresh reads); the repository carries neither.
const (
	envUpstreamSpec = "DIGA_OPENAPI_UPSTREAM"
	envAgentsSpec   = "DIGA_OPENAPI_AGENTS_UPSTREAM"
)

// committedContract reads api/diga-openapi.json, the contract every test
// server is validated against, checks that the embedded api.OpenAPI is the
// same and returns it with the upstream revisions it names (info.x-upstream
// and the agents document's).
func committedContract(t *testing.T) (onDisk []byte, rev, agentsRev string) {
	t.Helper()
	onDisk, err := os.ReadFile(filepath.Join(repoRoot(t), "api", "diga-openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, api.OpenAPI) {
		t.Fatal("api.OpenAPI differs from api/diga-openapi.json: rebuild")
	}
	var committed struct {
		Info map[string]string `json:"info"`
	}
	if err := json.Unmarshal(onDisk, &committed); err != nil || committed.Info[reduce.UpstreamKey] == "" || committed.Info[reduce.AgentsUpstreamKey] == "" {
		t.Fatalf("api/diga-openapi.json lacks info.%s or info.%s (err %v)", reduce.UpstreamKey, reduce.AgentsUpstreamKey, err)
	}
	return onDisk, committed.Info[reduce.UpstreamKey], committed.Info[reduce.AgentsUpstreamKey]
}

// reduceBoth is what make contract-refresh writes from the two documents.
func reduceBoth(t *testing.T, upstream, agents []byte, rev, agentsRev string) []byte {
	t.Helper()
	out, err := reduce.Reduce(upstream, rev)
	if err != nil {
		t.Fatal(err)
	}
	out, err = reduce.AddOperations(out, agents, reduce.AgentOperations, reduce.AgentsUpstreamKey, agentsRev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCommittedContractIsReducerOutput fails when api/diga-openapi.json is
// not exactly what the reducer writes (reducing it again, with its own
// agent operations, must change nothing): a hand edit in a form make
// contract-refresh would not produce (prose, key order, formatting, a
// keyword the reducer drops) cannot go unnoticed. It needs nothing outside
// the repository.
func TestCommittedContractIsReducerOutput(t *testing.T) {
	t.Parallel()
	onDisk, rev, agentsRev := committedContract(t)
	if again := reduceBoth(t, onDisk, onDisk, rev, agentsRev); !bytes.Equal(onDisk, again) {
		t.Errorf("api/diga-openapi.json is not in the form the reducer writes: it was edited by hand. Regenerate it " +
			"with make contract-refresh (see the GNUmakefile) and review the diff")
	}
}

// TestCommittedContractMatchesUpstream compares api/diga-openapi.json with
// Diga's published documents, which the repository does not carry: set
// DIGA_OPENAPI_UPSTREAM and DIGA_OPENAPI_AGENTS_UPSTREAM to copies of them.
// The contract must then be exactly what make contract-refresh makes of
// them, and name the commits they name. Without the variables the test is
// skipped, and says so.
func TestCommittedContractMatchesUpstream(t *testing.T) {
	t.Parallel()
	onDisk, rev, agentsRev := committedContract(t)
	spec, agentsSpec := os.Getenv(envUpstreamSpec), os.Getenv(envAgentsSpec)
	if spec == "" || agentsSpec == "" {
		t.Skipf("comparing api/diga-openapi.json with Diga's published documents needs %s and %s (paths to copies "+
			"of them); TestCommittedContractIsReducerOutput checks what the repository alone can", envUpstreamSpec, envAgentsSpec)
	}
	upstream, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	agents, err := os.ReadFile(agentsSpec)
	if err != nil {
		t.Fatal(err)
	}
	if want := reduceBoth(t, upstream, agents, rev, agentsRev); !bytes.Equal(onDisk, want) {
		t.Errorf("api/diga-openapi.json is not what the reducer makes of %s and %s: run\n"+
			"  make contract-refresh SPEC=%s REV=\"<commit> (<date>)\" AGENTS_SPEC=%s AGENTS_REV=\"<commit> (<date>)\"\n"+
			"and review the diff", spec, agentsSpec, spec, agentsSpec)
	}

	// When a published document names the commit it was copied from, the
	// committed revision must name the same one.
	var up struct {
		Info map[string]any `json:"info"`
	}
	_ = json.Unmarshal(upstream, &up)
	for _, v := range up.Info {
		s, _ := v.(string)
		if m := regexp.MustCompile(`commit ([0-9a-f]{7,40})`).FindStringSubmatch(s); m != nil {
			if !strings.Contains(rev, m[1]) {
				t.Errorf("the published document is from commit %s but api/diga-openapi.json says %q: refresh with REV=%q", m[1], rev, m[1])
			}
		}
	}
	var ag struct {
		Info map[string]any `json:"info"`
	}
	_ = json.Unmarshal(agents, &ag)
	if s, _ := ag.Info[reduce.UpstreamKey].(string); s != "" {
		if m := regexp.MustCompile(`@ ([0-9a-f]{7,40})`).FindStringSubmatch(s); m != nil && !strings.Contains(agentsRev, m[1]) {
			t.Errorf("the agents document is from commit %s but api/diga-openapi.json says %q: refresh with AGENTS_REV=%q",
				m[1], agentsRev, m[1])
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
