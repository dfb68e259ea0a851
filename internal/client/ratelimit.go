package client

import (
	"context"

	"golang.org/x/time/rate"
)

// newLimiter is the client-wide request-rate limit: perSecond tokens a
// second and a burst of one, so that no one-second window sees much more
// than perSecond requests, which is what a server-side limit of "N per
// second" wants. Each HTTP attempt, a retry included, takes one token.
func newLimiter(perSecond float64) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(perSecond), 1)
}

// waitForToken blocks until the rate limit allows one more request, or ctx
// ends (returning ctx's error at once, and giving the token back).
//
// It is rate.Limiter.Wait on the Client's clock and sleep: a reservation
// made now (waiters are served in the order they asked) and a wait for it
// that ends with ctx. Unlike Wait, a token due after ctx's deadline is still
// waited for, so the caller gets ctx's own error.
func (c *Client) waitForToken(ctx context.Context) error {
	if c.limiter == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	now := c.now()
	r := c.limiter.ReserveN(now, 1) // always OK: 1 is within the burst
	wait := r.DelayFrom(now)
	if wait <= 0 {
		return nil
	}
	if err := c.sleep(ctx, wait); err != nil {
		r.CancelAt(c.now())
		return err
	}
	return nil
}
