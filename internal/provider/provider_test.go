package provider

import (
	"strings"
	"testing"
)

func TestCheckBaseURL(t *testing.T) {
	t.Parallel()
	cases := map[string]string{ // url → expected error substring ("" = ok)
		"https://api.diga.io":            "",
		"https://api.diga.io/":           "",
		"http://127.0.0.1:8787":          "",
		"http://127.1.2.3":               "",
		"http://localhost:1234":          "",
		"http://[::1]:8787":              "",
		"http://api.diga.io":             "https is required",
		"http://10.0.0.1":                "https is required",
		"http://localhost.evil.com":      "https is required",
		"http://localhost.:8787":         "trailing dot",
		"http://LocalHost.":              "trailing dot",
		"http://api.localhost":           "https is required",
		"ftp://api.diga.io":              "not an absolute http(s) URL",
		"api.diga.io":                    "not an absolute http(s) URL",
		"":                               "not an absolute http(s) URL",
		"mailto:x@api.diga.io":           "not an absolute http(s) URL",
		" https://api.diga.io\n":         "",
		"HTTPS://api.diga.io/base":       "",
		"https://me:s3cret@api.diga.io":  "contains user information",
		"https://me@api.diga.io":         "contains user information",
		"https://api.diga.io/?region=eu": "has a query string",
		"https://api.diga.io/?":          "has a query string",
		"https://api.diga.io/#top":       "has a fragment",
		"https://api.diga.io#":           "has a fragment",
		"http://me:s3cret@10.0.0.1":      "contains user information",
		"https://exa mple.com@x":         "not an absolute http(s) URL",
	}
	for in, want := range cases {
		err := checkBaseURL(in)
		switch {
		case want == "" && err != nil:
			t.Errorf("checkBaseURL(%q) = %v, want ok", in, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("checkBaseURL(%q) = %v, want error containing %q", in, err, want)
		case err != nil && strings.Contains(err.Error(), "s3cret"):
			t.Errorf("checkBaseURL(%q) repeats the password: %v", in, err)
		}
	}
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	if got, want := userAgent("1.2.3", "1.11.4"), "terraform-provider-diga/1.2.3 Terraform/1.11.4"; got != want {
		t.Errorf("userAgent = %q, want %q", got, want)
	}
	if got, want := userAgent("dev", ""), "terraform-provider-diga/dev"; got != want {
		t.Errorf("userAgent = %q, want %q", got, want)
	}
}
