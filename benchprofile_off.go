//go:build !benchprofile

package main

// startProfile is a no-op; build with -tags benchprofile (go run ./bench
// -profile does) for CPU profiles of each provider process.
func startProfile() func() { return func() {} }
