package client

import (
	"context"
	"math"
	"sync"
	"time"
)

// tokenBucket is a client-wide request-rate limit: rate tokens per second,
// a burst of one, and reservations that may go into debt so that waiters
// are served in the order they asked (like golang.org/x/time/rate's
// Reserve, without the dependency). Each HTTP attempt takes one token.
type tokenBucket struct {
	rate float64 // tokens per second, > 0

	mu     sync.Mutex
	tokens float64 // may be negative: tokens promised to waiting callers
	last   time.Time
}

// burst is how many requests may go out back to back after a quiet spell.
// One keeps the limit strict: no one-second window ever sees much more than
// rate requests, which is what a server-side limit of "N per second" wants.
const burst = 1.0

func newTokenBucket(rate float64) *tokenBucket {
	return &tokenBucket{rate: rate, tokens: burst}
}

// reserve takes one token at time now and returns how long the caller must
// wait before using it.
func (b *tokenBucket) reserve(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last.IsZero() {
		b.last = now
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(burst, b.tokens+elapsed.Seconds()*b.rate)
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	ns := math.Ceil(-b.tokens / b.rate * float64(time.Second))
	if ns >= math.MaxInt64 { // absurdly low rates: wait "forever" (until ctx ends)
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ns)
}

// unreserve returns a token whose holder gave up waiting for it.
func (b *tokenBucket) unreserve() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = math.Min(burst, b.tokens+1)
}

// waitForToken blocks until the rate limit allows one more request, or ctx
// ends (returning ctx's error at once).
func (c *Client) waitForToken(ctx context.Context) error {
	if c.limiter == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	wait := c.limiter.reserve(c.now())
	if wait <= 0 {
		return nil
	}
	if err := c.sleep(ctx, wait); err != nil {
		c.limiter.unreserve()
		return err
	}
	return nil
}
