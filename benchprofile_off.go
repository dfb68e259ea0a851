//go:build !benchprofile

package main

// This file is the release build's side of benchprofile_on.go: without
// -tags benchprofile the provider writes no profiles.

// startProfile is a no-op; build with -tags benchprofile (go run ./bench
// -profile does) for CPU profiles of each provider process.
func startProfile() func() { return func() {} }
