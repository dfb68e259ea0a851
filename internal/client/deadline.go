package client

import (
	"context"
	"errors"
)

// budgetSpentError reports that a call's time budget, the caller's
// context deadline (a resource's timeouts), passed before any answer
// arrived. It stands for context.DeadlineExceeded (errors.Is finds it)
// with words a user can act on: "context deadline exceeded" is never
// shown. When a real failure came first, that failure is reported instead
// (sendRetrying).
type budgetSpentError struct {
	// sent: the request may have reached the server.
	sent bool
}

func (e *budgetSpentError) Error() string {
	if !e.sent {
		return "the operation's time budget ran out before the request could be sent (nothing was sent)"
	}
	return "the operation's time budget ran out while waiting for the answer"
}

func (e *budgetSpentError) Unwrap() error { return context.DeadlineExceeded }

// ended is err (a context's error) in the client's words: a passed
// deadline becomes a *budgetSpentError, cancellation stays as it is.
func ended(err error, sent bool) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &budgetSpentError{sent: sent}
	}
	return err
}
