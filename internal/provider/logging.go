package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// maskSecret makes tflog replace the secret wherever it would appear in a
// message or a field value logged with ctx, and masks api_key fields by name.
func maskSecret(ctx context.Context, secret string) context.Context {
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "api_key", "authorization", "Authorization")
	if secret == "" {
		return ctx
	}
	ctx = tflog.MaskMessageStrings(ctx, secret)
	return tflog.MaskAllFieldValuesStrings(ctx, secret)
}

// tflogLogger adapts tflog to client.Logger. The client logs with the
// context of the Terraform operation that made the call, which does not carry
// the masking set up in Configure, so every call masks the key again.
type tflogLogger struct {
	secret string
}

func (l tflogLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(maskSecret(ctx, l.secret), msg, fields)
}

func (l tflogLogger) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.Warn(maskSecret(ctx, l.secret), msg, fields)
}
