//go:build benchprofile

package main

// This file is only built with -tags benchprofile, which `go run ./bench
// -profile DIR` sets when it builds the provider: each provider process
// then writes CPU, heap and goroutine profiles for the benchmark
// (BENCHMARKS.md). Release builds use benchprofile_off.go instead.

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

// startProfile writes a CPU profile of this provider process to
// $DIGA_BENCH_PROFILE_DIR/cpu-PID.pprof when that variable is set, and at
// exit a heap profile (heap-PID.pprof: what is still live, and every
// allocation made) and the goroutines left (goroutine-PID.txt). Only in
// binaries built with -tags benchprofile (go run ./bench -profile).
func startProfile() func() {
	dir := os.Getenv("DIGA_BENCH_PROFILE_DIR")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", os.Getpid())))
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
		runtime.GC() // the heap profile shows the heap as of the last GC
		if h, err := os.Create(filepath.Join(dir, fmt.Sprintf("heap-%d.pprof", os.Getpid()))); err == nil {
			_ = pprof.WriteHeapProfile(h)
			_ = h.Close()
		}
		if g, err := os.Create(filepath.Join(dir, fmt.Sprintf("goroutine-%d.txt", os.Getpid()))); err == nil {
			_ = pprof.Lookup("goroutine").WriteTo(g, 1)
			_ = g.Close()
		}
	}
}
