package flowdef

import (
	"crypto/sha256"
	"encoding/hex"
)

// Fingerprint identifies a published revision: the flow's name and the
// meaning-bearing form of its definition. The provider keeps the fingerprint
// of what it last published to know whether a publish is due.
func Fingerprint(name string, definition map[string]any) string {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write([]byte(Canonical(normal(definition))))
	return hex.EncodeToString(h.Sum(nil))
}

// Publishable reports whether Diga can publish a flow with this definition:
// a flow whose trigger is EMPTY has nothing to run.
func Publishable(definition map[string]any) bool {
	t, _ := definition["type"].(string)
	return t != "" && t != "EMPTY"
}
