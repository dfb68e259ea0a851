// Command terraform-provider-diga serves the Diga Terraform provider over
// plugin protocol 6.
//
// Unless one of the logging variables (TF_LOG, TF_LOG_PROVIDER*, TF_LOG_SDK*,
// TF_LOG_PATH*, TF_ACC_LOG*) is set, the SDK, framework and provider loggers
// are switched off before serving (see quiet_logs.go): Terraform discards
// provider logs then, and producing them is a third of a plan's CPU time.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/Diga-io/terraform-provider-diga/internal/provider"
)

// version and commit are set by goreleaser through -ldflags
// "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()
	defer startProfile()() // a no-op unless built with -tags benchprofile (benchprofile_on.go)
	quiet, err := applyQuietLogs()
	if err != nil {
		log.Fatal(err.Error())
	}
	if commit != "" && !quiet {
		log.Printf("terraform-provider-diga %s (%s)", version, commit)
	}

	// What providerserver.Serve does for protocol 6, plus go-plugin's own
	// logger limited to errors when logs are off.
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	if quiet {
		opts = append(opts, tf6server.WithGoPluginLogger(hclog.New(&hclog.LoggerOptions{
			Level:      hclog.Error,
			Output:     os.Stderr,
			JSONFormat: true,
		})))
	}
	server, err := provider.ProtocolServer(version)()
	if err != nil {
		log.Fatal(err.Error())
	}
	err = tf6server.Serve(provider.Address, func() tfprotov6.ProviderServer { return server }, opts...)
	if err != nil {
		log.Fatal(err.Error())
	}
}
