package main

// This file keeps the provider process quiet when nobody asked for logs:
// main calls applyQuietLogs before serving, which switches the SDK,
// framework and provider loggers off unless a TF_LOG* or TF_ACC_LOG*
// variable is set. quiet_logs_test.go checks the decision and, with the
// built binary (TestBinaryLogs), that it then writes no log line at all.

import (
	"os"
	"strings"
)

// logEnvPrefixes are the environment variable prefixes through which a user
// (or a test harness) asks Terraform, the SDK, the framework or the provider
// for logs: TF_LOG, TF_LOG_CORE, TF_LOG_PROVIDER, TF_LOG_PROVIDER_DIGA,
// TF_LOG_SDK, TF_LOG_SDK_PROTO, TF_LOG_SDK_FRAMEWORK, TF_LOG_PATH,
// TF_LOG_PATH_MASK, TF_ACC_LOG, TF_ACC_LOG_PATH, …
var logEnvPrefixes = []string{"TF_LOG", "TF_ACC_LOG"}

// quietLevelVars are the variables terraform-plugin-log reads for the level
// of each logger the provider process has: TF_LOG_SDK (the SDK root logger,
// TRACE when unset), TF_LOG_SDK_PROTO (terraform-plugin-go's protocol
// subsystem), TF_LOG_SDK_FRAMEWORK (the framework subsystem) and
// TF_LOG_PROVIDER_DIGA (tflog, the provider's own logger; the suffix is the
// type of the registry address). hclog.LevelFromString("off") is hclog.Off.
var quietLevelVars = []string{
	"TF_LOG_SDK",
	"TF_LOG_SDK_PROTO",
	"TF_LOG_SDK_FRAMEWORK",
	"TF_LOG_PROVIDER_DIGA",
}

// logsRequested reports whether any logging variable is set (to anything,
// even empty: a set variable is a user's explicit choice) in environ, the
// form os.Environ returns.
func logsRequested(environ []string) bool {
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		for _, p := range logEnvPrefixes {
			if strings.HasPrefix(name, p) {
				return true
			}
		}
	}
	return false
}

// quietLogsUnlessRequested turns the SDK, framework and provider loggers off
// when nobody asked for logs. Without it they default to TRACE and encode
// every line as JSON onto stderr, which Terraform reads and, without TF_LOG,
// throws away: a third of the provider's CPU time in a plan. It must run
// before the server is created (the loggers read the variables then and at
// each request). It reports whether it turned logging off.
func quietLogsUnlessRequested(environ []string, setenv func(key, value string) error) (bool, error) {
	if logsRequested(environ) {
		return false, nil
	}
	for _, v := range quietLevelVars {
		if err := setenv(v, "off"); err != nil {
			return false, err
		}
	}
	return true, nil
}

// applyQuietLogs is quietLogsUnlessRequested on the process environment.
func applyQuietLogs() (bool, error) {
	return quietLogsUnlessRequested(os.Environ(), os.Setenv)
}
