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

// envUpstreamSpec names a copy of Diga's published OpenAPI document
// (api-reference/openapi.json of Diga-io/docs, the source make
// contract-refresh reads); the repository does not carry it.
const envUpstreamSpec = "DIGA_OPENAPI_UPSTREAM"

// committedContract reads api/diga-openapi.json, the contract every test
// server is validated against, checks that the embedded api.OpenAPI is the
// same and returns it with the upstream revision it names
// (info.x-upstream).
func committedContract(t *testing.T) (onDisk []byte, upstream string) {
	t.Helper()
	onDisk, err := os.ReadFile(filepath.Join(repoRoot(t), "api", "diga-openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, api.OpenAPI) {
		t.Fatal("api.OpenAPI differs from api/diga-openapi.json: rebuild")
	}
	var committed struct {
		Info struct {
			Upstream string `json:"x-upstream"`
		} `json:"info"`
	}
	if err := json.Unmarshal(onDisk, &committed); err != nil || committed.Info.Upstream == "" {
		t.Fatalf("api/diga-openapi.json has no info.x-upstream (err %v)", err)
	}
	return onDisk, committed.Info.Upstream
}

// TestCommittedContractIsReducerOutput fails when api/diga-openapi.json is
// not exactly what the reducer writes (reducing it again must change
// nothing): a hand edit in a form make contract-refresh would not produce
// (prose, key order, formatting, a keyword the reducer drops) cannot go
// unnoticed. It needs nothing outside the repository.
func TestCommittedContractIsReducerOutput(t *testing.T) {
	t.Parallel()
	onDisk, rev := committedContract(t)
	again, err := reduce.Reduce(onDisk, rev)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, again) {
		t.Errorf("api/diga-openapi.json is not in the form the reducer writes: it was edited by hand. Regenerate it " +
			"with make contract-refresh SPEC=<Diga's openapi.json> REV=\"<commit> (<date>)\" and review the diff")
	}
}

// TestCommittedContractMatchesUpstream compares api/diga-openapi.json with
// Diga's published document, which the repository does not carry: set
// DIGA_OPENAPI_UPSTREAM to a copy of it. The contract must then be exactly
// what make contract-refresh makes of it, and name the commit it names.
// Without the variable the test is skipped, and says so.
func TestCommittedContractMatchesUpstream(t *testing.T) {
	t.Parallel()
	onDisk, rev := committedContract(t)
	spec := os.Getenv(envUpstreamSpec)
	if spec == "" {
		t.Skipf("comparing api/diga-openapi.json with Diga's published document needs %s=<path to its "+
			"openapi.json>; TestCommittedContractIsReducerOutput checks what the repository alone can", envUpstreamSpec)
	}
	upstream, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	want, err := reduce.Reduce(upstream, rev)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, want) {
		t.Errorf("api/diga-openapi.json is not what the reducer makes of %s: run\n"+
			"  make contract-refresh SPEC=%s REV=\"<commit> (<date>)\"\nand review the diff", spec, spec)
	}

	// When the published document names the commit it was copied from,
	// the committed revision must name the same one.
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
