package spec

import (
	"encoding/hex"
	"strings"

	"golang.org/x/crypto/sha3"
)

// checksumOK reports whether a 0x address passes its EIP-55 mixed-case
// checksum. All-lower and all-upper addresses carry no checksum and pass.
func checksumOK(addr string) bool {
	hexPart := addr[2:]
	if hexPart == strings.ToLower(hexPart) || hexPart == strings.ToUpper(hexPart) {
		return true
	}
	return ChecksumAddress(addr) == addr
}

// ChecksumAddress writes a 0x address in its EIP-55 mixed case.
func ChecksumAddress(addr string) string {
	lower := strings.ToLower(strings.TrimPrefix(addr, "0x"))
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(lower))
	digest := hex.EncodeToString(h.Sum(nil))
	out := []byte(lower)
	for i, c := range out {
		if c >= 'a' && c <= 'f' && digest[i] >= '8' {
			out[i] = c - 'a' + 'A'
		}
	}
	return "0x" + string(out)
}
