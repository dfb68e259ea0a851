package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Batched refreshes: the latency runs with DIGA_BATCH_READS on and off, a
// plan of a few flows in a large project, and the targets on both.

// batchOff is the environment entry that turns batched refreshes off.
const batchOff = "DIGA_BATCH_READS=false"

// Targets of batched refreshes.
const (
	// maxPlanUnderLatency: a plan against a 100 ms API within this factor
	// of the same plan with no latency (N=1,000).
	maxPlanUnderLatency = 1.25
	// maxDataRoundTrips: what latency may add to data.diga_flows over
	// 1,000 flows, in round trips.
	maxDataRoundTrips = 5
	// readsBeforeProbe is the client's count of reads answered by GET
	// before a listing is priced (internal/client/flowreads.go).
	readsBeforeProbe = 5
)

// runLatency runs the diga_flow configurations against an emulator with
// latency lat, once with batched refreshes on and once off.
func runLatency(ctx context.Context, o options, work, rc, bin string, all []config, only []string, lat time.Duration) ([]*ConfigResult, error) {
	emu, err := startEmulator(ctx, filepath.Join(bin, "diga-emulator"), filepath.Join(work, "emulator-latency-"+lat.String()+".log"), lat)
	if err != nil {
		return nil, err
	}
	defer emu.stop()
	var out []*ConfigResult
	for _, c := range all {
		if !c.diga || (only != nil && !slices.Contains(only, c.Key)) {
			continue
		}
		for _, batch := range []bool{true, false} {
			suffix := "-" + lat.String()
			cc := c
			if !batch {
				suffix += "-nobatch"
				cc.env = append(slices.Clip(c.env), batchOff)
			}
			cr, err := runConfig(ctx, o, work, rc, emu, cc, o.latencyRounds, suffix)
			if err != nil {
				return nil, fmt.Errorf("%s with %s latency: %w", c.Key, lat, err)
			}
			cr.LatencyMS = float64(lat) / float64(time.Millisecond)
			cr.Bound = map[string]float64{}
			for _, p := range phases {
				// With fewer flows than -parallelism only N run at once.
				cr.Bound[p] = float64(cr.Requests[p]) * lat.Seconds() / float64(min(o.parallelism, o.n))
			}
			out = append(out, cr)
		}
	}
	return out, nil
}

// FewResult is a plan of a few flows in a project that holds many more:
// batching must not cost it a request.
type FewResult struct {
	Flows    int            `json:"flows"`
	Project  int            `json:"project_flows"`
	Requests map[string]int `json:"plan_requests_by_kind"`
	Total    int            `json:"plan_requests"`
}

// runFew applies o.fewFlows diga_flows into a project seeded with
// o.fewProject flows, counts the requests of a plan, and destroys them.
func runFew(ctx context.Context, o options, work, rc, bin string) (*FewResult, error) {
	emu, err := startEmulator(ctx, filepath.Join(bin, "diga-emulator"), filepath.Join(work, "emulator-few.log"), 0,
		"-seed-flows", strconv.Itoa(o.fewProject))
	if err != nil {
		return nil, err
	}
	defer emu.stop()
	dir := filepath.Join(work, "few")
	if err := writeConfig(dir, digaHCL(o.fewFlows, "")); err != nil {
		return nil, err
	}
	env := tfEnv(rc, []string{"DIGA_API_KEY=" + emu.key, "DIGA_BASE_URL=" + emu.url})
	par := "-parallelism=" + strconv.Itoa(o.parallelism)
	run := func(args ...string) (string, error) {
		out, _, err := terraform(ctx, o.cmdTimeout, dir, env, append(args, "-input=false", "-no-color", par))
		if err != nil {
			return out, fmt.Errorf("terraform %s: %w\n%s", args[0], err, tail(out, 30))
		}
		return out, nil
	}
	if _, err := run("apply", "-auto-approve"); err != nil {
		return nil, err
	}
	before, err := emu.mark(ctx)
	if err != nil {
		return nil, err
	}
	out, err := run("plan")
	if err != nil {
		return nil, err
	}
	if !strings.Contains(out, "No changes.") {
		return nil, fmt.Errorf("the plan after apply was not empty\n%s", tail(out, 30))
	}
	after, err := emu.mark(ctx)
	if err != nil {
		return nil, err
	}
	f := &FewResult{Flows: o.fewFlows, Project: o.fewProject, Requests: diffCounts(before, after)}
	for _, v := range f.Requests {
		f.Total += v
	}
	if _, err := run("destroy", "-auto-approve"); err != nil {
		return nil, err
	}
	fmt.Printf("  %-22s plan: %d requests %v\n", fmt.Sprintf("%d of %d flows", o.fewFlows, o.fewProject), f.Total, f.Requests)
	return f, nil
}

// pagesOf is the number of list pages (30 flows each) of n flows.
func pagesOf(n int) int { return (n + 29) / 30 }

