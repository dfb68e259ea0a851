package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

func TestLogsRequested(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want bool
	}{
		{nil, false},
		{[]string{"PATH=/bin", "HOME=/root", "TF_ACC=1", "TF_CLI_CONFIG_FILE=/x"}, false},
		{[]string{"TF_LOG=TRACE"}, true},
		{[]string{"TF_LOG="}, true},
		{[]string{"TF_LOG_CORE=off"}, true},
		{[]string{"TF_LOG_PROVIDER=DEBUG"}, true},
		{[]string{"TF_LOG_PROVIDER_DIGA=TRACE"}, true},
		{[]string{"TF_LOG_SDK=INFO"}, true},
		{[]string{"TF_LOG_SDK_PROTO=TRACE"}, true},
		{[]string{"TF_LOG_SDK_FRAMEWORK=TRACE"}, true},
		{[]string{"TF_LOG_PATH=/tmp/tf.log"}, true},
		{[]string{"TF_LOG_PATH_MASK=/tmp/%s.log"}, true},
		{[]string{"TF_ACC_LOG_PATH=/tmp/acc.log"}, true},
		{[]string{"MY_TF_LOG=1", "TFLOG=1"}, false},
	} {
		if got := logsRequested(tc.env); got != tc.want {
			t.Errorf("logsRequested(%q) = %t, want %t", tc.env, got, tc.want)
		}
	}
}

// clearLogEnv unsets every logging variable of the test process for the
// duration of t.
func clearLogEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if logsRequested([]string{kv}) {
			t.Setenv(name, "")
			if err := os.Unsetenv(name); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestApplyQuietLogs(t *testing.T) {
	t.Run("nothing set: every logger off", func(t *testing.T) {
		clearLogEnv(t)
		for _, v := range quietLevelVars {
			t.Setenv(v, "") // restored after the test
			_ = os.Unsetenv(v)
		}
		quiet, err := applyQuietLogs()
		if err != nil || !quiet {
			t.Fatalf("applyQuietLogs() = %t, %v; want true, nil", quiet, err)
		}
		for _, v := range quietLevelVars {
			if got := os.Getenv(v); got != "off" {
				t.Errorf("%s = %q, want off", v, got)
			}
		}
	})
	t.Run("TF_LOG set: environment untouched", func(t *testing.T) {
		clearLogEnv(t)
		t.Setenv("TF_LOG", "TRACE")
		before := os.Environ()
		quiet, err := applyQuietLogs()
		if err != nil || quiet {
			t.Fatalf("applyQuietLogs() = %t, %v; want false, nil", quiet, err)
		}
		if after := os.Environ(); strings.Join(after, "\n") != strings.Join(before, "\n") {
			t.Errorf("environment changed:\nbefore %q\nafter  %q", before, after)
		}
	})
}

// rawProvider hands out the gRPC connection to the plugin so the test can
// call the protocol methods without the (internal) generated client.
type rawProvider struct {
	plugin.NetRPCUnsupportedPlugin
}

func (rawProvider) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }

func (rawProvider) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return c, nil
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveOnce starts the built provider binary the way Terraform does (the
// go-plugin handshake of protocol 6), asks it for its schema twice, stops
// it, and returns everything it wrote to stderr.
func serveOnce(t *testing.T, bin string, extraEnv ...string) string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if !logsRequested([]string{kv}) {
			env = append(env, kv)
		}
	}
	cmd := exec.Command(bin)
	cmd.Env = append(env, extraEnv...)
	stderr := &lockedBuffer{}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  6,
			MagicCookieKey:   "TF_PLUGIN_MAGIC_COOKIE",
			MagicCookieValue: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
		},
		Plugins:          plugin.PluginSet{"provider": rawProvider{}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Stderr:           stderr,
		Logger:           hclog.NewNullLogger(),
		StartTimeout:     30 * time.Second,
	})
	defer client.Kill()
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("starting the provider: %v\nstderr:\n%s", err, stderr)
	}
	raw, err := rpc.Dispense("provider")
	if err != nil {
		t.Fatal(err)
	}
	conn := raw.(*grpc.ClientConn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range 2 {
		// The request and the answer are protobuf messages; an empty
		// message is a valid GetProviderSchema.Request, and the answer's
		// fields are kept as unknown fields of Empty.
		var resp emptypb.Empty
		if err := conn.Invoke(ctx, "/tfplugin6.Provider/GetProviderSchema", &emptypb.Empty{}, &resp); err != nil {
			t.Fatalf("GetProviderSchema: %v\nstderr:\n%s", err, stderr)
		}
		if len(resp.ProtoReflect().GetUnknown()) == 0 {
			t.Fatal("GetProviderSchema answered nothing")
		}
	}
	client.Kill() // waits for the stderr copy to finish
	return stderr.String()
}

// TestBinaryLogs builds the provider and serves real requests with it: with
// no logging variable set it writes not a single line to stderr; with
// TF_LOG=TRACE it writes the SDK's, the framework's and the provider's TRACE
// lines, as it always did.
func TestBinaryLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the provider binary")
	}
	bin := filepath.Join(t.TempDir(), "terraform-provider-diga")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	if out := serveOnce(t, bin); strings.TrimSpace(out) != "" {
		t.Errorf("with no logging variable set the provider wrote to stderr:\n%s", out)
	}

	out := serveOnce(t, bin, "TF_LOG=TRACE")
	for _, want := range []string{
		`"@module":"sdk.proto"`,     // terraform-plugin-go
		`"@module":"sdk.framework"`, // terraform-plugin-framework
		`"tf_rpc":"GetProviderSchema"`,
		`"@level":"trace"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("with TF_LOG=TRACE the logs lack %s; got:\n%.2000s", want, out)
		}
	}
}
