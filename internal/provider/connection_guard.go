package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// Diga's connection create is an upsert: Diga's API reference describes it
// as a thin proxy to the workflow engine's connection upsert, so creating
// an existing connection may update it. What it is keyed on is not documented. The emulator keys it
// on (piece_name, display_name), compared exactly, and the provider's
// guards below use the same key. It is an open question whether the real
// engine compares display names exactly, case-insensitively, or keys on the
// display name alone; the plan therefore also warns about a connection of
// another piece with the same display name, and a create that is answered
// with a connection that existed before fails loudly instead of adopting it.

// connectionKey is what Diga's upsert is taken to be keyed on, within one
// project.
type connectionKey struct {
	project     string // projectID: base URL and API key
	pieceName   string
	displayName string
}

// projectID names the project an API key selects on a Diga API, without
// holding the key itself: two providers configured alike share it.
func projectID(baseURL, apiKey string) string {
	sum := sha256.Sum256([]byte(baseURL + "\x00" + apiKey))
	return hex.EncodeToString(sum[:8])
}

// connectionLocks serialises, within this provider process, the check for
// an existing connection and the upsert that follows it, per key: of two
// resources of one apply that create the same connection, the second sees
// the first's connection and fails instead of overwriting its secret. It is
// process-wide because Terraform may configure the provider more than once
// in a process (every walk, and tests that share it).
var connectionLocks keyedMutex

// keyedMutex is a set of mutexes by key, created on demand and dropped when
// no one holds or waits for them.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[connectionKey]*keyedLock
}

type keyedLock struct {
	mu      sync.Mutex
	waiters int
}

// lock locks key and returns the function that unlocks it.
func (k *keyedMutex) lock(key connectionKey) (unlock func()) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[connectionKey]*keyedLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.waiters++
	k.mu.Unlock()

	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.waiters--
		if l.waiters == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// plannedConnections records the connections the resources of one plan (one
// configured provider instance) are about to create, so that two resources
// with the same key are caught at plan, before anything is sent.
type plannedConnections struct {
	mu   sync.Mutex
	keys map[connectionKey]bool
}

// claim records key and reports whether it was free.
func (p *plannedConnections) claim(key connectionKey) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.keys == nil {
		p.keys = map[connectionKey]bool{}
	}
	if p.keys[key] {
		return false
	}
	p.keys[key] = true
	return true
}

// findConnection returns the connection with exactly this piece and display
// name, and the first one of another piece with the same display name.
func findConnection(conns []client.Connection, pieceName, displayName string) (same, otherPiece *client.Connection) {
	for i := range conns {
		c := &conns[i]
		if c.DisplayName != displayName {
			continue
		}
		if c.PieceName == pieceName && same == nil {
			same = c
		}
		if c.PieceName != pieceName && otherPiece == nil {
			otherPiece = c
		}
	}
	return same, otherPiece
}