// judgeBatch adds the targets of batched refreshes.
func judgeBatch(res *Result, add func(Target)) {
	for _, c := range res.Latency {
		if !c.Batch {
			continue
		}
		// Refresh requests at most 2 × min(N, pages + 1): judged where the
		// client's bound reaches it (min(N, P) ≥ readsBeforeProbe; below,
		// the first reads are single GETs, as many as without batching).
		m := min(res.N, pagesOf(res.N)+1)
		limit := 2 * m
		add(Target{
			Name:   fmt.Sprintf("%s plan at %.0f ms: refresh requests ≤ 2 × min(N, pages + 1) = %d (N=%d)", c.Key, c.LatencyMS, limit, res.N),
			Detail: fmt.Sprintf("%d requests %v", c.Requests["plan"], c.ByKind["plan"]),
			Pass:   c.Requests["plan"] <= limit,
			Info:   min(res.N, pagesOf(res.N)) < readsBeforeProbe,
		})
		base := find(res.Configs, strings.TrimSuffix(c.Key, fmt.Sprintf("-%s", time.Duration(c.LatencyMS*float64(time.Millisecond)))))
		if base == nil || c.LatencyMS < 100 {
			continue
		}
		ratio := c.Best["plan"] / base.Best["plan"]
		add(Target{
			Name: fmt.Sprintf("%s plan at %.0f ms ≤ %.2f× the same plan with no latency (N=%d; the target is stated at N=1000)",
				c.Key, c.LatencyMS, maxPlanUnderLatency, res.N),
			Detail: fmt.Sprintf("%.2f s vs %.2f s = %.2f×", c.Best["plan"], base.Best["plan"], ratio),
			Pass:   ratio <= maxPlanUnderLatency,
			Info:   res.N < 1000,
		})
	}
	if f := res.Few; f != nil {
		add(Target{
			Name: fmt.Sprintf("plan of %d flows in a project of %d: no more requests than one GET per flow at the API floor",
				f.Flows, f.Project),
			Detail: fmt.Sprintf("%d requests %v vs %d", f.Total, f.Requests, f.Flows),
			Pass:   f.Total <= f.Flows,
		})
	}
	if d := res.Data; d != nil {
		for _, l := range d.Latency {
			added := l.Best - d.Best
			trips := added / (l.LatencyMS / 1000)
			add(Target{
				Name:   fmt.Sprintf("data.diga_flows over %d flows at %.0f ms: latency adds ≤ %d round trips", d.Flows, l.LatencyMS, maxDataRoundTrips),
				Detail: fmt.Sprintf("%.2f s − %.2f s = %.2f s = %.1f round trips (%d requests)", l.Best, d.Best, added, trips, l.Requests),
				Pass:   trips <= maxDataRoundTrips,
			})
		}
	}
}

// markdownBatch renders the latency runs: seconds, the time the latency
// added and the requests of each phase, batching on and off.
func markdownBatch(b *strings.Builder, res *Result) {
	if len(res.Latency) > 0 {
		b.WriteString("\nWith emulator latency, batched refreshes on and off (`DIGA_BATCH_READS=false`): seconds (+ time the latency added over the same configuration without latency) / requests:\n\n")
		b.WriteString("| configuration | latency | batch | apply | plan | plan -refresh=false | no-op apply | destroy |\n|---|---|---|---|---|---|---|---|\n")
		for _, c := range res.Latency {
			base := find(res.Configs, strings.TrimSuffix(strings.TrimSuffix(c.Key, "-nobatch"), fmt.Sprintf("-%s", time.Duration(c.LatencyMS*float64(time.Millisecond)))))
			batch := "on"
			if !c.Batch {
				batch = "off"
			}
			fmt.Fprintf(b, "| %s | %.0f ms | %s |", strings.TrimSuffix(c.Key, "-nobatch"), c.LatencyMS, batch)
			for _, p := range phases {
				added := ""
				if base != nil {
					added = fmt.Sprintf(" (%+.2f)", c.Best[p]-base.Best[p])
				}
				fmt.Fprintf(b, " %.2f%s / %d |", c.Best[p], added, c.Requests[p])
			}
			b.WriteString("\n")
		}
	}
	if d := res.Data; d != nil && len(d.Latency) > 0 {
		b.WriteString("\n`data.diga_flows` with latency (pages side by side): ")
		for i, l := range d.Latency {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(b, "%.0f ms: %.2f s, %+.2f s over no latency (%.1f round trips), %d requests", l.LatencyMS, l.Best, l.Best-d.Best,
				(l.Best-d.Best)/(l.LatencyMS/1000), l.Requests)
		}
		b.WriteString(".\n")
	}
	if f := res.Few; f != nil {
		fmt.Fprintf(b, "\nA plan of %d `diga_flow`s in a project of %d flows: %d requests %v.\n", f.Flows, f.Project, f.Total, f.Requests)
	}
}
