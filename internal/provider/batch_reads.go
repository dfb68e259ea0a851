package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// envBatchReads turns batched refreshes off when set to false or 0 (the
// provider's batch_reads, when set, wins).
const envBatchReads = "DIGA_BATCH_READS"

func batchReadsAttribute() schema.BoolAttribute {
	return schema.BoolAttribute{
		MarkdownDescription: "Let a refresh read `diga_flow`s from a listing of the project when that takes fewer " +
			"requests than one `GET` per flow (default `true`). The provider starts with single `GET`s and lists the " +
			"project (30 flows a page, the pages side by side) only once the `GET`s have cost as many requests as " +
			"the listing would, so a run never sends more than about twice the requests of the better choice, and " +
			"a run that reads five flows or fewer sends exactly its `GET`s. A flow missing from the listing, or " +
			"written by this run after the listing was read, still gets its own `GET`; a listing is never kept " +
			"from one Terraform command to the next. Set `false` (or the `" + envBatchReads + "` environment " +
			"variable to `false`) to read every flow with its own `GET`.",
		Optional: true,
	}
}

// batchReads is whether refreshes may be batched: the attribute when set,
// else the environment variable, else on.
func batchReads(attr types.Bool, getenv func(string) string) bool {
	if !attr.IsNull() && !attr.IsUnknown() {
		return attr.ValueBool()
	}
	switch strings.ToLower(strings.TrimSpace(getenv(envBatchReads))) {
	case "false", "0", "off", "no":
		return false
	}
	return true
}
